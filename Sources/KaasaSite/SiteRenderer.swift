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

/// Renders a loaded site to the complete list of output files. Pure: no disk, no clock (bodies of
/// plans loaded without them come from `readBody`).
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
  let everyPage: EveryPage
  /// The body of a plan whose page is rendered, for plans loaded without it (`Plan.bodyUnread`).
  public var readBody: @Sendable (Plan) throws -> String = { $0.body }
  /// Takes what a render held when it is done, to be let go of elsewhere than on the way back;
  /// nil frees it as usual.
  public var letGo: (@Sendable (Any) -> Void)?

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
    self.everyPage = EveryPage(site: site, urls: urls, t: theme.strings)
  }

  var now: Date { options.now }

  /// Every file of the site, sorted by path.
  public func render() throws -> [OutputFile] {
    try render(incremental: nil, into: KeptOutput()).files
  }

  /// What an incremental render needs: the build key, the digests of the content read, and the
  /// previous build's cache with the output folder its files are in.
  struct Incremental: Sendable {
    var buildKey: String
    var sourceDigests: [String: String]
    var previous: BuildCache?
    /// The lists `previous` names, read only if this build needs them.
    var previousLists: PendingLists?
    var output: URL
    /// The files of `previous` not as it recorded them, when the output was listed and compared with
    /// it before rendering; nil when each file is looked at as its plan or area is reused.
    var changedOutputs: Set<String>?
    /// Given the lists to keep as soon as they are known, before areas and site-wide files are
    /// rendered, so that they can be written meanwhile; they are also returned in `Rendered`.
    var listsMade: (@Sendable (ListsCache) -> Void)?
    /// The plan files read anew since `previous`, when nothing else the site is built from changed
    /// and each of them kept its front matter (set by the builder, which knows): then only their
    /// pages can differ from the previous build's (`renderEditedBodies`).
    var editedBodies: Set<String>?
  }

  /// The files, and when rendering incrementally, what the next build may reuse (without stamps).
  struct Rendered: Sendable {
    var files: [OutputFile]
    var cache: BuildCache?
    /// Lists to keep beside `cache`, when they changed (the cache names them).
    var lists: ListsCache?
    var reusedPlans = 0
    var reusedAreas = 0
    /// Whether only the pages of plans whose bodies were edited were rendered (`renderEditedBodies`).
    var editedBodiesOnly = false
  }

  /// Renders every file and hands each to `sink` as soon as it is made; with `incremental`, plans
  /// and areas whose keys match the previous build are taken from its output instead of being
  /// rendered again. The files returned are what the sink kept of them.
  func render(incremental: Incremental?, into sink: any OutputSink) throws -> Rendered {
    let unchanged = Self.unchangedFiles(incremental)
    if let incremental, let edited = incremental.editedBodies, let previous = incremental.previous,
      let rendered = try renderEditedBodies(
        edited, incremental, previous: previous, unchanged: unchanged, into: sink)
    {
      return rendered
    }
    let base = SiteIndex(site: site, zone: zone, now: now, history: history)
    let plans = site.plans
    let previous = incremental?.previous
    // Per plan, in parallel: its keys, its previous output when that is still valid, and whether it
    // is listed as the previous build listed it.
    typealias Lookup = (key: String?, listing: String?, hit: BuildCache.PlanRecord?, listedAsBefore: Bool)
    // What the keys are made of is taken out of `self` and `incremental` first: read from inside
    // the loop, both were copied for every plan, their references counted by both cores at once.
    let planKeys = incremental.map { PlanKeys(renderer: self, incremental: $0) }
    let previousPlans = previous?.plans ?? [:]
    let lookups = parallelMap(plans.indices) { i -> Lookup in
      guard let keyed = planKeys?.of(plans[i], facts: base.factsInOrder[i]) else {
        return (nil, nil, nil, false)
      }
      let (key, listing) = keyed
      guard let record = previousPlans[plans[i].id] else { return (key, listing, nil, false) }
      let listedAsBefore = listing != nil && record.listing == listing
      guard record.key == key, unchanged(record.files) else {
        return (key, listing, nil, listedAsBefore)
      }
      return (key, listing, record, listedAsBefore)
    }
    // cmark parses behind one lock, so one thread renders the bodies while the other cores make
    // each plan's feed pieces and plans.json entry, then the cards and pages. It keeps only a few hundred
    // bodies ahead of the pages: all of them at once were a sixth of a build's peak memory. A plan
    // loaded without its body has it read here, just before it is rendered.
    let fresh = plans.indices.filter { lookups[$0].hit == nil }
    let bodyOptions = MarkdownOptions(filesBase: urls.basePath, topHeadingLevel: 3)
    let bodies = BodyStream(count: fresh.count, ahead: 256) { [readBody] n in
      Result { Markdown.render(try readBody(plans[fresh[n]]), options: bodyOptions) }
    }
    // A build that fails before every page is made stops the thread rather than leaving it waiting.
    defer { bodies.stop() }
    // What lists show of a plan, worked out once here rather than in every list the plan is in.
    let summaries = self.summaries
    @Sendable func listing(_ plan: Plan) throws -> (PlanListing, ListedPlan) {
      let facts = base.facts[plan.id]!
      let card = try theme.render("plan-card", cardContext(summaries.summary(plan, facts: facts, card: nil)))
      let value = PlanListing(
        card: card, pieces: feedPieces(plan, facts: facts), json: planJSON(plan, model: base))
      return (value, ListedPlan(card: card, plan: plan, facts: facts, summaries: summaries))
    }
    // A plan reused whole gets what lists show of it only if a list is rendered again (below); a
    // plan rendered again gets its feed pieces and plans.json entry here, its card with its page.
    let parts = try parallelMap(plans.indices) { i -> PlanOutput in
      let plan = plans[i]
      if let record = lookups[i].hit {
        return PlanOutput(files: try record.files.map { try sink.accept(OutputFile(reusing: $0)) })
      }
      let value = PlanListing(
        card: "", pieces: feedPieces(plan, facts: base.factsInOrder[i]), json: planJSON(plan, model: base))
      return PlanOutput(files: [], listing: value)
    }
    // Every plan is listed as in the previous build when its listing key is the same and none came
    // or went: then so is every aggregate made of them, and the lists the previous build kept serve
    // again. Otherwise they are read now, beside the pages, to be written anew.
    let listingsUnchanged = previous?.plans.count == plans.count && lookups.allSatisfy(\.listedAsBefore)
    var listsChanged = !listingsUnchanged || previous?.listsToken.isEmpty != false
    if listsChanged { incremental?.previousLists?.start() }
    let pages = try parallelMap(fresh.indices) { n -> (files: [OutputFile], card: String) in
      let i = fresh[n]
      return try renderPage(
        plans[i], facts: base.factsInOrder[i], body: try bodies.take(n).get(), model: base,
        pieces: parts[i].listing!.pieces, summaries: summaries, into: sink)
    }
    var perPlan = parts
    for (n, i) in fresh.enumerated() {
      perPlan[i].files = pages[n].files
      perPlan[i].listing!.card = pages[n].card
      perPlan[i].listed = ListedPlan(
        card: pages[n].card, plan: plans[i], facts: base.factsInOrder[i], summaries: summaries)
    }
    // The largest first, as the cores take them in order: site-wide files show every plan and a
    // municipality's pages a share of them. Listed last, they left one core working alone at the
    // end of a clean build.
    let areas = areaJobs(model: base)
    let bySize = areas.indices.sorted {
      let (a, b) = (areas[$0].members?.count ?? 0, areas[$1].members?.count ?? 0)
      return a != b ? a > b : $0 < $1
    }
    let jobs = siteWideJobs() + bySize.map { areas[$0] }
    // Areas and site-wide files show plans as lists, feeds and calendars do: by their listing keys.
    // With those all as before, an area's key is the one the previous build recorded.
    let keptKey: @Sendable (Job) -> String? = { job in
      listingsUnchanged && job.horizon == nil ? previous?.jobs[job.name]?.key : nil
    }
    let keys: [String: String?] =
      jobs.contains { $0.members != nil && keptKey($0) == nil }
      ? Dictionary(zip(plans.map(\.id), lookups.map(\.listing)), uniquingKeysWith: { a, _ in a }) : [:]
    let allPlans = incremental.flatMap { incremental in
      listingsUnchanged && previous?.siteKey.isEmpty == false
        ? previous?.siteKey
        : jobKey("site", members: zip(plans, lookups).map { ($0.id, $1.listing) }, incremental)
    }
    // First the aggregates whose keys match the previous build are taken from its output.
    let kept = try parallelMap(jobs.indices) { j -> (key: String?, files: [OutputFile]?) in
      let job = jobs[j]
      guard let incremental else { return (nil, nil) }
      var key: String?
      if let members = job.members {
        key =
          keptKey(job) ?? jobKey(job.name, members: members.map { ($0.id, keys[$0.id] ?? nil) }, incremental)
      } else if let allPlans {
        var k = CacheKey()
        k.add(allPlans)
        k.add(job.name)
        if let horizon = job.horizon {
          // Which entries start by the horizon; where they stand against now is in the plans' keys.
          var bits: [UInt8] = []
          for facts in base.factsInOrder {
            for start in facts.starts { bits.append(start <= horizon ? 0x31 : 0x30) }
            bits.append(0x2F)
          }
          k.add(String(decoding: bits, as: UTF8.self))
        }
        key = k.finish()
      }
      guard let key, let record = previous?.jobs[job.name], record.key == key,
        unchanged(record.files)
      else { return (key, nil) }
      return (
        key, try record.files.map { try sink.accept(OutputFile(reusing: $0)) }
      )
    }
    // The others need what lists show of every plan: for reused plans, from the previous build's
    // lists while their listing keys match, else made again; with their contexts in lists, made
    // now and only now, so that an edit whose lists are all reused makes none of them.
    let rendersLists = kept.contains { $0.files == nil }
    var model = base
    if rendersLists || listsChanged {
      let lists = incremental?.previousLists?.wait().flatMap { $0.token == previous?.listsToken ? $0 : nil }
      // Lists that could not be read are made again here: they are written, to serve next time.
      if lists == nil { listsChanged = true }
      let missing = plans.indices.filter {
        perPlan[$0].listing == nil || (rendersLists && perPlan[$0].listed == nil)
      }
      let made = try parallelMap(missing.indices) { [perPlan] n -> (PlanListing, ListedPlan?) in
        let i = missing[n]
        let plan = plans[i]
        if let value = perPlan[i].listing
          ?? lists?.records[plan.id].flatMap({ record in
            record.listing == lookups[i].listing ? record.value : nil
          })
        {
          guard rendersLists && perPlan[i].listed == nil else { return (value, nil) }
          return (
            value, ListedPlan(card: value.card, plan: plan, facts: base.facts[plan.id]!, summaries: summaries)
          )
        }
        let (value, listed) = try listing(plan)
        return (value, listed)
      }
      for (n, i) in missing.enumerated() {
        perPlan[i].listing = made[n].0
        if let listed = made[n].1 { perPlan[i].listed = listed }
      }
      for (plan, out) in zip(plans, perPlan) {
        model.pieces[plan.id] = out.listing!.pieces
        model.json[plan.id] = out.listing!.json
        if let listed = out.listed { model.listed[plan.id] = listed }
      }
      if rendersLists { model.calendarOrder = CalendarOrder(plans: plans, model: model) }
    }
    let full = model
    // The lists to keep are complete before the aggregates: what lists show of every plan that has
    // a listing key.
    var lists: ListsCache?
    if let incremental, listsChanged {
      var records: [String: ListsCache.Record] = [:]
      records.reserveCapacity(plans.count)
      for (i, plan) in plans.enumerated() {
        guard lookups[i].key != nil, let listing = lookups[i].listing, !listing.isEmpty,
          let value = perPlan[i].listing
        else { continue }
        records[plan.id] = ListsCache.Record(listing: listing, value: value)
      }
      lists = ListsCache(records: records)
      incremental.listsMade?(lists!)
    }
    let aggregates = try parallelMap(jobs.indices) { j -> (key: String?, files: [OutputFile], reused: Bool) in
      if let files = kept[j].files { return (kept[j].key, files, true) }
      return (kept[j].key, try jobs[j].run(full).map(sink.accept), false)
    }
    var files = try perPlan.flatMap(\.files) + aggregates.flatMap(\.files) + documentsAndAssets(into: sink)
    files.sort { $0.path < $1.path }
    guard let incremental else { return Rendered(files: files) }

    var cache = BuildCache(
      output: incremental.output.standardizedFileURL.path, buildKey: incremental.buildKey)
    // The records of plans reused whole are those of the previous build: a rebuild after one edit
    // starts from them and puts in what changed.
    cache.plans = previous?.plans ?? [:]
    var keyed = 0
    for (i, plan) in plans.enumerated() {
      guard let key = lookups[i].key else {
        cache.plans[plan.id] = nil
        continue
      }
      keyed += 1
      let listing = lookups[i].listing ?? ""
      // A hit is the previous build's record of the plan, under the same key.
      if let hit = lookups[i].hit, hit.listing == listing { continue }
      cache.plans[plan.id] = BuildCache.PlanRecord(
        key: key, listing: listing, files: perPlan[i].files.map(\.path))
    }
    // Plans gone since the previous build are still in what it kept.
    if cache.plans.count != keyed {
      let ids = Set(plans.indices.compactMap { lookups[$0].key == nil ? nil : plans[$0].id })
      cache.plans = cache.plans.filter { ids.contains($0.key) }
    }
    cache.siteKey = allPlans ?? ""
    cache.steady = steadyTime(base.factsInOrder)
    if let lists {
      cache.listsToken = lists.token
    } else {
      cache.listsToken = previous?.listsToken ?? ""
    }
    for (job, result) in zip(jobs, aggregates) {
      guard let key = result.key else { continue }
      cache.jobs[job.name] = BuildCache.JobRecord(key: key, files: result.files.map(\.path))
    }
    letGo?((base, model, lookups, parts, perPlan, kept, aggregates, jobs))
    return Rendered(
      files: files, cache: cache, lists: lists, reusedPlans: lookups.count { $0.hit != nil },
      reusedAreas: aggregates.count(where: \.reused))
  }

  /// A plan's page and calendar, handed to `sink`, and its card: both are made from one summary.
  private func renderPage(
    _ plan: Plan, facts: PlanFacts, body: RenderedMarkdown, model: SiteIndex, pieces: FeedPieces,
    summaries: PlanSummaries, into sink: any OutputSink
  ) throws -> (files: [OutputFile], card: String) {
    var summary = summaries.summary(plan, facts: facts, card: nil)
    let card = try theme.render("plan-card", cardContext(summary))
    summary["card"] = card
    let files = try renderPlan(plan, body: body, model: model, pieces: pieces, summary: summary)
    return (try files.map(sink.accept), card)
  }

  /// The documents of content/files and the theme's assets, handed to `sink`.
  private func documentsAndAssets(into sink: any OutputSink) throws -> [OutputFile] {
    try site.files.map { try sink.accept(OutputFile(path: "files/\($0)", copyOf: filesDirectory + "/" + $0)) }
      + theme.assets.map { try sink.accept(OutputFile(path: $0.path, bytes: $0.data)) }
  }

  /// Whether the files of a record of the previous build are in the output as it recorded them.
  static func unchangedFiles(_ incremental: Incremental?) -> @Sendable ([String]) -> Bool {
    let previous = incremental?.previous
    // Held open: a rebuild looks at tens of thousands of files in it, unless they were looked at
    // as the output was listed.
    let outputFolder = OutputFolder(incremental?.output.path ?? "")
    let changedOutputs = incremental?.changedOutputs
    return { files in
      guard let changedOutputs else { return previous?.unchangedFiles(files, in: outputFolder) == true }
      return changedOutputs.isEmpty || !files.contains(where: changedOutputs.contains)
    }
  }

  /// The stretch of time around now, and around the home page's horizon, in which none of the
  /// plans' dates falls: what a plan's key holds of now, and the home page's key of its horizon,
  /// stay the same within it.
  func steadyTime(_ facts: [PlanFacts]) -> BuildCache.SteadyTime {
    let now = self.now
    let horizon = homeHorizon
    var t = BuildCache.SteadyTime(
      since: .distantPast, until: .distantFuture, horizonSince: .distantPast, horizonUntil: .distantFuture)
    func around(_ date: Date) {
      if date <= now { t.since = max(t.since, date) } else { t.until = min(t.until, date) }
    }
    for f in facts {
      for start in f.starts {
        around(start)
        if start <= horizon {
          t.horizonSince = max(t.horizonSince, start)
        } else {
          t.horizonUntil = min(t.horizonUntil, start)
        }
      }
      if let window = f.feedbackWindow {
        around(window.start)
        around(window.end)
      }
    }
    return t
  }

  /// A rebuild after edits of plans' bodies alone (`Incremental.editedBodies`): those plans' pages
  /// are rendered again and every other file is the previous build's, without working out the
  /// facts and keys of every plan. Only when that gives what a full render gives: the previous
  /// build recorded every plan and job, now and the horizon passed none of the plans' dates since
  /// (`BuildCache.steady`), its files are in the output as recorded, and each plan rendered again
  /// is listed as before. Otherwise nil, before any file is handed to `sink`: the full render runs.
  private func renderEditedBodies(
    _ edited: Set<String>, _ incremental: Incremental, previous: BuildCache,
    unchanged: @Sendable ([String]) -> Bool, into sink: any OutputSink
  ) throws -> Rendered? {
    let plans = site.plans
    guard previous.plans.count == plans.count, !previous.listsToken.isEmpty, !previous.siteKey.isEmpty,
      previous.steady.holds(now: now, horizon: homeHorizon),
      previous.jobs.values.allSatisfy({ unchanged($0.files) })
    else { return nil }
    // Plans whose files are not as recorded are rendered again too.
    var fresh: [Int] = []
    var records: [BuildCache.PlanRecord] = []
    records.reserveCapacity(plans.count)
    for (i, plan) in plans.enumerated() {
      guard let record = previous.plans[plan.id] else { return nil }
      if edited.contains(plan.file) || !unchanged(record.files) { fresh.append(i) }
      records.append(record)
    }
    var some = site
    some.plans = fresh.map { plans[$0] }
    let model = SiteIndex(site: some, zone: zone, now: now, history: history)
    let planKeys = PlanKeys(renderer: self, incremental: incremental)
    var keys: [String] = []
    for (n, i) in fresh.enumerated() {
      guard let (key, listing) = planKeys.of(plans[i], facts: model.factsInOrder[n]), let listing,
        listing == records[i].listing
      else { return nil }
      keys.append(key)
    }
    let bodyOptions = MarkdownOptions(filesBase: urls.basePath, topHeadingLevel: 3)
    let summaries = self.summaries
    var cache = previous
    var files: [OutputFile] = []
    files.reserveCapacity(previous.stamps.count)
    for (n, i) in fresh.enumerated() {
      let plan = plans[i]
      let facts = model.factsInOrder[n]
      let page = try renderPage(
        plan, facts: facts, body: Markdown.render(try readBody(plan), options: bodyOptions), model: model,
        pieces: feedPieces(plan, facts: facts), summaries: summaries, into: sink
      ).files
      files += page
      cache.plans[plan.id] = BuildCache.PlanRecord(
        key: keys[n], listing: records[i].listing, files: page.map(\.path))
    }
    let rendered = Set(fresh)
    for (i, record) in records.enumerated() where !rendered.contains(i) {
      files += try record.files.map { try sink.accept(OutputFile(reusing: $0)) }
    }
    for record in previous.jobs.values {
      files += try record.files.map { try sink.accept(OutputFile(reusing: $0)) }
    }
    files += try documentsAndAssets(into: sink)
    files.sort { $0.path < $1.path }
    cache.buildKey = incremental.buildKey
    cache.stamps = [:]
    cache.folders = [:]
    cache.unstamped = []
    letGo?((model, records))
    return Rendered(
      files: files, cache: cache, lists: nil, reusedPlans: plans.count - fresh.count,
      reusedAreas: previous.jobs.count, editedBodiesOnly: true)
  }

  /// What a plan's keys are made of besides the plan: the build key, the digests of the files read,
  /// the plans' history and now.
  struct PlanKeys: Sendable {
    let buildKey: String
    let digests: [String: String]
    let history: [String: PlanHistory]
    let now: Date

    init(renderer: SiteRenderer, incremental: Incremental) {
      buildKey = incremental.buildKey
      digests = incremental.sourceDigests
      history = renderer.history.plans
      now = renderer.now
    }

    /// A plan's keys; nil when its source digest is unknown. `key` covers everything its own outputs
    /// (page, calendar, card, feed pieces) are rendered from. `listing` is the same without the body,
    /// which only the plan's own page shows: what areas, feeds, calendars and site-wide files use of
    /// the plan, so an edit of the body renders that page alone; nil for a plan not read from a file.
    func of(_ plan: Plan, facts: PlanFacts) -> (key: String, listing: String?)? {
      guard let digest = digests[plan.file] else { return nil }
      // Both keys share everything but what they cover of the file: the fields are gathered once.
      var k = CacheKey()
      k.add(buildKey)
      k.add(plan.file)
      // Where now falls among the plan's instants decides its status, past and coming steps, feed
      // items, cancelled events and the feedback state; nothing else of now reaches these outputs
      // (today's date is in the build key).
      var bits = [UInt8]()
      bits.reserveCapacity(facts.starts.count + 2)
      for start in facts.starts { bits.append(start <= now ? 0x31 : 0x30) }
      if let f = facts.feedbackWindow {
        bits.append(f.start <= now ? 0x31 : 0x30)
        bits.append(f.end <= now ? 0x31 : 0x30)
      }
      k.add(String(decoding: bits, as: UTF8.self))
      k.add(history[plan.file])
      var listing: String?
      if !plan.frontMatterDigest.isEmpty {
        var l = k
        l.add("front matter " + plan.frontMatterDigest)
        listing = l.finish()
      }
      k.add(digest)
      return (k.finish(), listing)
    }
  }

  /// An aggregate's key: the build key, its name and its plans' ids and listing keys; nil if any
  /// plan has no listing key.
  func jobKey(_ name: String, members: [(id: String, listing: String?)], _ incremental: Incremental)
    -> String?
  {
    var k = CacheKey()
    k.add(incremental.buildKey)
    k.add(name)
    k.add(Int64(members.count))
    for (id, listing) in members {
      guard let listing else { return nil }
      k.add(id)
      k.add(listing)
    }
    return k.finish()
  }

  // MARK: Pages

  func page(
    _ template: String, path: String, title: String, description: String?, feeds: [[String: Any]] = [],
    extra: [String: Any]
  ) throws -> OutputFile {
    var context = baseContext(path: path, title: title, description: description, feeds: feeds)
    for (k, v) in extra { context[k] = v }
    let html = try theme.renderBytes(template, context)
    let file = path.isEmpty || path.hasSuffix("/") ? path + "index.html" : path
    return OutputFile(path: file, bytes: html)
  }

  func baseContext(path: String, title: String, description: String?, feeds: [[String: Any]]) -> [String: Any]
  {
    [
      "lang": site.settings.language.rawValue,
      "t": t.templateStrings,
      "site": everyPage.site,
      "base": urls.basePath,
      "assets": urls.link("assets/"),
      "page": [
        "title": title,
        "description": description ?? site.settings.description ?? "",
        "canonical": urls.absolute(path),
        "isHome": path.isEmpty,
      ] as [String: Any],
      "feeds": feeds.isEmpty ? everyPage.siteFeeds : feeds,
      "menu": menu(current: path),
      "municipalities": everyPage.municipalities,
    ]
  }

  /// The parts of `baseContext` that are the same on every page, made once per build: the area
  /// navigation alone is some fifty dictionaries, and a large site has tens of thousands of pages.
  struct EveryPage: @unchecked Sendable {
    let site: [String: Any]
    let siteFeeds: [[String: Any]]
    let municipalities: [[String: Any]]

    init(site: Site, urls: SiteURLs, t: Translations) {
      self.site = context([
        "title": site.settings.title,
        "description": site.settings.description,
        "home": urls.link(""),
      ])
      siteFeeds = [
        ["title": t["feed_site"], "url": urls.absolute("feed.xml"), "type": "application/rss+xml"]
      ]
      municipalities = site.municipalities.map { m in
        [
          "name": m.name, "url": urls.link(SiteURLs.municipality(m.id)),
          "villages": m.villages.map { ["name": $0.name, "url": urls.link(SiteURLs.village(m.id, $0.id))] },
        ] as [String: Any]
      }
    }
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
  /// When the feedback window opens and closes (exclusive), if the plan has one.
  let feedbackWindow: (start: Date, end: Date)?
  let published: LocalDate
  let updated: LocalDate

  /// `offsets` is the zone's table (`ZoneOffsets.of(zone)`), looked up once for every plan: the
  /// look-up took a lock both cores wanted, several times per plan.
  init(_ plan: Plan, zone: TimeZone, offsets: ZoneOffsets?, now: Date, history: PlanHistory?) {
    // Entries by start, ties in the order written. Timelines are usually written in order: then
    // the plan's own array is shared, and no entry is copied (this runs for every plan on every
    // rebuild).
    let timeline = plan.timeline
    let written = timeline.map { $0.date.start(in: zone, offsets: offsets) }
    var ordered = timeline
    var starts = written
    if zip(written, written.dropFirst()).contains(where: { $0 > $1 }) {
      let order = written.indices.sorted { written[$0] != written[$1] ? written[$0] < written[$1] : $0 < $1 }
      ordered = order.map { timeline[$0] }
      starts = order.map { written[$0] }
    }
    self.ordered = ordered
    self.starts = starts
    // Entries that have begun are the first ones.
    let begun = starts.lastIndex { $0 <= now }
    if let s = plan.statusOverride {
      status = s
    } else {
      let staged = ordered.indices.filter { ordered[$0].stage != nil }
      status = (staged.last { starts[$0] <= now } ?? staged.first).flatMap { ordered[$0].stage }
    }
    feedbackWindow = plan.feedback.map {
      ($0.start(in: zone, offsets: offsets), $0.end(in: zone, offsets: offsets))
    }
    feedback = feedbackWindow.map { FeedbackState(at: now, start: $0.start, end: $0.end) }
    if let h = history, let p = h.published, let u = h.updated {
      published = LocalDate(p, in: zone)
      updated = LocalDate(u, in: zone)
    } else if !ordered.isEmpty {
      published = ordered[0].date.localDay(in: zone)
      updated = max(published, ordered[begun ?? 0].date.localDay(in: zone))
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
  /// Plans naming a village, by "municipality/village", in the order of their ids.
  let byVillage: [String: [Plan]]
  /// Municipality-wide plans (naming no village), by municipality, in the order of their ids.
  let wideByMunicipality: [String: [Plan]]
  let facts: [String: PlanFacts]
  /// The same, in the order of the site's plans.
  let factsInOrder: [PlanFacts]
  /// Filled in after the per-plan pass.
  var pieces: [String: FeedPieces] = [:]
  /// Each plan's entry of plans.json.
  var json: [String: String] = [:]
  /// Each plan's context in lists: its card, and the rest made only if a list asks for it.
  var listed: [String: ListedPlan] = [:]
  /// The order of every plan's calendar events, for the calendars of areas and the site; made
  /// with the pieces, when those calendars are rendered.
  var calendarOrder: CalendarOrder?

  init(site: Site, zone: TimeZone, now: Date, history: SiteHistory) {
    var m: [String: [Plan]] = [:]
    var v: [String: [Plan]] = [:]
    var wide: [String: [Plan]] = [:]
    for p in site.plans {
      let municipality = p.municipalityID
      m[municipality, default: []].append(p)
      if p.isMunicipalityWide { wide[municipality, default: []].append(p) }
      let villages = p.villageIDs
      for (n, village) in villages.enumerated() where !villages[..<n].contains(village) {
        v[municipality + "/" + village, default: []].append(p)
      }
    }
    // A loaded site's plans come in the order of their ids; any other is put in it.
    if !zip(site.plans, site.plans.dropFirst()).allSatisfy({ $0.id <= $1.id }) {
      v = v.mapValues { $0.sorted { $0.id < $1.id } }
      wide = wide.mapValues { $0.sorted { $0.id < $1.id } }
    }
    byMunicipality = m
    byVillage = v
    wideByMunicipality = wide
    let plans = site.plans
    let offsets = ZoneOffsets.of(zone)
    factsInOrder = parallelMap(plans.indices) { i in
      PlanFacts(plans[i], zone: zone, offsets: offsets, now: now, history: history.plans[plans[i].file])
    }
    facts = Dictionary(zip(plans.map(\.id), factsInOrder), uniquingKeysWith: { a, _ in a })
  }

  func status(_ plan: Plan) -> Stage? { facts[plan.id]?.status }
  func pieces(_ plan: Plan) -> FeedPieces { pieces[plan.id]! }
  func listed(_ plan: Plan) -> ListedPlan { listed[plan.id]! }

  func plans(municipality: String) -> [Plan] { byMunicipality[municipality] ?? [] }

  /// Plans naming the village and the municipality-wide plans, by id.
  func plans(municipality: String, village: String) -> [Plan] {
    let named = byVillage["\(municipality)/\(village)"] ?? []
    let wide = wideByMunicipality[municipality] ?? []
    // Both in the order of their ids: merged rather than filtered and sorted for every village.
    return merged(named, wide) { $0.id < $1.id }
  }
}

/// Two arrays, each sorted by `precedes`, as one sorted the same way; of equal elements, those of
/// `a` come first.
func merged<T>(_ a: [T], _ b: [T], by precedes: (T, T) -> Bool) -> [T] {
  var out: [T] = []
  out.reserveCapacity(a.count + b.count)
  var (i, j) = (0, 0)
  while i < a.count && j < b.count {
    if precedes(b[j], a[i]) {
      out.append(b[j])
      j += 1
    } else {
      out.append(a[i])
      i += 1
    }
  }
  out += a[i...]
  out += b[j...]
  return out
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

/// A piece of rendering that can run on any core: an area's pages and feeds, or a site-wide file.
struct Job: Sendable {
  /// Unique among the jobs of a build; names the job's record in the build cache.
  let name: String
  /// The plans its output is made from; nil for site-wide jobs, which use every plan.
  let members: [Plan]?
  /// A moment after now up to which the job shows coming entries (the home page's next 60 days):
  /// its output changes when an entry's start passes it, as others' do when one passes now.
  var horizon: Date? = nil
  /// Renders the job's files from the model with every plan's pieces, cards and list contexts.
  let run: @Sendable (SiteIndex) throws -> [OutputFile]
}

/// What rendering one plan produced.
struct PlanOutput: Sendable {
  var files: [OutputFile]
  /// What lists show of it; nil until a list needs it, for a plan reused whole.
  var listing: PlanListing? = nil
  /// Its context in lists, card included; nil until a list needs it, for a plan reused whole.
  var listed: ListedPlan? = nil
}

/// What lists, feeds, calendars and plans.json show of a plan, made from its front matter alone.
struct PlanListing: Sendable {
  /// For a plan rendered again, set once its page is made (from the same summary).
  var card: String
  let pieces: FeedPieces
  let json: String
}

/// Maps on all cores, keeping the order; the first error thrown is rethrown.
func parallelMap<T: Sendable, E: Error>(
  _ indices: Range<Int>, _ body: @Sendable (Int) throws(E) -> T
) throws(E) -> [T] {
  // Each index writes its own slot, so no lock is taken per element (a contended lock cost more
  // than some of the work).
  let slots = Slots<T>(count: indices.count)
  let failure = Mutex<E?>(nil)
  DispatchQueue.concurrentPerform(iterations: indices.count) { i in
    do throws(E) {
      slots.set(i, try body(indices.lowerBound + i))
    } catch {
      failure.withLock { $0 = $0 ?? error }
    }
  }
  if let error = failure.withLock({ $0 }) {
    slots.deallocate()
    throw error
  }
  return slots.takeValues()
}

/// Result slots written by concurrent workers, each slot by exactly one; read after all finished.
private final class Slots<T>: @unchecked Sendable {
  private let buffer: UnsafeMutableBufferPointer<T?>

  init(count: Int) {
    buffer = .allocate(capacity: count)
    buffer.initialize(repeating: nil)
  }

  func set(_ i: Int, _ value: T) { buffer[i] = value }

  /// The values, moved out (copying them retained and released every reference they hold, for
  /// tens of thousands of plans); the slots are gone after.
  func takeValues() -> [T] {
    let values = [T](unsafeUninitializedCapacity: buffer.count) { out, count in
      for i in buffer.indices { (out.baseAddress! + i).initialize(to: (buffer.baseAddress! + i).move()!) }
      count = buffer.count
    }
    buffer.deallocate()
    return values
  }

  func deallocate() {
    _ = buffer.deinitialize()
    buffer.deallocate()
  }
}

/// Values made in order on a thread of their own, at most `ahead` of those taken, each taken once
/// by any thread: the rendered bodies of plans, made behind cmark's lock while the pages that take
/// them are rendered on every core. A value is let go as soon as it is taken.
final class BodyStream<T: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  private var values: [T?]
  private var made = 0
  private var taken = 0
  private var stopped = false

  init(count: Int, ahead: Int, make: @escaping @Sendable (Int) -> T) {
    values = Array(repeating: nil, count: count)
    guard count > 0 else { return }
    let thread = Thread { [self] in
      for n in 0..<count {
        condition.lock()
        // Takers claim values in increasing order (as `concurrentPerform` hands out indices), so
        // with more room ahead than there are takers the maker never waits on a value not made.
        while made - taken >= ahead && !stopped { condition.wait() }
        let stop = stopped
        condition.unlock()
        if stop { return }
        let value = make(n)
        condition.lock()
        values[n] = value
        made = n + 1
        condition.broadcast()
        condition.unlock()
      }
    }
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// Ends the making of values not made yet (those not taken are let go with the stream).
  func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    condition.unlock()
  }

  /// Value `n`, waiting until it is made; each value may be taken once (after `stop()`, only those
  /// already made).
  func take(_ n: Int) -> T {
    condition.lock()
    defer { condition.unlock() }
    while made <= n { condition.wait() }
    let value = values[n]!
    values[n] = nil
    taken += 1
    condition.broadcast()
    return value
  }
}
