import Crypto
import Foundation
import KaasaBytes
import Synchronization

/// What loading a site folder produced: the site (when its settings and areas could be read) and every problem.
public struct LoadResult: Sendable {
  public var site: Site?
  public var diagnostics: [Diagnostic]
  /// SHA-256 (hex) of the exact bytes read from each content file, by site-relative path: what the
  /// site was built from, for cache keys.
  public var sourceDigests: [String: String] = [:]
  /// The same for the files that are not plans (site.yml, areas.yml, the pages).
  public var otherSourceDigests: [String: String] = [:]
  /// With a parse cache: what parsing each plan file gave, for the next load.
  public var parsed: ParseCache?
  /// With a parse cache: the plan files parsed (not taken from the cache).
  public var parsedFiles: [String] = []
  /// With a parse cache: how many plan files were parsed.
  public var parsedPlans: Int { parsedFiles.count }
  /// How many plan files were read (not known unchanged by their stamps).
  public var readPlans = 0
}

/// What `stat` says of a file, to tell whether it changed without reading it: any write or rename
/// changes its change time, which no program can set back.
public struct FileStamp: Sendable, Equatable {
  var device: UInt64
  var inode: UInt64
  var size: Int64
  /// Nanoseconds since 1970.
  var modified: Int64
  var changed: Int64

  /// The stamp of the file at `path` (symbolic links followed, as reading does), or nil if it is not
  /// a regular file.
  public static func of(_ path: String) -> FileStamp? {
    var info = stat()
    guard path.withCString({ stat($0, &info) }) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return FileStamp(info)
  }

  /// The stamp of what `stat` or `lstat` returned.
  public init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    size = Int64(info.st_size)
    #if canImport(Darwin)
      modified = Self.nanoseconds(info.st_mtimespec)
      changed = Self.nanoseconds(info.st_ctimespec)
    #else
      modified = Self.nanoseconds(info.st_mtim)
      changed = Self.nanoseconds(info.st_ctim)
    #endif
  }

  private static func nanoseconds(_ t: timespec) -> Int64 {
    Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
  }

  /// True when the file last changed more than two seconds before `now`. File times advance in
  /// ticks, so two changes close together can leave the same stamp; a stamp this old cannot be
  /// taken again by a later change.
  public func isSettled(at now: Date) -> Bool {
    let nanoseconds = Int64(now.timeIntervalSince1970 * 1_000_000_000)
    return nanoseconds - max(modified, changed) > 2_000_000_000
  }
}

/// Lower-case hexadecimal of bytes, such as a digest.
public enum Hex {
  public static func string(_ bytes: some ContiguousBytes) -> String {
    // Every plan's cache key ends here, on every build: read in place and written straight into
    // the string.
    bytes.withUnsafeBytes { input in
      String(unsafeUninitializedCapacity: input.count * 2) { out in
        for (i, b) in input.enumerated() {
          out[2 * i] = digit(b >> 4)
          out[2 * i + 1] = digit(b & 15)
        }
        return input.count * 2
      }
    }
  }

  private static func digit(_ n: UInt8) -> UInt8 { n < 10 ? 0x30 + n : 0x57 + n }
}

/// The digests of the files a load read, recorded from any core.
final class SourceDigests: Sendable {
  private let values = Mutex<[String: String]>([:])
  /// Those of the files that are not plans (settings, areas, pages), kept apart as they are recorded:
  /// a build key covers them all, and picking them out of 10,000 plans' took a rebuild's main thread.
  private let others = Mutex<[String: String]>([:])

  @discardableResult
  func record(_ rel: String, _ data: [UInt8]) -> String {
    let digest = Hex.string(SHA256.hash(data: data))
    values.withLock { $0[rel] = digest }
    if !Self.isPlan(rel) { others.withLock { $0[rel] = digest } }
    return digest
  }

  /// Digests known without reading their files (their stamps are unchanged since they were read).
  func record(_ known: [(rel: String, digest: String)]) {
    guard !known.isEmpty else { return }
    values.withLock { for (rel, digest) in known { $0[rel] = digest } }
    let other = known.filter { !Self.isPlan($0.rel) }
    if !other.isEmpty { others.withLock { for (rel, digest) in other { $0[rel] = digest } } }
  }

  /// Makes room for `count` more digests at once rather than growing the table step by step.
  func reserve(_ count: Int) { values.withLock { $0.reserveCapacity($0.count + count) } }

  var all: [String: String] { values.withLock { $0 } }
  var notPlans: [String: String] { others.withLock { $0 } }

  private static func isPlan(_ rel: String) -> Bool { rel.utf8.starts(with: "content/plans/".utf8) }
}

/// Reads `content/` of a site folder into a `Site`. Plans are parsed on all cores.
public struct ContentLoader: Sendable {
  public var siteDirectory: URL {
    didSet { sitePath = siteDirectory.path }
  }
  /// Whether to record the SHA-256 of every file read (`LoadResult.sourceDigests`), for build caches.
  public var recordsDigests: Bool
  private let digests = SourceDigests()

  /// What an earlier load parsed: plan files whose bytes are unchanged are not parsed again.
  /// Setting it (even to an empty cache) also makes `load()` return the cache for the next load.
  public var parseCache: ParseCache?

  /// Whether a plan file whose `stat` stamp (device, inode, size, modification and change times)
  /// equals the parse cache's is taken from the cache without being read, as git trusts its index.
  /// Stamps are kept only when taken more than two seconds after the file's last change (see
  /// `FileStamp.isSettled`), so two changes within one tick of the clock cannot hide the second.
  /// A plan taken so comes without its body (`Plan.bodyUnread`). With a parse cache, stamps are
  /// recorded in the next one whether or not they are trusted.
  public var trustsFileStamps: Bool

  /// Whether plans are kept without their bodies (`Plan.bodyUnread`): a check never shows them, and
  /// a build reads each again by digest as its page is rendered (`body(of:in:digest:)`), so needs
  /// digests recorded. On a large site the bodies were a sixth of a build's memory.
  public var dropsBodies: Bool

  /// With `dropsBodies`, how many bytes of the bodies of the plans parsed are kept all the same:
  /// reading a body again costs its file's reading, digest and decoding on the thread that feeds
  /// cmark, and a site of 10,000 plans has 40 MB of them; the bodies of a larger site beyond this
  /// are still dropped. Which plans keep theirs depends on the order files are parsed in, never what
  /// is built.
  public var keptBodyBytes = 0

  public init(
    siteDirectory: URL, recordsDigests: Bool = false, parseCache: ParseCache? = nil,
    trustsFileStamps: Bool = false, dropsBodies: Bool = false
  ) {
    self.siteDirectory = siteDirectory
    self.sitePath = siteDirectory.path
    self.recordsDigests = recordsDigests
    self.parseCache = parseCache
    self.trustsFileStamps = trustsFileStamps
    self.dropsBodies = dropsBodies
  }

  private var content: URL { siteDirectory.appendingPathComponent("content") }
  /// `siteDirectory` as a path, for reading each file without URL work.
  private var sitePath: String

  /// Loads and checks everything; diagnostics are sorted by file and position.
  ///
  /// With a parse cache, `whenParsed` receives the next one as soon as the plans are parsed, and
  /// whether it differs from the one given, so that it can be saved while the content is checked.
  public func load(whenParsed: (_ parsed: ParseCache, _ changed: Bool) -> Void = { _, _ in }) -> LoadResult {
    var diagnostics: [Diagnostic] = []
    let fm = FileManager.default
    var isDir: ObjCBool = false
    guard fm.fileExists(atPath: content.path, isDirectory: &isDir), isDir.boolValue else {
      return LoadResult(
        site: nil,
        diagnostics: [
          .error(
            "content", .start,
            "there is no content/ folder in \(siteDirectory.path): run kaasa in the site folder or pass --site DIR"
          )
        ])
    }

    let settings = loadYAML("content/site.yml", &diagnostics, Decoding.settings)
    let municipalities = loadYAML("content/areas.yml", &diagnostics, Decoding.municipalities)

    if let settings, settings.theme != "default" || fm.fileExists(atPath: themesDirectory.path) {
      let themePath = themesDirectory.appendingPathComponent(settings.theme).path
      if !fm.fileExists(atPath: themePath, isDirectory: &isDir) || !isDir.boolValue {
        let available = (try? fm.contentsOfDirectory(atPath: themesDirectory.path))?.sorted() ?? []
        diagnostics.append(
          .error(
            "content/site.yml", themeLine(),
            "unknown theme '\(settings.theme)': there is no folder themes/\(settings.theme).\(Suggestion.hint(for: settings.theme, in: available)) Available: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
          ))
      }
    }

    let planFiles = markdownFiles(under: "plans", recursive: true)
    let pageFiles = markdownFiles(under: "pages", recursive: false)
    var reusePlan: Reuse<Plan>?
    if let entries = parseCache?.entries {
      let dropsBodies = dropsBodies
      var reuse = Reuse<Plan>(digest: { rel, digest, bytes in
        guard let entry = entries[rel], entry.digest == digest else { return nil }
        guard entry.bodyOmitted, !dropsBodies, var plan = entry.plan else {
          return (entry.plan.map { Self.keepingBody($0, !dropsBodies) }, entry.diagnostics)
        }
        // A cache read from disk keeps plans without their bodies: the body is taken from the
        // file just read (the same bytes that were parsed); should that fail, the file is parsed.
        guard case .success(let document) = FrontMatterDocument.read(bytes, file: rel) else { return nil }
        plan.body = document.body
        plan.bodyLine = document.bodyLine
        plan.bodyUnread = false
        return (plan, entry.diagnostics)
      })
      // Stamps are taken, to be kept for next time, even when they are not trusted now (`kaasa
      // build --clean`): without them the build after a clean one read every plan file again.
      let trusts = trustsFileStamps
      reuse.stamp = { rel, stamp in
        guard trusts, let entry = entries[rel], entry.stamp == stamp else { return nil }
        return (entry.digest, entry.plan, entry.diagnostics, entry.encoded)
      }
      reusePlan = reuse
    }
    let keepsBodies = !dropsBodies
    let bodyBudget = Atomic<Int>(keptBodyBytes)
    let plans: (values: [Plan], diagnostics: [Diagnostic], results: [FileResult<Plan>]) = parseInParallel(
      planFiles, reuse: reusePlan
    ) { rel, document, reader in
      Decoding.plan(reader, reader.compose(document.yaml), id: Self.stem(rel), file: rel, document: document)
        .map { plan in
          let size = plan.body.utf8.count
          let kept =
            keepsBodies
            || bodyBudget.subtract(size, ordering: .relaxed).newValue >= 0
          return Self.keepingBody(plan, kept)
        }
    }
    // One pass over the results (each looked at in place: copying 10,000 of them in every loop over
    // them was a tenth of loading an unchanged site): the next parse cache, the files parsed, those
    // read, and whether any stamp changed.
    var parsed: ParseCache?
    var next = ParseCache()
    let previous = parseCache?.entries ?? [:]
    if parseCache != nil { next.entries.reserveCapacity(planFiles.count) }
    var parsedFiles: [String] = []
    var readPlans = 0
    var stampsChanged = false
    let results = plans.results
    for (i, rel) in planFiles.enumerated() {
      if !results[i].reusedUnread { readPlans += 1 }
      if !results[i].reused { parsedFiles.append(rel) }
      guard parseCache != nil, let digest = results[i].digest else { continue }
      var entry = ParseCache.Entry(
        digest: digest, plan: results[i].value, diagnostics: results[i].diagnostics, stamp: results[i].stamp)
      // A plan taken from the previous entry is what that entry's bytes say.
      if results[i].reusedUnread {
        entry.encoded = results[i].encoded
      } else if let before = previous[rel] {
        if results[i].reused && before.digest == digest { entry.encoded = before.encoded }
        // New stamps count as a change too, so that a file read again (touched, or checked out
        // anew) is trusted by its stamp next time.
        if results[i].stamp != before.stamp { stampsChanged = true }
      } else {
        stampsChanged = true
      }
      next.entries[rel] = entry
    }
    if let previousCache = parseCache {
      let entriesChanged = !parsedFiles.isEmpty || next.entries.count != previousCache.entries.count
      let changed = entriesChanged || stampsChanged
      // New stamps say nothing new of the files' bytes: the token goes with the digests and plans.
      if !entriesChanged { next.token = previousCache.token }
      parsed = next
      whenParsed(next, changed)
    }
    let pages = parseInParallel(pageFiles) { rel, document, reader in
      Decoding.page(
        reader, reader.compose(document.yaml), slug: Self.stem(rel), file: rel, document: document)
    }
    diagnostics += plans.diagnostics + pages.diagnostics
    let files = listFiles()

    guard let settings, let municipalities else {
      return LoadResult(
        site: nil, diagnostics: diagnostics.sorted(), sourceDigests: digests.all,
        otherSourceDigests: digests.notPlans)
    }
    let site = Site(
      settings: settings, municipalities: municipalities,
      plans: Self.byID(plans.values),
      pages: pages.values.sorted { ($0.weight, $0.slug) < ($1.weight, $1.slug) },
      files: files)
    diagnostics += SiteChecker.check(site, planFiles: planFiles, pageFiles: pageFiles)
    return LoadResult(
      site: site, diagnostics: diagnostics.sorted(), sourceDigests: digests.all,
      otherSourceDigests: digests.notPlans, parsed: parsed,
      parsedFiles: parsedFiles, readPlans: readPlans)
  }

  /// The body of `plan`, which was taken from the parse cache unread: its file is read again and must
  /// still have the digest the build was keyed on; a file changed since it was checked is an error
  /// (nothing is written), and building again takes the change.
  public static func body(of plan: Plan, in sitePath: String, digest: String) throws -> String {
    guard plan.bodyUnread else { return plan.body }
    guard let data = FileBytes.read(atPath: sitePath + "/" + plan.file) else {
      throw BodyNotRead(file: plan.file, reason: "it cannot be read any more: check that it exists")
    }
    guard Hex.string(SHA256.hash(data: data)) == digest,
      case .success(let document) = FrontMatterDocument.read(data, file: plan.file)
    else {
      throw BodyNotRead(file: plan.file, reason: "it changed while the site was being built: build again")
    }
    return document.body
  }

  var themesDirectory: URL { siteDirectory.appendingPathComponent("themes") }

  /// `plan`, or the same without its body.
  private static func keepingBody(_ plan: Plan, _ keeps: Bool) -> Plan {
    guard !keeps, !plan.bodyUnread else { return plan }
    var plan = plan
    plan.body = ""
    plan.bodyUnread = true
    return plan
  }

  private func themeLine() -> SourcePosition {
    guard let text = try? String(contentsOf: content.appendingPathComponent("site.yml"), encoding: .utf8)
    else {
      return .start
    }
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where line.hasPrefix("theme:") {
      return SourcePosition(line: i + 1, column: 8)
    }
    return .start
  }

  /// Plans by id, then file; ids and files are taken out once rather than for every comparison.
  static func byID(_ plans: [Plan]) -> [Plan] {
    let keys = plans.map { (id: $0.id, file: $0.file) }
    let order = keys.indices.sorted { a, b in
      keys[a].id != keys[b].id ? keys[a].id < keys[b].id : keys[a].file < keys[b].file
    }
    return order.map { plans[$0] }
  }

  static func stem(_ relativePath: String) -> String {
    // Among bytes, not characters: this runs for every plan file in every check.
    let utf8 = relativePath.utf8
    let start = utf8.lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
    let name = relativePath[start...]
    return String(name.utf8.suffix(3).elementsEqual(".md".utf8) ? name.dropLast(3) : name)
  }

  private func read(_ rel: String) -> Result<SourceText, Diagnostic> {
    readBytes(rel).flatMap { SourceText.decode($0.data, file: rel) }
  }

  /// The file's bytes, and their digest when digests are recorded or a parse cache is in use.
  private func readBytes(_ rel: String) -> Result<(data: [UInt8], digest: String?), Diagnostic> {
    // Paths as strings: URL.appendingPathComponent cost more than reading the file.
    guard let data = FileBytes.read(atPath: sitePath + "/" + rel)
    else {
      return .failure(.error(rel, .start, "cannot read the file: check that it exists and can be read"))
    }
    let digest = recordsDigests || parseCache != nil ? digests.record(rel, data) : nil
    return .success((data, digest))
  }

  private func loadYAML<T>(
    _ rel: String, _ diagnostics: inout [Diagnostic], _ decode: (YAMLReader, YAMLNode?) -> T?
  ) -> T? {
    guard FileManager.default.fileExists(atPath: siteDirectory.appendingPathComponent(rel).path) else {
      diagnostics.append(
        .error(rel, .start, "\(rel) is missing: every site needs it (see the content format in README)"))
      return nil
    }
    switch read(rel) {
    case .failure(let d):
      diagnostics.append(d)
      return nil
    case .success(let source):
      let reader = YAMLReader(file: rel)
      let value = decode(reader, reader.compose(source.text))
      diagnostics += reader.diagnostics
      return value
    }
  }

  /// Site-relative paths of `.md` files under `content/<folder>`, sorted.
  func markdownFiles(under folder: String, recursive: Bool) -> [String] {
    let base = content.appendingPathComponent(folder)
    let prefix = "content/" + folder + "/"
    return walk(base, recursive: recursive).filter { $0.hasSuffix(".md") }.map { prefix + $0 }.sorted()
  }

  private func listFiles() -> [String] {
    walk(content.appendingPathComponent("files"), recursive: true).sorted()
  }

  /// Relative paths of regular files below `base`; hidden files are skipped.
  private func walk(_ base: URL, recursive: Bool) -> [String] { walk(base.path, recursive: recursive) }

  private func walk(_ base: String, recursive: Bool) -> [String] {
    // readdir says what most entries are; only links (and file systems that do not say) need a
    // stat. A site's plans folder holds thousands of files, listed on every rebuild.
    guard let dir = opendir(base) else { return [] }
    var entries: [(name: String, isFolder: Bool)] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name.hasPrefix(".") { continue }
      switch Int32(entry.pointee.d_type) {
      case Int32(DT_DIR): entries.append((name, true))
      case Int32(DT_REG): entries.append((name, false))
      default:
        var info = stat()
        guard stat(base + "/" + name, &info) == 0 else { continue }
        entries.append((name, (info.st_mode & S_IFMT) == S_IFDIR))
      }
    }
    closedir(dir)
    var out: [String] = []
    for (name, isFolder) in entries.sorted(by: { $0.name < $1.name }) {
      if isFolder {
        if recursive { out += walk(base + "/" + name, recursive: true).map { name + "/" + $0 } }
      } else {
        out.append(name)
      }
    }
    return out
  }

  /// What reading and parsing one file gave.
  struct FileResult<T: Sendable>: Sendable {
    var value: T?
    var diagnostics: [Diagnostic]
    var digest: String?
    /// The file's stamp taken before it was read, when it can tell a later change apart.
    var stamp: FileStamp?
    var reused = false
    /// Reused by its stamp, without reading the file.
    var reusedUnread = false
    /// The entry's encoded form, when reused from a parse cache read from disk by its stamp.
    var encoded: ArraySlice<UInt8>? = nil
  }

  /// How an earlier parse may answer for a file: by the digest of its bytes, or (when stamps are
  /// trusted) by its stamp, before the file is read.
  struct Reuse<T: Sendable>: Sendable {
    /// Given the file's path, the digest of its bytes and the bytes.
    var digest: @Sendable (String, String, [UInt8]) -> (T?, [Diagnostic])?
    /// What an earlier parse holds of a file whose stamp it knows; `encoded` is the entry as a parse
    /// cache read from disk holds it.
    typealias Known = (digest: String, value: T?, diagnostics: [Diagnostic], encoded: ArraySlice<UInt8>?)
    var stamp: (@Sendable (String, FileStamp) -> Known?)? = nil
  }

  /// Reads and parses `files` on all cores; `reuse` may answer from an earlier parse instead.
  private func parseInParallel<T: Sendable>(
    _ files: [String], reuse: Reuse<T>? = nil,
    _ decode: @escaping @Sendable (String, FrontMatterDocument, YAMLReader) -> T?
  ) -> (values: [T], diagnostics: [Diagnostic], results: [FileResult<T>]) {
    let slots = Mutex<[FileResult<T>]>(Array(repeating: FileResult(diagnostics: []), count: files.count))
    let chunk = max(1, files.count / (ProcessInfo.processInfo.activeProcessorCount * 8))
    let chunks = (files.count + chunk - 1) / chunk
    digests.reserve(files.count)
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      var done: [(Int, FileResult<T>)] = []
      // Digests known by stamps, recorded once per chunk: per file, the lock was fought over.
      var known: [(String, String)] = []
      defer { digests.record(known) }
      for i in (c * chunk)..<min(files.count, (c + 1) * chunk) {
        let rel = files[i]
        var result = FileResult<T>(diagnostics: [])
        // The stamp is taken before reading: a change made while the file is read then shows as a
        // stamp different from the one kept, and the file is read again next time.
        if let byStamp = reuse?.stamp, let stamp = FileStamp.of(sitePath + "/" + rel) {
          if let hit = byStamp(rel, stamp) {
            known.append((rel, hit.digest))
            result = FileResult(
              value: hit.value, diagnostics: hit.diagnostics, digest: hit.digest, stamp: stamp, reused: true,
              reusedUnread: true, encoded: hit.encoded)
            done.append((i, result))
            continue
          }
          result.stamp = stamp.isSettled(at: Date()) ? stamp : nil
        }
        switch readBytes(rel) {
        case .failure(let d):
          result.diagnostics = [d]
        case .success(let (data, digest)):
          result.digest = digest
          if let digest, let (value, diagnostics) = reuse?.digest(rel, digest, data) {
            result.value = value
            result.diagnostics = diagnostics
            result.reused = true
            break
          }
          switch FrontMatterDocument.read(data, file: rel) {
          case .failure(let d):
            result.diagnostics = [d]
          case .success(let document):
            let reader = YAMLReader(file: rel, lineOffset: 1)
            result.value = decode(rel, document, reader)
            result.diagnostics = reader.diagnostics
          }
        }
        done.append((i, result))
      }
      slots.withLock { for (i, r) in done { $0[i] = r } }
    }
    let all = slots.withLock { $0 }
    return (all.compactMap(\.value), all.flatMap(\.diagnostics), all)
  }

}

/// A plan's body could not be read when its page was rendered.
public struct BodyNotRead: Error, CustomStringConvertible {
  public let file: String
  public let reason: String
  public var description: String { "\(file): the plan's text could not be read: \(reason)" }
}
