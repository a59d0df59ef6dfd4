import Foundation
import KaasaCore
import KaasaMarkdown
import Synchronization

/// What a build renders against: the moment "now" and whether drafts are included.
public struct RenderOptions: Sendable {
  public var now: Date
  public var includeDrafts: Bool

  public init(now: Date, includeDrafts: Bool = false) {
    self.now = now
    self.includeDrafts = includeDrafts
  }
}

/// Renders a loaded site to the complete list of output files. Pure: no disk, no clock.
public struct SiteRenderer: Sendable {
  public let site: Site
  public let theme: Theme
  public let options: RenderOptions
  public let history: SiteHistory
  let urls: SiteURLs
  let zone: TimeZone
  let t: Translations
  /// Source folder of content/files, for copying.
  let filesDirectory: String

  public init(
    site: Site, theme: Theme, options: RenderOptions, history: SiteHistory = .none, filesDirectory: String
  ) {
    var site = site
    if !options.includeDrafts { site.plans.removeAll { $0.draft } }
    self.site = site
    self.theme = theme
    self.options = options
    self.history = history
    self.urls = SiteURLs(baseURL: site.settings.baseURL)
    self.zone = site.settings.timeZone
    self.t = theme.strings
    self.filesDirectory = filesDirectory
  }

  var now: Date { options.now }

  /// Every file of the site, sorted by path.
  public func render() throws -> [OutputFile] {
    let bodies = renderPlanBodies()
    let base = SiteIndex(site: site, zone: zone, now: now, history: history)
    // Per plan, in parallel: its page and calendar, plus the card and feed pieces the lists reuse.
    let plans = site.plans
    let perPlan = try parallelMap(plans.indices) { i -> PlanOutput in
      let plan = plans[i]
      let facts = base.facts[plan.id]!
      let pieces = feedPieces(plan, facts: facts)
      let card = try theme.render("plan-card", cardContext(plan, model: base))
      let files = try renderPlan(plan, body: bodies[i], model: base, pieces: pieces)
      return PlanOutput(files: files, pieces: pieces, card: card)
    }
    var model = base
    for (plan, out) in zip(plans, perPlan) {
      model.pieces[plan.id] = out.pieces
      model.cards[plan.id] = out.card
    }
    let shared = model
    let jobs = areaJobs(model: shared) + siteWideJobs(model: shared)
    let aggregates = try parallelMap(jobs.indices) { try jobs[$0]() }
    var files = perPlan.flatMap(\.files) + aggregates.flatMap { $0 }
    files += site.files.map { OutputFile(path: "files/\($0)", copyOf: filesDirectory + "/" + $0) }
    files += theme.assets.map { OutputFile(path: $0.path, bytes: $0.data) }
    return files.sorted { $0.path < $1.path }
  }

  /// Maps on all cores, keeping the order; the first error thrown is rethrown.
  func parallelMap<T: Sendable>(_ indices: Range<Int>, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let results = Mutex<[T?]>(Array(repeating: nil, count: indices.count))
    let failure = Mutex<(any Error)?>(nil)
    DispatchQueue.concurrentPerform(iterations: indices.count) { i in
      do {
        let value = try body(indices.lowerBound + i)
        results.withLock { $0[i] = value }
      } catch {
        failure.withLock { $0 = $0 ?? error }
      }
    }
    if let error = failure.withLock({ $0 }) { throw error }
    return results.withLock { $0 }.map { $0! }
  }

  /// cmark runs behind its own lock; doing every body first keeps the parallel part free of it.
  func renderPlanBodies() -> [RenderedMarkdown] {
    let options = MarkdownOptions(filesBase: urls.basePath, topHeadingLevel: 3)
    return site.plans.map { Markdown.render($0.body, options: options) }
  }

  // MARK: Pages

  func page(
    _ template: String, path: String, title: String, description: String?, feeds: [[String: Any]] = [],
    extra: [String: Any]
  ) throws -> OutputFile {
    var context = baseContext(path: path, title: title, description: description, feeds: feeds)
    for (k, v) in extra { context[k] = v }
    let html = try theme.render(template, context)
    let file = path.isEmpty || path.hasSuffix("/") ? path + "index.html" : path
    return OutputFile(path: file, text: html)
  }

  func baseContext(path: String, title: String, description: String?, feeds: [[String: Any]]) -> [String: Any]
  {
    let siteFeeds: [[String: Any]] = [
      ["title": t["feed_site"], "url": urls.absolute("feed.xml"), "type": "application/rss+xml"]
    ]
    return [
      "lang": site.settings.language.rawValue,
      "t": t.templateStrings,
      "site": context([
        "title": site.settings.title,
        "description": site.settings.description,
        "home": urls.link(""),
      ]),
      "base": urls.basePath,
      "assets": urls.link("assets/"),
      "page": [
        "title": title,
        "description": description ?? site.settings.description ?? "",
        "canonical": urls.absolute(path),
        "isHome": path.isEmpty,
      ] as [String: Any],
      "feeds": feeds.isEmpty ? siteFeeds : feeds,
      "menu": menu(current: path),
      "municipalities": site.municipalities.map { m in
        [
          "name": m.name, "url": urls.link(SiteURLs.municipality(m.id)),
          "villages": m.villages.map { ["name": $0.name, "url": urls.link(SiteURLs.village(m.id, $0.id))] },
        ] as [String: Any]
      },
    ]
  }

  func menu(current: String) -> [[String: Any]] {
    var items: [[String: Any]] = [
      ["title": t["nav_home"], "url": urls.link(""), "current": current.isEmpty],
      ["title": t["nav_plans"], "url": urls.link("plans/"), "current": current == "plans/"],
    ]
    for p in site.pages where p.menu {
      items.append(["title": p.title, "url": urls.link("\(p.slug)/"), "current": current == "\(p.slug)/"])
    }
    return items
  }
}

/// What the renderer needs to know of each plan at "now", worked out once: timelines sorted with their
/// instants, status, feedback state and publication dates. Dates through `Calendar` are not cheap.
struct PlanFacts: Sendable {
  let ordered: [TimelineEntry]
  /// Start instants, aligned with `ordered`.
  let starts: [Date]
  let status: Stage?
  let feedback: FeedbackState?
  let published: LocalDate
  let updated: LocalDate

  init(_ plan: Plan, zone: TimeZone, now: Date, history: PlanHistory?) {
    let pairs = plan.timeline.enumerated().map {
      (offset: $0.offset, entry: $0.element, start: $0.element.date.start(in: zone))
    }
    .sorted { $0.start != $1.start ? $0.start < $1.start : $0.offset < $1.offset }
    ordered = pairs.map(\.entry)
    starts = pairs.map(\.start)
    if let s = plan.statusOverride {
      status = s
    } else {
      let staged = pairs.filter { $0.entry.stage != nil }
      status = (staged.last { $0.start <= now } ?? staged.first)?.entry.stage
    }
    feedback = plan.feedback?.state(at: now, in: zone)
    if let h = history, let p = h.published, let u = h.updated {
      published = LocalDate(p, in: zone)
      updated = LocalDate(u, in: zone)
    } else if let first = pairs.first {
      let past = pairs.filter { $0.start <= now }
      published = (past.first ?? first).entry.date.localDay(in: zone)
      updated = max(published, (past.last ?? first).entry.date.localDay(in: zone))
    } else {
      published = LocalDate(now, in: zone)
      updated = published
    }
  }

  /// The first entry after now.
  func next(after now: Date) -> TimelineEntry? {
    starts.firstIndex { $0 > now }.map { ordered[$0] }
  }
}

/// Plans grouped for lookups that would otherwise scan every plan per village, and their facts.
struct SiteIndex: Sendable {
  let byMunicipality: [String: [Plan]]
  /// Plans naming a village, by "municipality/village".
  let byVillage: [String: [Plan]]
  let facts: [String: PlanFacts]
  /// Filled in after the per-plan pass.
  var pieces: [String: FeedPieces] = [:]
  var cards: [String: String] = [:]

  init(site: Site, zone: TimeZone, now: Date, history: SiteHistory) {
    var m: [String: [Plan]] = [:]
    var v: [String: [Plan]] = [:]
    for p in site.plans {
      m[p.municipalityID, default: []].append(p)
      for village in Set(p.villageIDs) { v["\(p.municipalityID)/\(village)", default: []].append(p) }
    }
    byMunicipality = m
    byVillage = v
    let plans = site.plans
    let computed = Mutex<[PlanFacts?]>(Array(repeating: nil, count: plans.count))
    DispatchQueue.concurrentPerform(iterations: plans.count) { i in
      let f = PlanFacts(plans[i], zone: zone, now: now, history: history.plans[plans[i].file])
      computed.withLock { $0[i] = f }
    }
    let all = computed.withLock { $0 }
    facts = Dictionary(zip(plans.map(\.id), all.map { $0! }), uniquingKeysWith: { a, _ in a })
  }

  func status(_ plan: Plan) -> Stage? { facts[plan.id]?.status }
  func pieces(_ plan: Plan) -> FeedPieces { pieces[plan.id]! }

  func plans(municipality: String) -> [Plan] { byMunicipality[municipality] ?? [] }

  /// Plans naming the village and the municipality-wide plans, by id.
  func plans(municipality: String, village: String) -> [Plan] {
    let named = byVillage["\(municipality)/\(village)"] ?? []
    let wide = plans(municipality: municipality).filter(\.isMunicipalityWide)
    return (named + wide).sorted { $0.id < $1.id }
  }
}

/// A template context without the keys whose values are missing or empty, because Mustache
/// renders a section for an empty string.
func context(_ values: [String: Any?]) -> [String: Any] {
  values.compactMapValues { value -> Any? in
    guard let value else { return nil }
    if let s = value as? String, s.isEmpty { return nil }
    return value
  }
}

/// A piece of rendering that can run on any core.
typealias Job = @Sendable () throws -> [OutputFile]

/// What rendering one plan produced.
struct PlanOutput: Sendable {
  let files: [OutputFile]
  let pieces: FeedPieces
  let card: String
}
