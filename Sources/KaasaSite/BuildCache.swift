import Crypto
import Foundation
import KaasaBytes
import KaasaCore
import KaasaFeeds
import Synchronization

/// What the previous build of a site into one output folder rendered, so the next build can skip the
/// plans and areas whose inputs did not change.
///
/// Reuse is decided by keys, never by guesswork: a plan's key is a SHA-256 over everything its page,
/// calendar, card and feed pieces are rendered from (its file's bytes and path, its git history, where
/// "now" falls among its dates, and the build key: kaasa itself, site.yml, areas.yml, the pages, the
/// theme, the documents, options and today's date). An area's key covers the build key and the keys
/// of its plans. Files are reused from the previous output only while they still have the size and
/// modification time the cache recorded, so an output folder changed by hand is rendered again.
/// Anything unreadable in the cache counts as no cache.
///
/// A rebuild after edits of plans' bodies alone takes the other plans' records without working their
/// keys out again, on evidence that nothing they cover changed: the parse cache it reads is the one
/// this build left (`parseToken`), the history is the same (`historyKey`) and now has passed none of
/// the plans' dates (`steady`). The edited plans' keys are worked out, and must list as before.
///
/// What lists show of each plan is kept beside it, in a `ListsCache` of its own.
struct BuildCache: CacheContents, Sendable {
  /// Bump whenever what is stored or how keys are computed changes.
  static let header = "kaasa-build 10\n"

  struct Stamp: Sendable, Equatable {
    var size: Int64
    var modified: Int64

    init(size: Int64, modified: Int64) {
      self.size = size
      self.modified = modified
    }

    /// A regular file's size and modification time; nil for anything else.
    init?(_ info: stat) {
      guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
      size = Int64(info.st_size)
      modified = nanoseconds(info.st_mtim)
    }

    /// The stamp of the regular file at `path`, relative to the open folder `folder` (`AT_FDCWD`
    /// for the current one or an absolute path); nil when there is none. The path is handed over as
    /// the string holds it: converted implicitly, it was copied into a new array for every call (a
    /// rebuild of 10,000 plans stamps 30,000 files and folders).
    init?(at folder: Int32, _ path: String) {
      var info = stat()
      guard path.withCString({ fstatat(folder, $0, &info, 0) }) == 0 else { return nil }
      self.init(info)
    }
  }

  /// A folder's inode and modification and change times: adding, removing or renaming anything in
  /// it changes them.
  struct FolderStamp: Sendable, Equatable {
    var inode: UInt64
    var modified: Int64
    var changed: Int64

    /// No stamp: the folder is listed.
    static let none = FolderStamp(inode: 0, modified: 0, changed: 0)

    init(inode: UInt64, modified: Int64, changed: Int64) {
      self.inode = inode
      self.modified = modified
      self.changed = changed
    }

    /// A folder's stamp; nil for anything else.
    init?(_ info: stat) {
      guard (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
      inode = UInt64(info.st_ino)
      modified = nanoseconds(info.st_mtim)
      changed = nanoseconds(info.st_ctim)
    }

    /// Whether the folder last changed more than two seconds before `now` (nanoseconds since 1970).
    /// File times advance in ticks, so two changes close together can leave the same stamp; a stamp
    /// this old cannot be taken again by a later change.
    func isSettled(at now: Int64) -> Bool { now - max(modified, changed) > 2_000_000_000 }
  }

  /// A folder of the output: how many files and folders it holds, and its stamp when it held
  /// exactly those (all named by this cache) and the stamp could be trusted; `.none` if not.
  struct FolderRecord: Sendable, Equatable {
    var stamp: FolderStamp
    var entries: Int
  }

  struct PlanRecord: Sendable {
    var key: String
    /// The plan's listing key ("" for none): what its record in the lists was made under.
    var listing: String
    var files: [String]
  }

  struct JobRecord: Sendable {
    var key: String
    var files: [String]
  }

  /// The stretch of time around a build's now in which no plan's date falls, and the same around
  /// the home page's horizon: while now (and so the horizon) stays within them, every plan stands
  /// against now as it did, and the home page shows the same entries.
  struct SteadyTime: Sendable, Equatable {
    /// The latest date at or before now, and the earliest after it (distant past and future for
    /// none).
    var since: Date
    var until: Date
    /// The same around the horizon.
    var horizonSince: Date
    var horizonUntil: Date

    /// No stretch: holds at no time.
    static let none = SteadyTime(
      since: .distantFuture, until: .distantPast, horizonSince: .distantFuture, horizonUntil: .distantPast)

    func holds(now: Date, horizon: Date) -> Bool {
      since <= now && now < until && horizonSince <= horizon && horizon < horizonUntil
    }
  }

  /// The output folder this cache describes (standardised path).
  var output: String
  var buildKey: String
  /// The token of the lists this cache goes with; "" for none.
  var listsToken = ""
  /// The key of every plan's listing together, which the keys of site-wide files start from; a
  /// rebuild in which every plan is listed as before takes it from here ("" for none).
  var siteKey = ""
  /// The token of the parse cache the build's plans were read with and left behind ("" for none):
  /// while the next build reads the same one, every plan it takes from there has the digest its
  /// record was keyed on.
  var parseToken = ""
  /// Every plan's history from git in one key ("" for none).
  var historyKey = ""
  var steady = SteadyTime.none
  var stamps: [String: Stamp] = [:]
  /// Files of plans and jobs that have no stamp: never reused as they are. Found when the stamps are
  /// taken (`unstampedFiles(built:)`), not at every rebuild's listing of the output: looking each
  /// file of 10,000 plans up among the stamps was a tenth of that listing's own work.
  var unstamped: [String] = []
  var plans: [String: PlanRecord] = [:]
  var jobs: [String: JobRecord] = [:]
  /// Every folder of the output, by path ("" for the output itself).
  var folders: [String: FolderRecord] = [:]
  /// The names of the tables above in the order a cache was last read in (sorted), not stored: a
  /// rebuild records mostly the same names, and sorting 40,000 of them was half of writing the cache.
  /// Only a hint: `encode` checks it against the tables.
  var sortedNames: SortedNames?

  struct SortedNames: Sendable {
    var stamps: [String] = []
    var plans: [String] = []
    var folders: [String] = []
  }

  /// Of the files of plans and jobs, those without a stamp (one could not be taken), given how many
  /// files the build wrote or kept: their stamps are `stamps`.
  func unstampedFiles(built: Int) -> [String] {
    // Almost always every file has its stamp, and then so has every file of a plan or job.
    if stamps.count == built { return [] }
    var out: [String] = []
    for plan in plans.values {
      for path in plan.files where stamps[path] == nil { out.append(path) }
    }
    for job in jobs.values {
      for path in job.files where stamps[path] == nil { out.append(path) }
    }
    return out
  }

  /// The folders holding `files` (sorted paths, as a build names them), each with how many files and
  /// folders it holds and `stamp(path)` as its stamp, unless it is in `touched` (the folders the
  /// build wrote, made or removed something in; nil: all of them).
  static func folderRecords(
    holding files: [String], stamp: (String) -> FolderStamp?, touched: Set<String>?
  ) -> [String: FolderRecord] {
    var entries: [String: Int] = ["": 0]
    var last = ""
    for path in files {
      var dir = parentPath(path)
      // Sorted paths come folder by folder: most files are in the folder of the one before.
      if dir == last, !dir.isEmpty {
        entries[dir]! += 1
        continue
      }
      last = dir
      var isNew = entries[dir] == nil
      entries[dir, default: 0] += 1
      while isNew && !dir.isEmpty {
        dir = parentPath(dir)
        isNew = entries[dir] == nil
        entries[dir, default: 0] += 1
      }
    }
    var records = [String: FolderRecord](minimumCapacity: entries.count)
    for (path, count) in entries {
      let trusted = touched.map { !$0.contains(path) } ?? false
      records[path] = FolderRecord(stamp: trusted ? stamp(path) ?? .none : .none, entries: count)
    }
    return records
  }

  /// Whether `other` records the same keys and files for every plan and job (what a rebuild in
  /// which nothing changed produces): then the cache on disk needs no rewriting.
  func sameRecords(as other: BuildCache) -> Bool {
    listsToken == other.listsToken && siteKey == other.siteKey && parseToken == other.parseToken
      && historyKey == other.historyKey && steady == other.steady && plans.count == other.plans.count
      && jobs.count == other.jobs.count
      && plans.allSatisfy { id, p in
        other.plans[id].map { $0.key == p.key && $0.listing == p.listing && $0.files == p.files } ?? false
      }
      && jobs.allSatisfy { name, j in other.jobs[name].map { $0.key == j.key && $0.files == j.files } ?? false
      }
  }

  /// The cache file for builds into `output`, so `kaasa serve` and `kaasa build` keep one each.
  static func file(in folder: URL, output: URL) -> URL {
    let digest = SHA256.hash(data: Data(output.standardizedFileURL.path.utf8))
    return folder.appendingPathComponent("build-" + Hex.string(digest).prefix(16))
  }

  /// The previous build's files that are still as it left them, by path.
  func unchangedFiles(_ paths: [String], in outputFolder: OutputFolder) -> Bool {
    for path in paths {
      guard let recorded = stamps[path], let actual = outputFolder.stamp(of: path), actual == recorded
      else { return false }
    }
    return true
  }

  static func stamp(of path: String) -> Stamp? { Stamp(at: AT_FDCWD, path) }

  // MARK: Storage

  static func remove(_ file: URL) {
    try? FileManager.default.removeItem(at: file)
  }

  /// Removes the caches, and their lists, of builds into output folders that no longer exist or
  /// written in another format, lists whose cache is gone, and files left by a write that was
  /// stopped over an hour ago: none can serve a build, and on a large site each is tens of megabytes.
  /// `kept` (the cache just written) stays.
  static func removeStale(besides kept: URL) {
    let folder = kept.deletingLastPathComponent()
    let fm = FileManager.default
    guard let names = try? fm.contentsOfDirectory(atPath: folder.path) else { return }
    let present = Set(names)
    for name in names where name.hasPrefix("build-") && name != kept.lastPathComponent {
      let file = folder.appendingPathComponent(name)
      if name.hasSuffix(".tmp") {
        let modified = (try? fm.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date
        if let modified, modified < Date().addingTimeInterval(-3600) { remove(file) }
      } else if name.hasSuffix("-lists") {
        if !present.contains(String(name.dropLast("-lists".count))) { remove(file) }
      } else if !outputStillExists(for: file) {
        remove(file)
        remove(ListsCache.file(besideCache: file))
      }
    }
  }

  /// Whether the cache file is in this format and the output folder it describes is there.
  static func outputStillExists(for file: URL) -> Bool {
    guard let output = outputFolder(of: file) else { return false }
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) && isDirectory.boolValue
  }

  /// The output folder a cache file describes, read from its first bytes; nil if it is not a cache
  /// in this format.
  static func outputFolder(of file: URL) -> String? {
    guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
    defer { try? handle.close() }
    guard let head = try? handle.read(upToCount: 1 << 16) else { return nil }
    var r = ByteReader([UInt8](head))
    guard (try? r.string()) == header else { return nil }
    return try? r.string()
  }

  func encode(into w: inout ByteWriter) {
    w.put(Self.header)
    w.put(output)
    w.put(buildKey)
    w.put(listsToken)
    w.put(siteKey)
    w.put(parseToken)
    w.put(historyKey)
    for date in [steady.since, steady.until, steady.horizonSince, steady.horizonUntil] { w.put(date) }
    w.put(unstamped)
    // Names are sorted, not entries: moving entries was most of the sorting.
    w.put(stamps.count)
    Self.inOrder(stamps, known: sortedNames?.stamps) { path, s in
      w.put(path)
      w.put(s.size)
      w.put(s.modified)
    }
    w.put(plans.count)
    Self.inOrder(plans, known: sortedNames?.plans) { id, p in
      w.put(id)
      w.put(p.key)
      w.put(p.listing)
      w.put(p.files)
    }
    w.put(jobs.count)
    Self.inOrder(jobs, known: nil) { name, j in
      w.put(name)
      w.put(j.key)
      w.put(j.files)
    }
    w.put(folders.count)
    Self.inOrder(folders, known: sortedNames?.folders) { path, f in
      w.put(path)
      w.put(Int64(bitPattern: f.stamp.inode))
      w.put(f.stamp.modified)
      w.put(f.stamp.changed)
      w.put(f.entries)
    }
  }

  /// Calls `body` with every entry of `table` in the order of its names: `known`'s when it names
  /// exactly the table's keys in increasing order, otherwise sorted ones.
  static func inOrder<Value>(
    _ table: [String: Value], known: [String]?, _ body: (String, Value) -> Void
  ) {
    if let known, known.count == table.count {
      var values: [Value] = []
      values.reserveCapacity(known.count)
      var previous: String?
      for name in known {
        guard let value = table[name], previous.map({ $0 < name }) ?? true else { break }
        values.append(value)
        previous = name
      }
      if values.count == known.count {
        for (name, value) in zip(known, values) { body(name, value) }
        return
      }
    }
    for name in table.keys.sorted() { body(name, table[name]!) }
  }

  static func decode(_ bytes: [UInt8]) throws -> BuildCache {
    var r = ByteReader(bytes)
    guard try r.string() == header else { throw ByteReader.Damaged() }
    var cache = BuildCache(output: try r.string(), buildKey: try r.string(), listsToken: try r.string())
    cache.siteKey = try r.string()
    cache.parseToken = try r.string()
    cache.historyKey = try r.string()
    cache.steady = SteadyTime(
      since: try r.date(), until: try r.date(), horizonSince: try r.date(), horizonUntil: try r.date())
    cache.unstamped = try r.strings()
    // Each table sized once, as the parse cache's: a damaged count asks for no more than a million.
    var names = SortedNames()
    let files = try r.count()
    cache.stamps.reserveCapacity(min(files, 1 << 20))
    names.stamps.reserveCapacity(min(files, 1 << 20))
    for _ in 0..<files {
      let path = try r.string()
      cache.stamps[path] = Stamp(size: try r.int64(), modified: try r.int64())
      names.stamps.append(path)
    }
    let plans = try r.count()
    cache.plans.reserveCapacity(min(plans, 1 << 20))
    names.plans.reserveCapacity(min(plans, 1 << 20))
    for _ in 0..<plans {
      let id = try r.string()
      cache.plans[id] = PlanRecord(key: try r.string(), listing: try r.string(), files: try r.strings())
      names.plans.append(id)
    }
    for _ in 0..<(try r.count()) {
      let name = try r.string()
      cache.jobs[name] = JobRecord(key: try r.string(), files: try r.strings())
    }
    let folders = try r.count()
    cache.folders.reserveCapacity(min(folders, 1 << 20))
    names.folders.reserveCapacity(min(folders, 1 << 20))
    for _ in 0..<folders {
      let path = try r.string()
      let stamp = FolderStamp(
        inode: UInt64(bitPattern: try r.int64()), modified: try r.int64(), changed: try r.int64())
      cache.folders[path] = FolderRecord(stamp: stamp, entries: try r.int())
      names.folders.append(path)
    }
    guard r.atEnd else { throw ByteReader.Damaged() }
    cache.sortedNames = names
    return cache
  }
}

/// A file time in nanoseconds since 1970.
private func nanoseconds(_ t: timespec) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec) }

/// What lists, feeds, calendars and plans.json show of each plan (its card, feed and calendar pieces
/// and plans.json entry), by plan id. All of it is made from the plan's front matter, so a record
/// serves while the plan's listing key is the one it was made under. Kept in a file of its own beside
/// the build cache's: it was nine tenths of that cache, and a rebuild whose lists are all reused (an
/// edit of a body) neither reads nor writes it. The cache names the lists it goes with by token.
struct ListsCache: CacheContents, Sendable {
  static let header = "kaasa-lists 1\n"

  struct Record: Sendable {
    var listing: String
    var value: PlanListing
  }

  var token: String
  var records: [String: Record] = [:]

  /// Lists under a new token.
  init(records: [String: Record]) {
    token = UUID().uuidString
    self.records = records
  }

  init(token: String, records: [String: Record]) {
    self.token = token
    self.records = records
  }

  /// The lists file beside the build cache file `cache`.
  static func file(besideCache cache: URL) -> URL {
    cache.deletingLastPathComponent().appendingPathComponent(cache.lastPathComponent + "-lists")
  }

  func encode(into w: inout ByteWriter) {
    w.put(Self.header)
    w.put(token)
    w.put(records.count)
    for (id, record) in records.sorted(by: { $0.key < $1.key }) {
      let p = record.value
      w.put(id)
      w.put(record.listing)
      w.put(p.card)
      w.put(p.json)
      w.put(p.pieces.items.count)
      for item in p.pieces.items {
        w.put(item.date)
        w.put(item.guid)
        w.put(item.entry)
      }
      w.put(p.pieces.events.count)
      for event in p.pieces.events {
        w.put(event.start)
        w.put(event.uid)
        event.prepared.encode(into: &w)
      }
    }
  }

  static func decode(_ bytes: [UInt8]) throws -> ListsCache {
    var r = ByteReader(bytes)
    guard try r.string() == header else { throw ByteReader.Damaged() }
    var lists = ListsCache(token: try r.string(), records: [:])
    let count = try r.count()
    lists.records.reserveCapacity(count)
    for _ in 0..<count {
      let id = try r.string()
      let listing = try r.string()
      let card = try r.string()
      let json = try r.string()
      var items: [FeedPieces.Item] = []
      for _ in 0..<(try r.count()) {
        let date = try r.date()
        let guid = try r.string()
        let entry = try r.int()
        guard entry >= 0 else { throw ByteReader.Damaged() }
        items.append(FeedPieces.Item(date: date, guid: guid, entry: entry))
      }
      var events: [FeedPieces.Event] = []
      for _ in 0..<(try r.count()) {
        events.append(
          FeedPieces.Event(start: try r.date(), uid: try r.string(), prepared: try PreparedEvent(from: &r)))
      }
      lists.records[id] = Record(
        listing: listing,
        value: PlanListing(card: card, pieces: FeedPieces(items: items, events: events), json: json))
    }
    guard r.atEnd else { throw ByteReader.Damaged() }
    return lists
  }
}

/// The previous build's lists, read when a rebuild finds it needs them, beside other work.
final class PendingLists: Sendable {
  private let read: @Sendable () -> ListsCache?
  private let reading = Mutex<BackgroundResult<ListsCache?>?>(nil)

  init(_ read: @escaping @Sendable () -> ListsCache?) { self.read = read }

  /// Begins reading, if it has not begun.
  func start() {
    reading.withLock { if $0 == nil { $0 = BackgroundResult(read) } }
  }

  /// The lists, once read.
  func wait() -> ListsCache? {
    start()
    return reading.withLock { $0 }!.wait()
  }
}

/// An output folder held open while a rebuild looks at the files it holds, so that each look starts
/// from the folder rather than walking its whole path again (20,000 looks at 10,000 plans).
final class OutputFolder: Sendable {
  /// The open folder, -1 when it could not be opened.
  let descriptor: Int32

  init(_ path: String) {
    descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  }

  deinit {
    if descriptor >= 0 { close(descriptor) }
  }

  /// The stamp of the file at `path`, relative to the folder; nil when it is no regular file there.
  func stamp(of path: String) -> BuildCache.Stamp? {
    guard descriptor >= 0 else { return nil }
    return BuildCache.Stamp(at: descriptor, path)
  }

  /// The stamp of the folder at `path`, relative to this one ("" for itself); nil when there is no
  /// folder there.
  func folderStamp(of path: String) -> BuildCache.FolderStamp? {
    guard descriptor >= 0 else { return nil }
    var info = stat()
    let found = (path.isEmpty ? "." : path).withCString {
      fstatat(descriptor, $0, &info, AT_SYMLINK_NOFOLLOW)
    }
    guard found == 0 else { return nil }
    return BuildCache.FolderStamp(info)
  }
}

/// SHA-256 over a sequence of fields, each length-prefixed so that no two sequences collide. The
/// fields are gathered and hashed once: an area's key has a field per plan, and a call into the
/// digest for each cost more than the hashing.
struct CacheKey {
  private var bytes: [UInt8] = []

  mutating func add(_ s: String) {
    addLength(s.utf8.count)
    bytes.append(contentsOf: s.utf8)
  }

  mutating func add(_ data: Data) {
    addLength(data.count)
    bytes.append(contentsOf: data)
  }

  mutating func add(_ n: Int64) { add(String(n)) }
  mutating func add(_ date: Date) { add(String(date.timeIntervalSinceReferenceDate.bitPattern)) }
  mutating func add(_ b: Bool) { add(b ? "1" : "0") }

  private mutating func addLength(_ count: Int) {
    withUnsafeBytes(of: UInt64(count).littleEndian) { bytes.append(contentsOf: $0) }
  }

  func finish() -> String { Hex.string(SHA256.hash(data: bytes)) }

  mutating func add(_ history: PlanHistory?) {
    guard let h = history else {
      add("no history")
      return
    }
    add(Int64(h.commits.count))
    for c in h.commits {
      add(c.hash)
      add(c.date)
      add(c.subject)
      add(c.path)
    }
    for (key, e) in h.entries.sorted(by: { $0.key < $1.key }) {
      add(key)
      add(Int64(e.sequence))
      add(e.lastModified)
    }
    add(h.firstPublished.map { String($0.timeIntervalSinceReferenceDate.bitPattern) } ?? "-")
  }

  /// Every plan's history in one key, "" for a site without history.
  static func of(_ history: SiteHistory) -> String {
    guard !history.plans.isEmpty else { return "" }
    var k = CacheKey()
    for (file, h) in history.plans.sorted(by: { $0.key < $1.key }) {
      k.add(file)
      k.add(h)
    }
    return k.finish()
  }
}
