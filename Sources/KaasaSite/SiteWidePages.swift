import Foundation
import KaasaCore
import KaasaMarkdown

extension SiteRenderer {
  static let upcomingDays = 60
  static let latestUpdates = 10

  /// Home, plans index, free pages, 404, thank-you page, feeds of the whole site, sitemap and machine files.
  func siteWideJobs() -> [Job] {
    let title = site.settings.title
    return [
      Job(name: "site feed", members: nil) { model in
        [
          rssFile(
            path: "feed.xml", pagePath: "", title: title, description: site.settings.description ?? title,
            plans: site.plans, model: model)
        ]
      },
      Job(name: "site calendar", members: nil) { model in
        [calendarFile(path: "calendar.ics", name: title, plans: site.plans, model: model)]
      },
      Job(name: "home", members: nil, horizon: homeHorizon) { model in [try home(model: model)] },
      Job(name: "plans", members: nil) { model in [try plansIndex(model: model)] },
      Job(name: "other pages", members: nil) { model in try otherPages(model: model) },
    ]
  }

  func otherPages(model: SiteIndex) throws -> [OutputFile] {
    var files: [OutputFile] = []
    let pageOptions = MarkdownOptions(filesBase: urls.basePath, topHeadingLevel: 2)
    for p in site.pages {
      let body = Markdown.render(p.body, options: pageOptions)
      files.append(
        try page(
          "page", path: "\(p.slug)/", title: p.title, description: nil,
          extra: ["content": ["title": p.title, "bodyHTML": body.html]]))
    }
    var notFound = try page("404", path: "404.html", title: t["notfound_title"], description: nil, extra: [:])
    notFound.path = "404.html"
    files.append(notFound)
    files.append(try page("thanks", path: "thanks/", title: t["thanks_title"], description: nil, extra: [:]))
    files.append(OutputFile(path: "plans.json", parts: plansJSON(model: model)))
    files.append(OutputFile(path: "site.json", text: siteJSON()))
    files.append(OutputFile(path: "sitemap.xml", text: sitemap(model: model)))
    files.append(
      OutputFile(
        path: "robots.txt",
        text:
          "User-agent: *\nAllow: /\nDisallow: \(urls.basePath)thanks/\n\nSitemap: \(urls.absolute("sitemap.xml"))\n"
      ))
    files.append(OutputFile(path: "_headers", text: HostHints.netlifyHeaders(basePath: urls.basePath)))
    return files
  }

  /// The end of the home page's coming entries.
  var homeHorizon: Date { now.addingTimeInterval(TimeInterval(Self.upcomingDays * 86_400)) }

  func home(model: SiteIndex) throws -> OutputFile {
    let open = site.plans.filter { model.facts[$0.id]?.feedback == .open }
      .sorted { ($0.feedback!.closes, $0.id) < ($1.feedback!.closes, $1.id) }
    let horizon = homeHorizon
    // Entries are chosen first and only the chosen ones get a template context: a large site has
    // tens of thousands of entries and shows a few hundred.
    // Candidates name their plan and entry by position: sorting tens of thousands of copies of
    // plans cost more than the rest of the page.
    typealias Candidate = (start: Date, key: String, plan: Int, entry: Int)
    var upcoming: [Candidate] = []
    var past: [(start: Date, plan: Int, entry: Int)] = []
    let plans = site.plans
    for (p, plan) in plans.enumerated() {
      let facts = model.facts[plan.id]!
      for (e, start) in facts.starts.enumerated() {
        if start > now && start <= horizon {
          upcoming.append((start, "\(plan.id)/\(facts.ordered[e].key)", p, e))
        }
        if start <= now { past.append((start, p, e)) }
      }
    }
    upcoming.sort { $0.start != $1.start ? $0.start < $1.start : $0.key < $1.key }
    // Only the latest few past entries are shown: those from the start of the last one shown on get
    // a key (for the order among entries of the same start) and a place in the sort, not all of them.
    let starts = past.map(\.start).sorted(by: >)
    var latest: [Candidate] = []
    if let earliest = starts.prefix(Self.latestUpdates).last {
      for c in past where c.start >= earliest {
        let plan = plans[c.plan]
        latest.append((c.start, "\(plan.id)/\(model.facts[plan.id]!.ordered[c.entry].key)", c.plan, c.entry))
      }
    }
    latest.sort { $0.start != $1.start ? $0.start > $1.start : $0.key < $1.key }
    func item(_ c: Candidate) -> [String: Any] {
      let plan = plans[c.plan]
      let entry = model.facts[plan.id]!.ordered[c.entry]
      var item = entryContext(entry, start: c.start)
      item["plan"] = ["title": plan.title, "url": urls.link(SiteURLs.plan(plan.id))]
      item["link"] = urls.link(SiteURLs.plan(plan.id)) + "#e-\(entry.key)"
      item["municipality"] = site.municipality(plan.municipalityID)?.name ?? ""
      return item
    }
    let context: [String: Any] = [
      "open": open.map { model.listed($0) },
      "hasOpen": !open.isEmpty,
      "upcoming": upcoming.map(item),
      "hasUpcoming": !upcoming.isEmpty,
      "latest": latest.prefix(Self.latestUpdates).map(item),
      "hasLatest": !latest.isEmpty,
      "upcomingHeading": t.format("home_upcoming", ["days": String(Self.upcomingDays)]),
      "subscribe": [subscription(kind: "site", name: site.settings.title, path: "", hasFeed: true)],
    ]
    return try page(
      "home", path: "", title: site.settings.title, description: site.settings.description,
      extra: ["home": context])
  }

  func plansIndex(model: SiteIndex) throws -> OutputFile {
    let groups: [[String: Any]] = site.municipalities.map { m in
      let plans = model.plans(municipality: m.id)
      return [
        "name": m.name, "id": m.id, "url": urls.link(SiteURLs.municipality(m.id)),
        "plans": plans.map { model.listed($0) }, "hasPlans": !plans.isEmpty,
      ]
    }
    let present = Set(model.facts.values.compactMap(\.status))
    let statuses = Stage.allCases.filter { present.contains($0) }
    let types = PlanType.allCases.filter { ty in site.plans.contains { $0.type == ty } }
    let filters: [String: Any] = [
      "municipalities": site.municipalities.map { m in
        [
          "id": m.id, "name": m.name,
          "villages": m.villages.map { ["id": "\(m.id)/\($0.id)", "name": $0.name] },
        ] as [String: Any]
      },
      "types": types.map { ["id": $0.rawValue, "name": t["type_\($0.rawValue)"]] },
      "statuses": statuses.map { ["id": $0.rawValue, "name": t["stage_\($0.rawValue)"]] },
    ]
    return try page(
      "plans", path: "plans/", title: t["plans_title"], description: nil,
      extra: ["plans": ["groups": groups, "filters": filters, "count": site.plans.count]])
  }

  /// The array of every plan's entry, pretty-printed; the entries come from the per-plan pass. As
  /// pieces written one after the other: joined, the entries of 10,000 plans were 12 MB copied
  /// twice, at the moment a build holds the most.
  func plansJSON(model: SiteIndex) -> [String] {
    guard !site.plans.isEmpty else { return ["[\n\n]\n"] }
    var parts = ["[\n"]
    parts.reserveCapacity(2 * site.plans.count + 1)
    for (n, plan) in site.plans.enumerated() {
      if n > 0 { parts.append(",\n") }
      parts.append(model.json[plan.id]!)
    }
    parts.append("\n]\n")
    return parts
  }

  /// One plan's entry in plans.json (what the feedback endpoint and scripts read), indented as an
  /// element of the array.
  func planJSON(_ plan: Plan, model: SiteIndex) -> String {
    let item: [String: Any] = {
      let m = site.municipality(plan.municipalityID)
      var item: [String: Any] = [
        "id": plan.id,
        "title": plan.title,
        "summary": plan.summary,
        "url": urls.absolute(SiteURLs.plan(plan.id)),
        "municipality": plan.municipalityID,
        "municipalityName": m?.name ?? plan.municipalityID,
        "villages": plan.villageIDs.map { ["id": $0, "name": m?.village($0)?.name ?? $0] },
        // What the feedback form offers: a plan of the whole municipality concerns each of its villages.
        "feedbackVillages": (plan.isMunicipalityWide ? m?.villages.map(\.id) ?? [] : plan.villageIDs).map {
          ["id": $0, "name": m?.village($0)?.name ?? $0]
        },
        "type": plan.type.rawValue,
        "status": model.status(plan)?.rawValue ?? NSNull(),
        "calendar": urls.absolute(SiteURLs.plan(plan.id) + "calendar.ics"),
      ]
      let facts = model.facts[plan.id]!
      item["published"] = facts.published.description
      item["updated"] = facts.updated.description
      if let f = plan.feedback {
        item["feedback"] = [
          "opens": f.opens.description, "closes": f.closes.description,
          "opensAt": iso8601(f.start(in: zone)), "closesAt": iso8601(f.end(in: zone)),
          "state": model.facts[plan.id]!.feedback!.rawValue,
        ]
      } else {
        item["feedback"] = NSNull()
      }
      return item
    }()
    return "  " + PrettyJSON.text(item, prefix: "  ")
  }

  func siteJSON() -> String {
    json([
      "title": site.settings.title,
      "baseURL": urls.baseURL.absoluteString,
      "language": site.settings.language.rawValue,
      "timezone": zone.identifier,
    ])
  }

  func json(_ value: Any) -> String { PrettyJSON.text(value) + "\n" }

  func sitemap(model: SiteIndex) -> String {
    var paths = ["", "plans/"]
    paths += site.plans.map { SiteURLs.plan($0.id) }
    for m in site.municipalities {
      paths.append(SiteURLs.municipality(m.id))
      paths += m.villages.map { SiteURLs.village(m.id, $0.id) }
    }
    paths += site.pages.map { "\($0.slug)/" }
    var lastmod: [String: String] = [:]
    for p in site.plans { lastmod[SiteURLs.plan(p.id)] = model.facts[p.id]!.updated.description }
    var xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
    for p in paths {
      xml += "  <url><loc>\(HTMLText.escape(urls.absolute(p)))</loc>"
      if let l = lastmod[p] { xml += "<lastmod>\(l)</lastmod>" }
      xml += "</url>\n"
    }
    return xml + "</urlset>\n"
  }
}

/// HTML escaping of plain text (the same rules serve the few XML files written here by hand).
/// Text escaped for HTML content and attribute values; the one escaper of the project's hand-written
/// HTML (feed descriptions, the endpoint's and the preview server's pages).
public enum HTMLText {
  public static func escape(_ s: String) -> String {
    if !s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) {
      return s
    }
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}

/// Hints that make static hosts serve calendars and feeds with the right types.
public enum HostHints {
  public static func netlifyHeaders(basePath: String) -> String {
    """
    # Content types for Netlify and Cloudflare Pages; see README for nginx and Apache.
    \(basePath)*.ics
      Content-Type: text/calendar; charset=utf-8
    \(basePath)*/calendar.ics
      Content-Type: text/calendar; charset=utf-8
    \(basePath)feed.xml
      Content-Type: application/rss+xml; charset=utf-8
    \(basePath)*/feed.xml
      Content-Type: application/rss+xml; charset=utf-8
    \(basePath)plans.json
      Content-Type: application/json; charset=utf-8
      Access-Control-Allow-Origin: *

    """
  }
}
