import Crypto
import Foundation

/// Turns the YAML of each content file into model values; positions and problems go to the reader.
enum Decoding {
  static let siteKeys = [
    "title", "description", "baseURL", "language", "timezone", "theme", "repository", "feedback", "feeds",
  ]
  static let municipalityKeys = ["id", "name", "website", "email", "villages"]
  static let villageKeys = ["id", "name", "kind", "location"]
  static let planKeys = [
    "title", "summary", "municipality", "villages", "type", "tags", "status", "budget", "contact", "location",
    "feedback", "documents", "timeline", "draft",
  ]
  static let entryKeys = ["date", "end", "kind", "title", "location", "stage", "id"]
  static let pageKeys = ["title", "menu", "weight"]
  static let summaryLimit = 300
  static let planTypeHint = "use one of: \(PlanType.allCases.map(\.rawValue).joined(separator: ", "))"
  static let utc = TimeZone(identifier: "UTC")!

  // MARK: site.yml

  static func settings(_ r: YAMLReader, _ root: YAMLNode?) -> SiteSettings? {
    guard let root else {
      if r.diagnostics.isEmpty {
        r.error(at: .start, "site.yml is empty: it needs at least 'title:' and 'baseURL:'")
      }
      return nil
    }
    guard let m = r.mapping(root, what: "site.yml", allowed: siteKeys) else { return nil }
    let givenTitle = m.string(
      "title", required: "give the site a name, e.g. title: Jõgevamaa kogukonnaplaanid")
    let description = m.string("description")
    let givenBaseURL = m.url(
      "baseURL", required: "write the address where the site is published, e.g. https://plaanid.example.ee/")
    let language = m.choice("language", SiteLanguage.self) ?? .et
    var zone = TimeZone(identifier: "Europe/Tallinn")!
    if let tz = m.string("timezone") {
      if let z = TimeZone(identifier: tz), TimeZone.knownTimeZoneIdentifiers.contains(tz) || tz == "UTC" {
        zone = z
      } else {
        let hint = Suggestion.hint(for: tz, in: TimeZone.knownTimeZoneIdentifiers)
        r.error(m["timezone"], "unknown time zone '\(tz)'.\(hint) Use an IANA name such as Europe/Tallinn")
      }
    }
    let theme = m.string("theme") ?? "default"
    if !Slug.isValid(theme) && !theme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
      r.error(m["theme"], "theme '\(theme)' must be the name of a folder under themes/")
    }
    let repository = m.url("repository")
    var endpoint: URL?
    if let f = r.mapping(m["feedback"], what: "'feedback'", allowed: ["endpoint"]) {
      endpoint = f.url("endpoint")
    }
    var limit = 50
    if let f = r.mapping(m["feeds"], what: "'feeds'", allowed: ["limit"]) {
      limit = f.int("limit", range: 1...10_000) ?? 50
    }
    // With errors the site is still returned, so that the other checks run; the build stops anyway.
    var baseURL = givenBaseURL ?? URL(string: "https://invalid.invalid/")!
    let title = givenTitle ?? ""
    if !baseURL.absoluteString.hasSuffix("/") { baseURL = URL(string: baseURL.absoluteString + "/")! }
    return SiteSettings(
      title: title, description: description, baseURL: baseURL, language: language, timeZone: zone,
      theme: theme,
      repository: repository, feedbackEndpoint: endpoint, feedLimit: limit)
  }

  // MARK: areas.yml

  static func municipalities(_ r: YAMLReader, _ root: YAMLNode?) -> [Municipality]? {
    guard let root else {
      if r.diagnostics.isEmpty {
        r.error(at: .start, "areas.yml is empty: it needs a list 'municipalities:'")
      }
      return nil
    }
    guard let m = r.mapping(root, what: "areas.yml", allowed: ["municipalities"]) else { return nil }
    guard let list = m.list("municipalities"), !list.isEmpty else {
      m.missing("municipalities", hint: "list the municipalities, each with id, name and villages")
      return nil
    }
    var result: [Municipality] = []
    var seen: [String: SourcePosition] = [:]
    for node in list {
      guard let mm = r.mapping(node, what: "a municipality", allowed: municipalityKeys) else { continue }
      let id = mm.string("id", required: "give it a slug such as jogeva-vald")
      let name = mm.string("name", required: "write its name, e.g. Jõgeva vald")
      if let id {
        if !Slug.isValid(id) {
          r.error(
            mm["id"],
            "municipality id '\(id)' is not a slug: use lowercase a–z, digits and single dashes, e.g. '\(Slug.make(id))'"
          )
        } else if let first = seen[id] {
          r.error(
            mm["id"],
            "municipality id '\(id)' is used twice (first on line \(first.line)): ids must be unique")
        }
        seen[id] = seen[id] ?? r.position(mm["id"])
      }
      let website = mm.url("website")
      let email = mm.email("email")
      var villages: [Village] = []
      var seenVillages: [String: SourcePosition] = [:]
      if let vlist = mm.list("villages"), !vlist.isEmpty {
        for vnode in vlist {
          guard let vm = r.mapping(vnode, what: "a village", allowed: villageKeys) else { continue }
          let vid = vm.string("id", required: "give it a slug such as torma")
          let vname = vm.string("name", required: "write its name, e.g. Torma")
          let kind = vm.choice("kind", VillageKind.self)
          let (point, _) = vm.geo("location")
          if let vid {
            if !Slug.isValid(vid) {
              r.error(
                vm["id"],
                "village id '\(vid)' is not a slug: use lowercase a–z, digits and single dashes, e.g. '\(Slug.make(vid))'"
              )
            } else if let first = seenVillages[vid] {
              r.error(
                vm["id"],
                "village id '\(vid)' is used twice in \(name ?? "this municipality") (first on line \(first.line))"
              )
            }
            seenVillages[vid] = seenVillages[vid] ?? r.position(vm["id"])
          }
          if let vid, let vname {
            villages.append(
              Village(id: vid, name: vname, kind: kind, location: point, position: r.position(vnode)))
          }
        }
      } else {
        mm.missing("villages", hint: "list at least one village, town or borough of the municipality")
      }
      if let id, let name {
        result.append(
          Municipality(
            id: id, name: name, website: website, email: email, villages: villages,
            position: r.position(mm["id"])))
      }
    }
    return result
  }

  // MARK: plans

  static func plan(
    _ r: YAMLReader, _ root: YAMLNode?, id: String, file: String, document: FrontMatterDocument
  )
    -> Plan?
  {
    guard let root else {
      // After a syntax error the reader has said why there is no tree; an empty block is its own problem.
      if r.diagnostics.isEmpty {
        r.error(
          at: .start,
          "the front matter is empty: a plan needs title, summary, municipality, type and timeline")
      }
      return nil
    }
    guard let m = r.mapping(root, what: "the front matter", allowed: planKeys) else { return nil }
    let title = m.string(
      "title", required: "write the plan's name, e.g. title: Torma kooli katuse renoveerimine")
    let summary = m.string(
      "summary", required: "write one or two plain sentences about the plan (at most 300 characters)")
    if let summary, summary.count > summaryLimit {
      r.error(
        m["summary"],
        "the summary is \(summary.count) characters long; shorten it to at most \(summaryLimit) and move the rest to the text below the front matter"
      )
    }
    let municipality = m.located(
      "municipality", required: "write the id of a municipality from areas.yml, e.g. jogeva-vald")
    let villages = m.stringList("villages")
    let type = m.choice("type", PlanType.self, required: planTypeHint)
    let tags = m.stringList("tags").map(\.value)
    let status = m.choice("status", Stage.self)
    var budget: Budget?
    if let b = r.mapping(m["budget"], what: "'budget'", allowed: ["amount", "currency"]) {
      if let amount = b.double("amount") {
        if amount < 0 { r.error(b["amount"], "the budget amount cannot be negative") }
        budget = Budget(amount: amount, currency: b.string("currency") ?? "EUR")
      } else if b["amount"] == nil {
        b.missing("amount", hint: "write the sum as a number, e.g. amount: 120000")
      }
    }
    var contact: Contact?
    if let c = r.mapping(m["contact"], what: "'contact'", allowed: ["name", "email", "phone"]) {
      contact = Contact(name: c.string("name"), email: c.email("email"), phone: c.string("phone"))
    }
    var location: PlanLocation?
    if m["location"] != nil {
      let (point, lm) = m.geo("location", allowed: ["lat", "lon", "address"])
      if let lm { location = PlanLocation(point: point, address: lm.string("address")) }
    }
    var feedback: FeedbackWindow?
    if let f = r.mapping(m["feedback"], what: "'feedback'", allowed: ["opens", "closes"]) {
      let opens = f.date(
        "opens", required: "write the first day residents may send feedback, e.g. 2026-12-01")
      let closes = f.date(
        "closes", required: "write the last day residents may send feedback, e.g. 2026-12-31")
      if let opens, !opens.isAllDay {
        r.error(
          f["opens"], "'opens' must be a day such as 2026-12-01: the window runs from 00:00 of that day")
      }
      if let closes, !closes.isAllDay {
        r.error(
          f["closes"], "'closes' must be a day such as 2026-12-31: the window runs until 24:00 of that day")
      }
      if case .day(let o)? = opens, case .day(let c)? = closes {
        if c < o {
          r.error(
            f["closes"],
            "feedback closes on \(c) before it opens on \(o): swap the dates or correct one of them")
        } else {
          feedback = FeedbackWindow(opens: o, closes: c)
        }
      }
    }
    var documents: [PlanDocument] = []
    for node in m.list("documents") ?? [] {
      guard let d = r.mapping(node, what: "a document", allowed: ["title", "url"]) else { continue }
      let dt = d.string("title", required: "name the document, e.g. title: Eskiis")
      let du = d.string(
        "url", required: "write files/NAME.pdf for a file under content/files/, or an https:// address")
      if let dt, let du {
        documents.append(PlanDocument(title: dt, url: du, position: r.position(d["url"])))
      }
    }
    var timeline: [TimelineEntry] = []
    if let list = m.list("timeline") {
      if list.isEmpty { m.missing("timeline", hint: "add at least one entry with date and title") }
      timeline = entries(r, list)
    } else {
      m.missing(
        "timeline",
        hint:
          "add at least one entry with date and title, e.g. '- { date: 2026-11-20, title: Idee, stage: idea }'"
      )
    }
    let draft = m.bool("draft") ?? false
    // A plan with errors is still returned, so that references to areas and files are checked too;
    // the errors stop the build before anything is rendered.
    return Plan(
      id: id, file: file, title: title ?? "", summary: summary ?? "",
      municipality: municipality ?? Located("", at: r.position(m["municipality"] ?? root)),
      villages: villages,
      type: type ?? .other,
      tags: tags, statusOverride: status, budget: budget, contact: contact, location: location,
      feedback: feedback,
      documents: documents, timeline: timeline, draft: draft, body: document.body,
      bodyLine: document.bodyLine,
      frontMatterDigest: digest(of: document.yaml)
    )
  }

  /// The SHA-256 of `text`'s UTF-8, hashed where it lies.
  static func digest(of text: String) -> String {
    var text = text
    return Hex.string(text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) })
  }

  static func entries(_ r: YAMLReader, _ list: [YAMLNode]) -> [TimelineEntry] {
    var result: [TimelineEntry] = []
    // Kept with the plan for the whole build: no room to spare (appending one by one doubled it).
    result.reserveCapacity(list.count)
    var usedKeys: [String: SourcePosition] = [:]
    for node in list {
      guard let e = r.mapping(node, what: "a timeline entry", allowed: entryKeys) else { continue }
      let date = e.date("date", required: "write when it happens, e.g. 2026-12-10 or 2026-12-10T18:00")
      let title = e.string("title", required: "say what happens, e.g. Avalik arutelu")
      let end = e.date("end")
      let stage = e.choice("stage", Stage.self)
      let kind = e.choice("kind", EntryKind.self)
      let location = e.string("location")
      let id = e.string("id")
      if let id, !Slug.isValid(id) {
        r.error(
          e["id"],
          "timeline id '\(id)' is not a slug: use lowercase a–z, digits and single dashes, e.g. '\(Slug.make(id))'"
        )
      }
      if let date, let end {
        let zone = utc
        // Compare as written: a day ends at the next midnight; local times are compared as wall times.
        let endsBefore: Bool
        switch (date, end) {
        case (.day(let a), .day(let b)): endsBefore = b < a
        case (.local(let a), .local(let b)): endsBefore = b <= a
        case (.local(let a), .day(let b)): endsBefore = b < a.date
        case (.day(let a), .local(let b)): endsBefore = b.date < a
        default: endsBefore = end.start(in: zone) <= date.start(in: zone)
        }
        if endsBefore {
          r.error(e["end"], "'end' must come after 'date' in the same entry: correct one of the two")
        }
        if date.isAllDay != end.isAllDay, !(date.isAllDay && end.isAllDay) {
          if case .day = date {
            r.error(e["end"], "'end' must be a day like 'date' (2026-12-12), or give 'date' a time too")
          }
        }
      }
      guard let date, let title else { continue }
      if let id, Slug.isValid(id) {
        if let first = usedKeys[id] {
          r.error(
            e["id"],
            "timeline id '\(id)' is used twice (first on line \(first.line)): ids must be unique within the plan"
          )
        }
        usedKeys[id] = r.position(e["id"])
      }
      result.append(
        TimelineEntry(
          key: id ?? "", date: date, end: end, stage: stage, kind: kind, title: title, location: location,
          position: r.position(node)))
    }
    let keys = TimelineEntry.keys(
      ids: result.map { $0.key.isEmpty ? nil : $0.key }, titles: result.map(\.title))
    for i in result.indices { result[i].key = keys[i] }
    return result
  }

  // MARK: pages

  static func page(
    _ r: YAMLReader, _ root: YAMLNode?, slug: String, file: String, document: FrontMatterDocument
  )
    -> Page?
  {
    guard let root else {
      if r.diagnostics.isEmpty {
        r.error(at: .start, "the front matter is empty: a page needs at least 'title:'")
      }
      return nil
    }
    guard let m = r.mapping(root, what: "the front matter", allowed: pageKeys) else { return nil }
    let title = m.string("title", required: "write the page's heading, e.g. title: Meist")
    let menu = m.bool("menu") ?? false
    let weight = m.int("weight") ?? 0
    guard let title else { return nil }
    return Page(
      slug: slug, file: file, title: title, menu: menu, weight: weight, body: document.body,
      bodyLine: document.bodyLine)
  }
}
