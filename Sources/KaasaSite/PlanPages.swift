import Foundation
import KaasaCore
import KaasaMarkdown

extension SiteRenderer {
  /// The plan's page and its calendar.
  func renderPlan(
    _ plan: Plan, body: RenderedMarkdown, model: SiteIndex, pieces: FeedPieces, summary: [String: Any]
  ) throws -> [OutputFile] {
    let path = SiteURLs.plan(plan.id)
    var context = summary
    context["bodyHTML"] = body.html
    context["hasBody"] = !body.html.isEmpty
    let facts = model.facts[plan.id]!
    context["timeline"] = zip(facts.ordered, facts.starts).map { entryContext($0.0, start: $0.1) }
    context["documents"] = plan.documents.map { d in
      [
        "title": d.title, "external": d.isExternal,
        "url": d.isExternal ? d.url : urls.link(d.url),
      ] as [String: Any]
    }
    context["hasDocuments"] = !plan.documents.isEmpty
    if let c = plan.contact {
      context["contact"] = KaasaSite.context([
        "name": c.name, "email": c.email, "phone": c.phone,
        "phoneHref": c.phone.map { $0.filter { $0 == "+" || $0.isNumber } },
      ])
    }
    if let loc = plan.location {
      var l = KaasaSite.context(["address": loc.address])
      if let p = loc.point {
        let lat = coordinate(p.latitude)
        let lon = coordinate(p.longitude)
        l["lat"] = lat
        l["lon"] = lon
        l["osm"] = "https://www.openstreetmap.org/?mlat=\(lat)&mlon=\(lon)#map=16/\(lat)/\(lon)"
        l["maaamet"] = "https://xgis.maaamet.ee/maps/XGis?app_id=UU82&user_id=at&LANG=1&WGS84=\(lat),\(lon)"
      }
      context["location"] = l
    }
    if let b = plan.budget {
      context["budget"] = formatMoney(b)
    }
    context["tags"] = plan.tags
    context["hasTags"] = !plan.tags.isEmpty
    context["published"] = ["text": t.day(facts.published), "iso": facts.published.description]
    context["updated"] = ["text": t.day(facts.updated), "iso": facts.updated.description]
    context["feedbackForm"] = feedbackForm(plan, facts: facts)
    context["subscribe"] = [subscription(kind: "plan", name: plan.title, path: path, hasFeed: false)]
    let history = historyContext(plan)
    context["history"] = history
    context["hasHistory"] = !history.isEmpty
    if let repo = site.settings.repository {
      // Forges name files from the repository's root, which is above the site folder when it is a subfolder.
      let path = self.history.pathInRepository + plan.file
      context["sourceURL"] = Forge.fileURL(repository: repo, path: path)
      context["historyURL"] = Forge.historyURL(repository: repo, path: path)
    }
    let municipality = site.municipality(plan.municipalityID)
    let feeds: [[String: Any]] = [
      [
        "title": t.format("feed_of", ["name": municipality?.name ?? plan.municipalityID]),
        "url": urls.absolute("\(plan.municipalityID)/feed.xml"), "type": "application/rss+xml",
      ]
    ]
    let html = try page(
      "plan", path: path, title: plan.title, description: plan.summary, feeds: feeds, extra: ["plan": context]
    )
    var planModel = model
    planModel.pieces[plan.id] = pieces
    let calendar = calendarFile(
      path: path + "calendar.ics", name: "\(plan.title) – \(site.settings.title)", plans: [plan],
      model: planModel)
    return [html, calendar]
  }

  /// The context of the plan-card template, with the translations it may use.
  func cardContext(_ summary: [String: Any]) -> [String: Any] {
    var c = summary
    c["t"] = t.templateStrings
    c["base"] = urls.basePath
    return c
  }

  /// Makes what lists show of plans under this build's site, words and moment.
  var summaries: PlanSummaries {
    PlanSummaries(municipalities: site.municipalities, urls: urls, t: t, zone: zone, now: now)
  }

  func entryContext(_ e: TimelineEntry, start: Date) -> [String: Any] {
    // Made directly, without `context`'s pass over the values (a cast of each): every page has a
    // timeline. Empty texts are left out as `context` leaves them out.
    var c = [String: Any](minimumCapacity: 12)
    func put(_ key: String, _ text: String?) {
      if let text, !text.isEmpty { c[key] = text }
    }
    put("key", e.key)
    put("anchor", "e-\(e.key)")
    put("title", e.title)
    put("date", dateText(e.date))
    put("iso", isoDate(e.date))
    c["past"] = start <= now
    c["upcoming"] = start > now
    put("place", e.location)
    if let end = e.end { c["end"] = endText(end, start: e.date) }
    if let s = e.stage { c["stage"] = t["stage_\(s.rawValue)"] }
    if let k = e.kind { c["kind"] = t["kind_\(k.rawValue)"] }
    return c
  }

  /// The form while feedback is open and an endpoint is set; a mailto link without one.
  func feedbackForm(_ plan: Plan, facts: PlanFacts) -> [String: Any]? {
    guard let f = plan.feedback, facts.feedback == .open else { return nil }
    let municipality = site.municipality(plan.municipalityID)
    let villages = (plan.isMunicipalityWide ? municipality?.villages.map(\.id) ?? [] : plan.villageIDs)
    var form: [String: Any] = [
      "planID": plan.id,
      "villages": villages.map { ["id": $0, "name": municipality?.village($0)?.name ?? $0] },
      "hasVillages": !villages.isEmpty,
      "privacyURL": site.pages.contains { $0.slug == "privacy" } ? urls.link("privacy/") : "",
      "closes": t.day(f.closes, form: .until),
    ]
    if let endpoint = site.settings.feedbackEndpoint {
      form["endpoint"] = endpoint.absoluteString
    } else if let email = plan.contact?.email ?? municipality?.email {
      let subject = t.format("feedback_mail_subject", ["title": plan.title])
      form["mailto"] = "mailto:\(email)?subject=\(percentEncode(subject))"
      form["mailAddress"] = email
    } else {
      return nil
    }
    return form
  }

  func historyContext(_ plan: Plan) -> [[String: Any]] {
    guard let h = history.plans[plan.file] else { return [] }
    // Tens of thousands of commits on a large site: the forge address is worked out once, and a day's
    // text once per day.
    let commitBase = site.settings.repository.map { Forge.commitURL(repository: $0, hash: "") }
    var dayText: [LocalDate: String] = [:]
    return h.commits.reversed().map { c in
      let day = LocalDate(c.date, in: zone)
      let text = dayText[day] ?? t.day(day)
      dayText[day] = text
      var item: [String: Any] = [
        "date": text, "iso": iso8601(c.date), "subject": c.subject, "hash": String(c.hash.prefix(8)),
      ]
      if let commitBase { item["url"] = commitBase + c.hash }
      return item
    }
  }

  // MARK: Formatting

  /// `2026-11-28T14:45:00Z`, by arithmetic on the seconds (a calendar and String(format:) per call
  /// cost more than the rest of a history line).
  func iso8601(_ d: Date) -> String {
    let t = LocalDateTime(wallSeconds: Int(d.timeIntervalSince1970.rounded(.down)))
    return t.date.description + "T" + Digits.padded(t.hour, 2) + ":" + Digits.padded(t.minute, 2) + ":"
      + Digits.padded(t.second, 2) + "Z"
  }

  func coordinate(_ v: Double) -> String {
    var s = String(format: "%.6f", v)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
  }

  func formatMoney(_ b: Budget) -> String {
    let whole = Int(b.amount.rounded())
    let digits = String(whole)
    var grouped = ""
    for (i, ch) in digits.reversed().enumerated() {
      if i > 0 && i % 3 == 0 { grouped.append(site.settings.language == .en ? "," : "\u{00A0}") }
      grouped.append(ch)
    }
    let amount = String(grouped.reversed())
    let symbol = b.currency == "EUR" ? "€" : b.currency
    return site.settings.language == .en ? "\(symbol)\(amount)" : "\(amount)\u{00A0}\(symbol)"
  }
}

/// Links into a forge (GitHub or GitLab) for a plan's source and history.
enum Forge {
  static func trimmed(_ repo: URL) -> String {
    var s = repo.absoluteString
    while s.hasSuffix("/") { s.removeLast() }
    if s.hasSuffix(".git") { s.removeLast(4) }
    return s
  }

  static func isGitLab(_ repo: URL) -> Bool { repo.host?.contains("gitlab") ?? false }

  static func fileURL(repository: URL, path: String, ref: String = "HEAD") -> String {
    isGitLab(repository)
      ? "\(trimmed(repository))/-/blob/\(ref)/\(path)" : "\(trimmed(repository))/blob/\(ref)/\(path)"
  }

  static func historyURL(repository: URL, path: String) -> String {
    isGitLab(repository)
      ? "\(trimmed(repository))/-/commits/HEAD/\(path)" : "\(trimmed(repository))/commits/HEAD/\(path)"
  }

  static func commitURL(repository: URL, hash: String) -> String {
    isGitLab(repository) ? "\(trimmed(repository))/-/commit/\(hash)" : "\(trimmed(repository))/commit/\(hash)"
  }
}

/// A query value with everything but letters, digits and `-._~` percent-encoded.
func percentEncode(_ s: String) -> String {
  // Addresses are ASCII, where the allowed set is letters, digits and `-._~`: they are encoded here
  // byte by byte (Foundation's encoding and the set made for each call were a fiftieth of a build).
  guard s.utf8.allSatisfy({ $0 < 0x80 }) else {
    return s.addingPercentEncoding(withAllowedCharacters: percentAllowed) ?? s
  }
  return SiteURLs.queryValue(s)
}

/// Letters and digits of any script, and `-._~`: what `percentEncode` leaves as it is.
private let percentAllowed: CharacterSet = {
  var allowed = CharacterSet.alphanumerics
  allowed.insert(charactersIn: "-._~")
  return allowed
}()
