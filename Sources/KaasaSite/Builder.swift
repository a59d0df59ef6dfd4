import Foundation
import KaasaBytes
import KaasaCore
import Synchronization

/// The whole pipeline: load and check, render, write. The command-line tool is a thin layer over it.
public struct Builder: Sendable {
  public var siteDirectory: URL
  public var output: URL
  public var includeDrafts: Bool
  public var baseURLOverride: URL?
  public var history: @Sendable (Site) -> SiteHistory
  /// Where the build cache lives (the site's `.kaasa-cache`); nil builds without one.
  public var cacheFolder: URL?
  /// Ignore what the cache holds and render everything (the cache is written afresh).
  public var clean: Bool
  /// Caches kept in memory between the builds of one process; nil reads and writes them on disk.
  public var memory: BuildMemory?
  /// Whether what a build held is left to the end of the process instead of being freed (for a
  /// one-shot `kaasa build`: freeing a large site's caches piece by piece took a tenth of a rebuild).
  public var leavesMemoryToExit = false

  public init(
    siteDirectory: URL, output: URL, includeDrafts: Bool = false, baseURLOverride: URL? = nil,
    history: @escaping @Sendable (Site) -> SiteHistory = { _ in .none }, cacheFolder: URL? = nil,
    clean: Bool = false, memory: BuildMemory? = nil
  ) {
    self.siteDirectory = siteDirectory
    self.output = output
    self.includeDrafts = includeDrafts
    self.baseURLOverride = baseURLOverride
    self.history = history
    self.cacheFolder = cacheFolder
    self.clean = clean
    self.memory = memory
  }

  /// The outcome of a build: its diagnostics and, when it succeeded, what it wrote.
  public struct Report: Sendable {
    public var diagnostics: [Diagnostic]
    public var files: [OutputFile]
    /// What the build could not know (no git history, a shallow clone…), for the tool to say once.
    public var notes: [String] = []
    /// Seconds spent in each phase, in order, and the process's peak memory at its end in bytes,
    /// for `--verbose` and the benchmark.
    public var phases: [(name: String, seconds: Double, peakMemory: Int)] = []
    /// Plans, and areas and site-wide lists, whose files were taken unchanged from the previous build.
    public var reusedPlans = 0
    public var reusedAreas = 0
    /// Whether the build rendered only the pages of plans whose bodies alone were edited, taking
    /// everything else from the previous build without working out every plan's keys.
    public var editedBodiesOnly = false
    public var pages: Int { files.count { $0.path.hasSuffix(".html") } }
    public var feeds: Int {
      files.count { $0.path.hasSuffix(".xml") && $0.path != "sitemap.xml" || $0.path.hasSuffix(".ics") }
    }
    public var succeeded: Bool { !diagnostics.hasErrors }
  }

  /// Loads, checks and renders without writing; `now` resolves after the site's time zone is known.
  public func render(now: (TimeZone) throws -> Date) throws -> Report {
    try run(now: now, write: false)
  }

  /// Renders and, when there are no errors, replaces the output folder. With a cache folder, plans
  /// and areas whose inputs did not change since the last build are linked from the previous output.
  public func build(now: (TimeZone) throws -> Date) throws -> Report {
    try run(now: now, write: true)
  }

  private func run(now: (TimeZone) throws -> Date, write: Bool) throws -> Report {
    var phases: [(name: String, seconds: Double, peakMemory: Int)] = []
    var mark = Date()
    func phase(_ name: String) {
      let next = Date()
      phases.append((name, next.timeIntervalSince(mark), peakMemory()))
      mark = next
    }
    // The previous build's cache, read beside loading and checking the content (it does not depend
    // on them); a process that remembers its last build has it already.
    let cacheFile = write ? cacheFolder.map { BuildCache.file(in: $0, output: output) } : nil
    let previousBuild: BackgroundResult<BuildCache?>? =
      clean || memory?.build != nil
      ? nil : cacheFile.map { file in BackgroundResult { BuildCache.load(from: file) } }
    // An output updated in place is listed (to find files that are not the build's, and those
    // changed since the previous build) beside loading: 20,000 files in 10,000 folders take as long
    // to list as the rest of a rebuild's loading.
    let outputListing: BackgroundResult<OutputUpdater.Listing>? =
      write && cacheFolder != nil && !remembersOutput && isFolder(output)
      ? BackgroundResult { [output] in
        OutputUpdater.listFiles(output.standardizedFileURL.path) { previousBuild?.wait() ?? nil }
      } : nil
    // Plans parsed by an earlier build are taken from the parse cache when their bytes are unchanged.
    // Read after the two above are started: decoding it (16 MB for 10,000 plans) held one core
    // while the other had nothing to do.
    let parseFile = write ? cacheFolder.map(ParseCache.file(in:)) : nil
    let previousParse = parseFile.map {
      clean ? ParseCache() : memory?.parse ?? ParseCache.load(from: $0) ?? ParseCache()
    }
    // Written beside the checks and the rendering (tens of megabytes for a large site); waited for
    // before returning.
    var parseSaved: BackgroundResult<Void>?
    defer { parseSaved?.wait() }
    let listsSaved = LaterSave()
    defer { listsSaved.wait() }
    // Plan files whose stamps did not change since they were read are not read again. With digests
    // recorded, bodies beyond the first 64 MB are not held but read again as their pages are rendered.
    let digested = write && cacheFolder != nil
    var loader = ContentLoader(
      siteDirectory: siteDirectory, recordsDigests: digested, parseCache: previousParse,
      trustsFileStamps: !clean, dropsBodies: digested)
    loader.keptBodyBytes = 64 << 20
    let loaded = loader.load { parsed, changed in
      if leavesMemoryToExit { ExitBin.keep((parsed, previousParse)) }
      guard let parseFile else { return }
      if let memory {
        memory.keep(parsed, save: changed ? parseFile : nil)
      } else if changed {
        parseSaved = BackgroundResult(yielding: true) { parsed.save(to: parseFile) }
      }
    }
    phase("load and check")
    guard var site = loaded.site, !loaded.diagnostics.hasErrors else {
      return Report(diagnostics: loaded.diagnostics, files: [])
    }
    if let baseURLOverride { site.settings.baseURL = baseURLOverride }
    // What lists show of each plan is read only if a list is rendered again or changes; a process
    // that remembers it has it, or keeps it once read.
    let listsFile = cacheFile.map(ListsCache.file(besideCache:))
    let previousLists = PendingLists { [memory] in
      if let kept = memory?.lists { return kept }
      let read = listsFile.flatMap(ListsCache.load(from:))
      if let read { memory?.keep(lists: read) }
      return read
    }
    let theme = try Theme.load(
      name: site.settings.theme, language: site.settings.language, siteDirectory: siteDirectory)
    let history = history(site)
    phase("theme and history")
    let instant = try now(site.settings.timeZone)
    var renderer = SiteRenderer(
      site: site, theme: theme, options: RenderOptions(now: instant, includeDrafts: includeDrafts),
      history: history, filesDirectory: siteDirectory.appendingPathComponent("content/files").path)
    // Plans whose files were known unchanged by their stamps were loaded without their bodies.
    let sitePath = siteDirectory.path
    let digests = loaded.sourceDigests
    renderer.readBody = { plan in
      try ContentLoader.body(of: plan, in: sitePath, digest: digests[plan.file] ?? "")
    }
    // A process that keeps its caches answers before it frees what a build held; one that exits
    // after the build never frees it (a one-shot rebuild of 10,000 plans spent 8 ms on one core
    // freeing the renderer's tables).
    if leavesMemoryToExit {
      renderer.letGo = { ExitBin.keep($0) }
    } else if memory != nil {
      renderer.letGo = { ReleaseLater.release($0) }
    }
    var incremental: SiteRenderer.Incremental?
    let historyKey = cacheFile == nil ? "" : CacheKey.of(history)
    if cacheFile != nil {
      let key = buildKey(
        site: site, theme: theme, history: history, now: instant, others: loaded.otherSourceDigests)
      var previous = clean ? nil : memory?.build ?? previousBuild?.wait()
      if previous?.output != output.standardizedFileURL.path || previous?.buildKey != key { previous = nil }
      // Nothing of an output that is gone, or of which no file is left as recorded, can be reused:
      // the previous build would only have its lists read (800 MB for 100,000 plans, on top of a
      // full build's memory) to render areas whose files have to be written anew anyway. (Safe
      // whenever it happens: without a previous build, everything is rendered.)
      let changedOutputs = previous == nil ? nil : outputListing?.wait().changedSinceRecord
      if let recorded = previous?.stamps.count,
        !isFolder(output) || (changedOutputs.map { $0.count >= recorded } ?? false)
      {
        previous = nil
      }
      // When a plan's front matter changed, lists will be rendered again from the previous build's:
      // they are read now, beside the work before rendering (unless they are kept: looking for a
      // changed front matter among every plan was a twentieth of such a rebuild). Only for a build
      // that uses the previous one: for 100,000 plans they are 800 MB in memory.
      var frontMattersChanged = true
      if previous != nil, let parsed = loaded.parsed, let previousParse {
        frontMattersChanged = parsed.hasOtherFrontMatters(than: previousParse, parsed: loaded.parsedFiles)
      }
      if previous != nil, memory?.lists == nil, frontMattersChanged { previousLists.start() }
      incremental = SiteRenderer.Incremental(
        buildKey: key, sourceDigests: loaded.sourceDigests, previous: previous,
        previousLists: previous == nil ? nil : previousLists, output: output.standardizedFileURL)
      if previous != nil { incremental?.changedOutputs = changedOutputs }
      // Plans taken from the parse cache the previous build left have the digests their records
      // were keyed on: when the plans read anew kept their front matter and their history is the
      // same, only their pages can change.
      if let previous, !frontMattersChanged, let previousParse, !previous.parseToken.isEmpty,
        previousParse.token == previous.parseToken, historyKey == previous.historyKey
      {
        incremental?.editedBodies = Set(loaded.parsedFiles)
      }
      // New lists are written while the areas and site-wide files are rendered (760 MB for
      // 100,000 plans, over a second on one core after everything else); the cache that names them
      // is written after them. A process that keeps its caches writes them when it is told to.
      if memory == nil, let listsFile {
        incremental?.listsMade = { lists in
          listsSaved.start { lists.save(to: listsFile) }
        }
      }
    }
    phase("cache read")
    // Files go to disk as they are rendered, so the site is never held in memory whole: with a
    // build cache, into the existing output in place (beside their targets, renamed when the whole
    // build succeeded); otherwise, and for a first build, into a new folder swapped in at the end.
    var target: OutputTarget =
      !write
      ? .kept
      : cacheFile != nil && isFolder(output)
        ? .updated(updater(previous: incremental?.previous, listing: outputListing))
        : .staged(try StagedOutput(output: output, stamps: cacheFile != nil))
    var rendered: SiteRenderer.Rendered
    do {
      rendered = try renderer.render(incremental: incremental, into: target.sink)
    } catch is OutputSinkError where target.isUpdate {
      // An output the update cannot handle (a file where a folder is now needed…): a new folder.
      target.discard()
      target = .staged(try StagedOutput(output: output, stamps: cacheFile != nil))
      do {
        rendered = try renderer.render(incremental: incremental, into: target.sink)
      } catch {
        target.discard()
        throw error
      }
    } catch {
      target.discard()
      throw error
    }
    phase(write ? "render and write" : "render")
    var report = Report(diagnostics: loaded.diagnostics, files: rendered.files, notes: history.notes)
    report.reusedPlans = rendered.reusedPlans
    report.reusedAreas = rendered.reusedAreas
    report.editedBodiesOnly = rendered.editedBodiesOnly
    guard write else {
      report.phases = phases
      return report
    }
    if let cacheFile, var cache = rendered.cache {
      cache.parseToken = loaded.parsed?.token ?? ""
      cache.historyKey = historyKey
      // When every plan and list was reused, the cache on disk still describes the output.
      let previous = incremental?.previous
      let unchanged = previous.map { cache.sameRecords(as: $0) } ?? false
      // Otherwise the old cache describes files about to be replaced: it goes first, so that a build
      // stopped half-way never leaves a cache that points at files it did not record.
      if !unchanged {
        BuildCache.remove(cacheFile)
        memory?.forgetBuild()
      }
      let built = rendered.files.map(\.path)
      // The order the tables are written in: the files built are sorted by path and the plans by
      // id already (hints: `encode` checks them). Folders as the previous build had them.
      var names = previous?.sortedNames ?? BuildCache.SortedNames()
      names.stamps = built
      names.plans = renderer.site.plans.map(\.id)
      cache.sortedNames = names
      cache.stamps = try target.commit(built: built)
      cache.unstamped = cache.unstampedFiles(built: built.count)
      cache.folders = target.folders(
        built: built, listed: outputListing?.wait(), remembered: remembersOutput ? memory?.build : nil)
      phase("commit")
      let changed = !unchanged || cache.stamps != previous?.stamps || cache.folders != previous?.folders
      if changed && unchanged { BuildCache.remove(cacheFile) }
      // The lists go first: the cache names them.
      let listsFile = ListsCache.file(besideCache: cacheFile)
      if let memory {
        memory.keep(cache, lists: rendered.lists, save: changed ? (cacheFile, listsFile) : nil)
      } else if changed {
        if !listsSaved.wait() { rendered.lists?.save(to: listsFile) }
        cache.save(to: cacheFile)
        BuildCache.removeStale(besides: cacheFile)
      }
      if leavesMemoryToExit { ExitBin.keep(cache) }
      phase("cache write")
    } else {
      try target.commit(built: rendered.files.map(\.path))
      phase("commit")
    }
    report.phases = phases
    renderer.letGo?((loaded, incremental, rendered, renderer))
    return report
  }

  /// Updates the output in place, knowing the files of `previous` unchanged unless they are shown to
  /// be otherwise. When this process made the output and remembers it (`kaasa serve`), what it
  /// remembers is what the output holds, and listing 20,000 files and the folders that hold them is
  /// a fifth of a second saved on every rebuild of a large site.
  private func updater(previous: BuildCache?, listing: BackgroundResult<OutputUpdater.Listing>?)
    -> OutputUpdater
  {
    if remembersOutput, let remembered = memory?.build {
      return OutputUpdater(output: output, known: remembered.stamps, listed: nil)
    }
    let listed = listing?.wait() ?? OutputUpdater.listFiles(output.standardizedFileURL.path)
    return OutputUpdater(output: output, known: previous?.stamps ?? [:], listed: listed)
  }

  /// Whether this process made the output and remembers every file it holds (`kaasa serve`).
  private var remembersOutput: Bool {
    !clean && memory?.build?.output == output.standardizedFileURL.path
  }

  /// The largest resident size of the process so far, in bytes.
  private func peakMemory() -> Int {
    var usage = rusage()
    // Bytes on Darwin, kilobytes on Linux.
    #if canImport(Darwin)
      guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
      return Int(usage.ru_maxrss)
    #else
      guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
      return Int(usage.ru_maxrss) * 1024
    #endif
  }

  private func isFolder(_ url: URL) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
      && isDirectory.boolValue
  }

  /// Everything every page depends on besides the plans: kaasa itself, site.yml, areas.yml, the
  /// pages, the theme, the documents, the options, the history's place in the repository and
  /// today's date in the site's zone. `others` are the digests of the content files that are not
  /// plans: plans have keys of their own.
  func buildKey(site: Site, theme: Theme, history: SiteHistory, now: Date, others: [String: String])
    -> String
  {
    var k = CacheKey()
    k.add(BuildCache.header)
    k.add(CacheFile.program)
    for (path, digest) in others.sorted(by: { $0.key < $1.key }) {
      k.add(path)
      k.add(digest)
    }
    k.add(theme.fingerprint)
    for file in site.files {
      k.add(file)
      let stamp = BuildCache.stamp(of: siteDirectory.appendingPathComponent("content/files/" + file).path)
      k.add(stamp?.size ?? -1)
      k.add(stamp?.modified ?? -1)
    }
    k.add(includeDrafts)
    k.add(site.settings.baseURL.absoluteString)
    k.add(history.pathInRepository)
    k.add(LocalDate(now, in: site.settings.timeZone).description)
    return k.finish()
  }
}

/// Where a build's files go: kept in memory, updated in place, or staged in a new folder.
private enum OutputTarget {
  case kept
  case updated(OutputUpdater)
  case staged(StagedOutput)

  var sink: any OutputSink {
    switch self {
    case .kept: KeptOutput()
    case .updated(let u): u
    case .staged(let s): s
    }
  }

  var isUpdate: Bool {
    if case .updated = self { return true }
    return false
  }

  /// Puts the written files in place; on failure the output stays as it was.
  @discardableResult
  func commit(built: [String]) throws -> [String: BuildCache.Stamp] {
    do {
      switch self {
      case .kept: return [:]
      case .updated(let u): return try u.commit(built: built)
      case .staged(let s): return try s.commit()
      }
    } catch {
      discard()
      throw error
    }
  }

  /// The folders of the output once committed. Those this build left alone keep the stamps found
  /// before it (`listed`, or what a process that made the output remembers); the others are
  /// listed by the next build.
  func folders(built: [String], listed: OutputUpdater.Listing?, remembered: BuildCache?)
    -> [String: BuildCache.FolderRecord]
  {
    switch self {
    case .kept:
      return [:]
    case .staged:
      return BuildCache.folderRecords(holding: built, stamp: { _ in nil }, touched: nil)
    case .updated(let u):
      let touched = u.touched
      // Stamps as found before the build: listed, or as recorded for folders found as recorded.
      let found = listed?.folders ?? [:]
      let recorded = listed?.recordFolders ?? remembered?.folders ?? [:]
      // The same files as recorded: the same folders, each holding as many.
      if u.builtWhatWasKnown && !recorded.isEmpty {
        var next = recorded
        for (path, stamp) in found { next[path]?.stamp = stamp }
        for path in touched { next[path]?.stamp = .none }
        return next
      }
      return BuildCache.folderRecords(
        holding: built, stamp: { found[$0] ?? recorded[$0]?.stamp }, touched: touched)
    }
  }

  func discard() {
    switch self {
    case .kept: break
    case .updated(let u): u.discard()
    case .staged(let s): s.discard()
    }
  }
}

/// A file written on a thread of its own, started by the work that has its contents.
final class LaterSave: Sendable {
  private let saving = Mutex<BackgroundResult<Void>?>(nil)

  /// Starts `save` once an earlier one (of a render done again) is done: both write one file.
  func start(_ save: @escaping @Sendable () -> Void) {
    wait()
    saving.withLock { $0 = BackgroundResult(save) }
  }

  /// Waits for the save, if one was started and not yet waited for; whether one was.
  @discardableResult func wait() -> Bool {
    guard let save = saving.withLock({ $0.take() }) else { return false }
    save.wait()
    return true
  }
}
