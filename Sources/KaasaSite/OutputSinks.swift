import Foundation
import KaasaBytes
import Synchronization

#if canImport(Glibc)
  import Glibc
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  import Darwin
  private let systemWrite = Darwin.write
#endif

/// The folder part of a `/`-separated path, "" for a name alone. (Foundation's
/// `deletingLastPathComponent` traps on some one-letter paths.)
func parentPath(_ path: String) -> String {
  guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
  return String(path[..<slash])
}

/// Makes the folders of the `/`-separated `path` under `base` that `known` does not list yet, parents
/// first, and adds them to it; returns the full paths of the folders it made.
func makeParentFolders(of path: String, under base: String, known: inout Set<String>) throws(FileError)
  -> [String]
{
  var missing: [String] = []
  var dir = parentPath(path)
  while !dir.isEmpty && !known.contains(dir) {
    missing.append(dir)
    dir = parentPath(dir)
  }
  var made: [String] = []
  for d in missing.reversed() {
    let full = base + "/" + d
    guard mkdir(full, 0o755) == 0 || errno == EEXIST else { throw FileError.write(full, errno) }
    known.insert(d)
    made.append(full)
  }
  return made
}

/// Writing files with plain system calls: Foundation's `createFile` writes to a temporary file and
/// renames it, which doubles the work for the tens of thousands of files of a site.
enum FileError: Error, CustomStringConvertible {
  case write(String, Int32)

  var description: String {
    switch self {
    case .write(let path, let code): "cannot write \(path): \(String(cString: strerror(code)))"
    }
  }

  /// Writes `data` to `path`; returns the written file's stamp.
  static func writeFile(_ path: String, _ data: some ContiguousBytes) throws -> BuildCache.Stamp? {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileError.write(path, errno) }
    defer { close(fd) }
    try data.withUnsafeBytes { try writeAll(fd, $0, path) }
    return stamp(fd)
  }

  /// Writes `parts` one after the other, gathered into chunks of about a megabyte; returns the
  /// written file's stamp.
  static func writeFile(_ path: String, parts: [String]) throws -> BuildCache.Stamp? {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileError.write(path, errno) }
    defer { close(fd) }
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 20)
    for var part in parts {
      part.withUTF8 { buffer.append(contentsOf: $0) }
      if buffer.count >= 1 << 20 {
        try buffer.withUnsafeBytes { try writeAll(fd, $0, path) }
        buffer.removeAll(keepingCapacity: true)
      }
    }
    try buffer.withUnsafeBytes { try writeAll(fd, $0, path) }
    return stamp(fd)
  }

  /// The stamp of a file just written, from its descriptor: its size and time are final, and a
  /// look-up of its path (20,000 for a site of 10,000 plans) is not needed.
  private static func stamp(_ fd: Int32) -> BuildCache.Stamp? {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    return BuildCache.Stamp(info)
  }

  private static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, _ path: String) throws {
    var offset = 0
    while offset < raw.count {
      let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        throw FileError.write(path, errno)
      }
      offset += n
    }
  }
}

/// Where the files of a build go as they are rendered, so that a site is never held in memory
/// whole. `accept` is called from many threads at once and returns what the build keeps of the file.
protocol OutputSink: Sendable {
  func accept(_ file: OutputFile) throws -> OutputFile
}

/// Keeps every file in memory: rendering without writing.
struct KeptOutput: OutputSink {
  func accept(_ file: OutputFile) throws -> OutputFile { file }
}

/// A failure of the output on disk, as opposed to one of rendering.
struct OutputSinkError: Error, CustomStringConvertible {
  let underlying: any Error
  var description: String { "\(underlying)" }
}

/// Writes the site into a new folder beside the output and swaps it in when complete, so a failed
/// build never leaves half a site and readers never see a mix of old and new files.
final class StagedOutput: OutputSink {
  let output: URL
  let staging: String
  private let recordsStamps: Bool
  private struct State {
    var folders: Set<String> = []
    var stamps: [String: BuildCache.Stamp] = [:]
  }
  private let state = Mutex(State())

  /// Makes the staging folder; with `stamps`, the size and modification time of every file are kept
  /// for the build cache.
  init(output: URL, stamps: Bool) throws {
    self.output = output.standardizedFileURL
    recordsStamps = stamps
    let parent = self.output.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    let token = UUID().uuidString.prefix(8)
    staging = parent.appendingPathComponent(".\(self.output.lastPathComponent).new-\(token)").path
    try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
  }

  func accept(_ file: OutputFile) throws -> OutputFile {
    let target = staging + "/" + file.path
    var stamp: BuildCache.Stamp?
    do {
      try makeFolders(for: file.path)
      switch file.content {
      case .bytes, .parts, .copy:
        stamp = try write(file.content, to: target)
      case .previous:
        let source = output.path + "/" + file.path
        // A hard link shares the unchanged file with the old output, which is about to be removed;
        // where links are not possible the file is copied.
        if link(source, target) != 0 {
          try FileManager.default.copyItem(atPath: source, toPath: target)
        }
      case .written:
        return file
      }
    } catch {
      throw OutputSinkError(underlying: error)
    }
    if recordsStamps {
      let stamp = stamp ?? BuildCache.stamp(of: target)
      state.withLock { $0.stamps[file.path] = stamp }
    }
    return .written(file.path)
  }

  private func makeFolders(for path: String) throws {
    let staging = staging
    try state.withLock { s throws(FileError) in
      _ = try makeParentFolders(of: path, under: staging, known: &s.folders)
    }
  }

  /// Swaps the new folder in for the output; returns the stamps of the files, by path.
  @discardableResult
  func commit() throws -> [String: BuildCache.Stamp] {
    let fm = FileManager.default
    let stagingURL = URL(fileURLWithPath: staging)
    var isDir: ObjCBool = false
    if fm.fileExists(atPath: output.path, isDirectory: &isDir) {
      let old = URL(fileURLWithPath: staging.replacingOccurrences(of: ".new-", with: ".old-"))
      try fm.moveItem(at: output, to: old)
      do {
        try fm.moveItem(at: stagingURL, to: output)
      } catch {
        try? fm.moveItem(at: old, to: output)
        discard()
        throw error
      }
      try? fm.removeItem(at: old)
    } else {
      do {
        try fm.moveItem(at: stagingURL, to: output)
      } catch {
        discard()
        throw error
      }
    }
    return state.withLock { $0.stamps }
  }

  /// Removes what was written; the output stays as it was.
  func discard() {
    try? FileManager.default.removeItem(atPath: staging)
  }
}

/// Brings an existing output folder up to date in place, for incremental builds: only files whose
/// bytes changed are written, files no longer built are removed.
///
/// Every changed file is first written beside its target under a temporary name as it is rendered;
/// only when the whole build succeeded (`commit`) are they renamed into place (each rename is
/// atomic) and the files that are no longer built removed. `discard` removes the temporary files
/// and the folders made for them, so a failed build leaves the output as it was. Unchanged files
/// keep their inode and modification time, which is what lets the next build trust them.
final class OutputUpdater: OutputSink {
  let base: String
  /// Stamps of files the caller already checked are unchanged (reused plans and areas).
  private let known: [String: BuildCache.Stamp]
  /// The files and folders the output holds, as listed; nil when `known` is everything it holds.
  private let listed: Listing?
  private let token = ".kaasa-\(ProcessInfo.processInfo.processIdentifier)-new"
  private struct State {
    /// Folders known to exist; worked out from the listing or `known` when a new file first needs
    /// one (most rebuilds make no folder, and a large site has 10,000).
    var directories: Set<String>?
    var madeDirectories: [String] = []
    var pending: [(temporary: String, target: String)] = []
    /// Stamps of the files compared or written (nil: written, but its stamp could not be taken);
    /// a reused file keeps its stamp in `known`.
    var stamps: [String: BuildCache.Stamp?] = [:]
    /// Folders something was written, made or removed in (relative paths, "" for the output).
    var touched = Set<String>()
    /// Whether the files committed were exactly those of `known`, as listed (or remembered).
    var builtWhatWasKnown = false
  }
  private let state: Mutex<State>

  /// The folders this update wrote, made or removed something in: their stamps changed.
  var touched: Set<String> { state.withLock { $0.touched } }

  /// Whether the files committed were exactly those of `known`, each as known or rewritten.
  var builtWhatWasKnown: Bool { state.withLock { $0.builtWhatWasKnown } }

  /// `listed` is what the output holds, as `listFiles` lists it. Without it, the files of `known`
  /// are taken to be all the output holds, and it is not listed: a process that made the output and
  /// remembers what it wrote (`kaasa serve`) knows. Files changed or removed since are still found
  /// (reused files are checked first, written ones compared); a file added by hand stays until a
  /// build that lists the output. Nothing is then done per file of the output before the build: an
  /// edit that writes one page costs no more.
  init(output: URL, known: [String: BuildCache.Stamp], listed: Listing?) {
    base = output.standardizedFileURL.path
    self.known = known
    self.listed = listed
    state = Mutex(State())
  }

  /// An update of the output as it is listed now.
  convenience init(output: URL, known: [String: BuildCache.Stamp]) {
    self.init(output: output, known: known, listed: Self.listFiles(output.standardizedFileURL.path))
  }

  /// What the output holds, listed before the build.
  struct Listing: Sendable {
    var files: ListedFiles
    var directories: [String]
    /// The stamps of the folders that were listed (`.none` for one that changed too recently to be
    /// trusted); the others hold what `recordFolders` says.
    var folders: [String: BuildCache.FolderStamp] = [:]
    /// The folders of the record whose stamps were trusted (folders found with the stamps recorded
    /// were not listed); empty when every folder was listed.
    var recordFolders: [String: BuildCache.FolderRecord] = [:]
    /// When compared with the previous build's record: the files it names that are gone, not as it
    /// recorded them, or without a recorded stamp.
    var changedSinceRecord: Set<String>? = nil
    /// Whether the output holds exactly the files recorded, each as recorded.
    var matchesRecord = false
  }

  private func exists(_ path: String) -> Bool {
    if let listed { listed.files.contains(path) } else { known[path] != nil }
  }

  private var existingCount: Int { listed?.files.count ?? known.count }

  /// Every folder that holds one of `files`, however deep.
  static func folders(holding files: some Sequence<String>) -> Set<String> {
    var folders = Set<String>()
    for path in files {
      var dir = parentPath(path)
      while !dir.isEmpty && folders.insert(dir).inserted { dir = parentPath(dir) }
    }
    return folders
  }

  func accept(_ file: OutputFile) throws -> OutputFile {
    do {
      try place(file)
    } catch {
      throw OutputSinkError(underlying: error)
    }
    return .written(file.path)
  }

  private func place(_ file: OutputFile) throws {
    // Most files of a rebuild are reused: nothing is done for them but a look-up.
    if case .previous = file.content {
      if known[file.path] != nil, listed?.files.contains(file.path) ?? true { return }
      throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: base + "/" + file.path])
    }
    let target = base + "/" + file.path
    let there = exists(file.path)
    switch file.content {
    case .previous, .written:
      return
    case .bytes(let data):
      if there, let stamp = Self.same(data, at: target) {
        state.withLock { $0.stamps[file.path] = stamp }
        return
      }
    case .parts(let parts):
      if there, let stamp = Self.same(parts, at: target) {
        state.withLock { $0.stamps[file.path] = stamp }
        return
      }
    case .copy(let source):
      if there, let data = FileManager.default.contents(atPath: source),
        let stamp = Self.same(data, at: target)
      {
        state.withLock { $0.stamps[file.path] = stamp }
        return
      }
    }
    // A changed or new file: written beside its target, renamed by `commit`. A file the output
    // holds has its folders.
    if !there { try makeFolders(for: file.path) }
    let name = target[target.index(after: target.lastIndex(of: "/")!)...]
    let temporary = parentPath(target) + "/." + name + token
    let stamp = try write(file.content, to: temporary) ?? BuildCache.stamp(of: temporary)
    state.withLock {
      $0.pending.append((temporary, target))
      $0.stamps[file.path] = .some(stamp)
      $0.touched.insert(parentPath(file.path))
    }
  }

  private func makeFolders(for path: String) throws {
    let base = base
    let known = known
    let listed = listed
    try state.withLock { s throws(FileError) in
      var directories =
        s.directories ?? listed.map { Set($0.directories) } ?? Self.folders(holding: known.keys)
      s.directories = nil
      defer { s.directories = directories }
      let made = try makeParentFolders(of: path, under: base, known: &directories)
      for full in made {
        let folder = String(full.dropFirst(base.count + 1))
        s.touched.insert(folder)
        s.touched.insert(parentPath(folder))
      }
      s.madeDirectories += made
    }
  }

  /// Renames the changed files into place and removes what `built` no longer names, with the folders
  /// left empty; returns the stamps of the built files, by path.
  @discardableResult
  func commit(built: [String]) throws -> [String: BuildCache.Stamp] {
    let (pending, changed) = state.withLock { ($0.pending, $0.stamps) }
    for p in pending {
      guard rename(p.temporary, p.target) == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: p.target])
      }
    }
    state.withLock { $0.pending = [] }
    // Most rebuilds build exactly the files the output held: then nothing is removed. (Builds pass
    // their paths sorted; strictly increasing, they are distinct, so equal counts make equal sets.)
    let same =
      built.count == existingCount && zip(built, built.dropFirst()).allSatisfy({ $0 < $1 })
      && built.allSatisfy(exists)
    var stamps: [String: BuildCache.Stamp]
    // Every file known was built and, when listed, the output held them as recorded and no other.
    if same && (listed.map { $0.matchesRecord && $0.files.count == known.count } ?? true) {
      // Reused files keep their stamps.
      stamps = known
      for (path, stamp) in changed { stamps[path] = stamp }
      state.withLock { $0.builtWhatWasKnown = true }
    } else {
      stamps = [:]
      stamps.reserveCapacity(built.count)
      for path in built {
        if let stamp = changed[path] { stamps[path] = stamp } else { stamps[path] = known[path] }
      }
    }
    if same { return stamps }
    let builtSet = Set(built)
    var removedFrom = Set<String>()
    for path in listed?.files.all ?? AnySequence(known.keys) where !builtSet.contains(path) {
      unlink(base + "/" + path)
      removedFrom.insert(parentPath(path))
    }
    let kept = Self.folders(holding: builtSet)
    let existingDirectories = listed?.directories ?? Array(Self.folders(holding: known.keys))
    // Deepest first, so a folder is empty by the time it is reached.
    let emptied = existingDirectories.filter { !kept.contains($0) }
    for dir in emptied.sorted(by: { $0.utf8.count > $1.utf8.count }) {
      rmdir(base + "/" + dir)
      removedFrom.insert(dir)
      removedFrom.insert(parentPath(dir))
    }
    state.withLock { $0.touched.formUnion(removedFrom) }
    return stamps
  }

  /// Removes the temporary files and the folders made for them; the output stays as it was.
  func discard() {
    let (pending, made) = state.withLock { ($0.pending, $0.madeDirectories) }
    for p in pending { unlink(p.temporary) }
    for d in made.reversed() { rmdir(d) }
  }

  /// The stamp of the file at `path` when it holds exactly `parts`, one after the other.
  static func same(_ parts: [String], at path: String) -> BuildCache.Stamp? {
    let size = parts.reduce(0) { $0 + $1.utf8.count }
    guard let stamp = BuildCache.stamp(of: path), stamp.size == Int64(size),
      var file = FileBytes.Comparison(path: path, size: size)
    else { return nil }
    defer { file.close() }
    for var part in parts {
      guard part.withUTF8({ file.next(matches: UnsafeRawBufferPointer($0)) }) else { return nil }
    }
    return file.atEnd() ? stamp : nil
  }

  /// The stamp of the file at `path` when it holds exactly `data`.
  static func same(_ data: some ContiguousBytes & Collection, at path: String) -> BuildCache.Stamp? {
    guard let stamp = BuildCache.stamp(of: path), stamp.size == Int64(data.count),
      var file = FileBytes.Comparison(path: path, size: data.count)
    else { return nil }
    defer { file.close() }
    guard data.withUnsafeBytes({ file.next(matches: $0) }), file.atEnd() else { return nil }
    return stamp
  }

  /// What the output `base` holds: its files and folders (hidden ones included: they are ours too).
  ///
  /// Given the previous build's record, each file's stamp is compared with the recorded one, and
  /// folders are listed only when they may hold something else than recorded: a folder whose stamp
  /// is the one recorded when it held exactly the recorded files and folders holds them still
  /// (anything added, removed or renamed in it changes its stamp). Listing the 10,000 folders of a
  /// large site was the longest part of a rebuild's start; a file changed in place is found by its
  /// own stamp. Without a record of folders (a first rebuild), everything is listed.
  static func listFiles(_ base: String, record: () -> BuildCache? = { nil }) -> Listing {
    let record = record()
    if let record, let listing = listed(base, against: record) { return listing }
    let walk = OutputWalk(base: base, takesStamps: true)
    walk.list("")
    var listing = Listing(
      files: ListedFiles(found: walk.files), directories: walk.directories, folders: walk.folders)
    if let record { listing.compare(walk.stamped, with: record) }
    return listing
  }

  /// The listing of `base` from `record`'s folders, or nil when a file or folder it names is gone.
  private static func listed(_ base: String, against record: BuildCache) -> Listing? {
    guard record.folders[""] != nil else { return nil }
    // Every recorded file's stamp is taken below; those of the files of folders listed are not.
    let walk = OutputWalk(base: base, takesStamps: false)
    walk.directories.reserveCapacity(record.folders.count)
    walk.folders.reserveCapacity(record.folders.count)
    for (path, folder) in record.folders {
      // A folder gone sends the whole output to be listed.
      guard let stamp = walk.output.folderStamp(of: path) else { return nil }
      if !path.isEmpty { walk.directories.append(path) }
      if folder.stamp != .none && stamp == folder.stamp { continue }
      // Listed: what the record does not name is found (into `walk.files`), and everything it
      // names must be there.
      guard let entries = walk.entries(of: path) else { return nil }
      var named = 0
      for (name, isFolder) in entries {
        let child = path.isEmpty ? name : path + "/" + name
        if isFolder {
          if record.folders[child] != nil {
            named += 1
          } else {
            walk.directories.append(child)
            walk.list(child)
          }
        } else if record.stamps[child] != nil {
          named += 1
        } else {
          walk.files.insert(child)
        }
      }
      guard named == folder.entries else { return nil }
    }
    // Files changed in place keep their folder's stamp: each recorded file is looked at.
    var changed = Set<String>()
    for (path, recorded) in record.stamps where walk.output.stamp(of: path) != recorded {
      changed.insert(path)
    }
    changed.formUnion(record.unstamped)
    var listing = Listing(
      files: ListedFiles(found: walk.files, recorded: record.stamps), directories: walk.directories,
      folders: walk.folders)
    listing.recordFolders = record.folders
    listing.changedSinceRecord = changed
    listing.matchesRecord = changed.isEmpty && walk.files.isEmpty
    return listing
  }
}

/// The files an output holds: those a listing found, and every file the previous build's record
/// names (taken to be there; those gone or changed are in the listing's `changedSinceRecord`). The
/// two are kept apart: joining them made a set of every file of the output at each rebuild.
struct ListedFiles: Sendable {
  /// Files found; with a record, only those it does not name.
  var found: Set<String>
  var recorded: [String: BuildCache.Stamp] = [:]

  /// A rebuild usually finds nothing the record does not name: then the path is not hashed twice.
  func contains(_ path: String) -> Bool { (!found.isEmpty && found.contains(path)) || recorded[path] != nil }
  var count: Int { found.count + recorded.count }
  var all: AnySequence<String> { AnySequence([AnySequence(found), AnySequence(recorded.keys)].joined()) }
}

/// A walk through an output folder's files and folders.
private final class OutputWalk {
  /// The output folder, held open.
  let output: OutputFolder
  let now = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
  var files = Set<String>()
  var directories: [String] = []
  /// Whether files listed have their stamps taken (into `stamped`).
  let takesStamps: Bool
  /// Files listed with their stamps (nil: not a regular file).
  var stamped: [(path: String, stamp: BuildCache.Stamp?)] = []
  /// Stamps of the folders listed, taken before reading them; `.none` for those that changed too
  /// recently to be trusted.
  var folders: [String: BuildCache.FolderStamp] = [:]

  init(base: String, takesStamps: Bool) {
    output = OutputFolder(base)
    self.takesStamps = takesStamps
  }

  /// The names in folder `path` (relative to the output), each with whether it is a folder; the
  /// folder's stamp is taken first, so that a change made while it is read changes the stamp kept.
  func entries(of path: String) -> [(name: String, isFolder: Bool)]? {
    guard output.descriptor >= 0 else { return nil }
    let descriptor = openat(output.descriptor, path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    guard let dir = fdopendir(descriptor) else {
      close(descriptor)
      return nil
    }
    defer { closedir(dir) }
    var info = stat()
    let stamp = fstat(descriptor, &info) == 0 ? BuildCache.FolderStamp(info) : nil
    folders[path] = stamp.flatMap { $0.isSettled(at: now) ? $0 : nil } ?? BuildCache.FolderStamp.none
    var out: [(name: String, isFolder: Bool)] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name == "." || name == ".." { continue }
      var type = Int32(entry.pointee.d_type)
      if type == Int32(DT_UNKNOWN) {
        var info = stat()
        fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW)
        type = (info.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : Int32(DT_REG)
      }
      let isFolder = type == Int32(DT_DIR)
      if !isFolder && takesStamps {
        stamped.append((path.isEmpty ? name : path + "/" + name, BuildCache.Stamp(at: descriptor, name)))
      }
      out.append((name, isFolder))
    }
    return out
  }

  /// Lists folder `path` and everything below it.
  func list(_ path: String) {
    var queue = [path]
    while let rel = queue.popLast() {
      for (name, isFolder) in entries(of: rel) ?? [] {
        let child = rel.isEmpty ? name : rel + "/" + name
        if isFolder {
          directories.append(child)
          queue.append(child)
        } else {
          files.insert(child)
        }
      }
    }
  }
}

extension OutputUpdater.Listing {
  /// Compares the stamps of the files listed with those `record` recorded.
  mutating func compare(_ stamped: [(path: String, stamp: BuildCache.Stamp?)], with record: BuildCache) {
    // Recorded files that are not there, not as recorded, or that have no recorded stamp.
    var changed = Set<String>()
    var recordedThere = 0
    for (path, stamp) in stamped {
      guard let recorded = record.stamps[path] else { continue }
      recordedThere += 1
      if stamp != recorded { changed.insert(path) }
    }
    if recordedThere < record.stamps.count {
      for path in record.stamps.keys where !files.contains(path) { changed.insert(path) }
    }
    changed.formUnion(record.unstamped)
    changedSinceRecord = changed
    matchesRecord = changed.isEmpty && recordedThere == files.count
  }
}

/// Writes a file's bytes, parts or copied source to `path`; a file already there is replaced.
/// Reused and written files have no content of their own: each sink handles those.
/// Returns the stamp of a file written from bytes or parts; nil for a copy.
private func write(_ content: OutputFile.Content, to path: String) throws -> BuildCache.Stamp? {
  switch content {
  case .bytes(let data):
    return try FileError.writeFile(path, data)
  case .parts(let parts):
    return try FileError.writeFile(path, parts: parts)
  case .copy(let source):
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.copyItem(atPath: source, toPath: path)
    return nil
  case .previous, .written:
    return nil
  }
}
