import Foundation
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
  guard let slash = path.lastIndex(of: "/") else { return "" }
  return String(path[..<slash])
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

  static func writeFile(_ path: String, _ data: Data) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileError.write(path, errno) }
    defer { close(fd) }
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
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
}

/// Writes the site into a temporary folder beside the output and swaps it in, so a failed build
/// never leaves half a site and readers never see a mix of old and new files.
public struct OutputWriter: Sendable {
  public var output: URL

  public init(output: URL) {
    self.output = output.standardizedFileURL
  }

  /// Writes `files` as the new output; returns the size and modification time of each, by path,
  /// when `stamps` is set (for the build cache).
  @discardableResult
  func write(_ files: [OutputFile], stamps: Bool) throws -> [String: BuildCache.Stamp] {
    let fm = FileManager.default
    let parent = output.deletingLastPathComponent()
    try fm.createDirectory(at: parent, withIntermediateDirectories: true)
    let token = UUID().uuidString.prefix(8)
    let staging = parent.appendingPathComponent(".\(output.lastPathComponent).new-\(token)")
    let old = parent.appendingPathComponent(".\(output.lastPathComponent).old-\(token)")
    try fm.createDirectory(at: staging, withIntermediateDirectories: true)
    var recorded: [String: BuildCache.Stamp] = [:]
    do {
      // Folders first, parents before children; then the files on all cores.
      var folders = Set<String>()
      for file in files {
        var dir = parentPath(file.path)
        while !dir.isEmpty && folders.insert(dir).inserted {
          dir = parentPath(dir)
        }
      }
      for dir in folders.sorted() {
        let path = staging.path + "/" + dir
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw FileError.write(path, errno) }
      }
      let base = staging.path
      let failure = Mutex<(any Error)?>(nil)
      let chunks = 64
      DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        for i in stride(from: chunk, to: files.count, by: chunks) {
          let file = files[i]
          let target = base + "/" + file.path
          do {
            switch file.content {
            case .bytes(let data):
              try FileError.writeFile(target, data)
            case .copy(let source):
              try FileManager.default.copyItem(atPath: source, toPath: target)
            case .previous(let source):
              // A hard link shares the unchanged file with the old output, which is about to be
              // removed; where links are not possible the file is copied.
              if link(source, target) != 0 {
                try FileManager.default.copyItem(atPath: source, toPath: target)
              }
            }
          } catch {
            failure.withLock { $0 = $0 ?? error }
            return
          }
        }
      }
      if let error = failure.withLock({ $0 }) { throw error }
      if stamps {
        for file in files {
          recorded[file.path] = BuildCache.stamp(of: staging.appendingPathComponent(file.path).path)
        }
      }
    } catch {
      try? fm.removeItem(at: staging)
      throw error
    }
    var isDir: ObjCBool = false
    if fm.fileExists(atPath: output.path, isDirectory: &isDir) {
      try fm.moveItem(at: output, to: old)
      do {
        try fm.moveItem(at: staging, to: output)
      } catch {
        try? fm.moveItem(at: old, to: output)
        try? fm.removeItem(at: staging)
        throw error
      }
      try? fm.removeItem(at: old)
    } else {
      try fm.moveItem(at: staging, to: output)
    }
    return recorded
  }

  public func write(_ files: [OutputFile]) throws {
    try write(files, stamps: false)
  }
}

/// Brings an existing output folder up to date in place, for incremental builds: only files whose
/// bytes changed are written, files no longer built are removed.
///
/// Every changed file is first written beside its target under a temporary name; only when all of
/// them were written are they renamed into place (each rename is atomic) and the files that are no
/// longer built removed. A failure while writing removes the temporary files and the folders made
/// for them, so a failed build leaves the output as it was. Unchanged files keep their inode and
/// modification time, which is what lets the next build trust them.
struct OutputUpdater {
  var output: URL

  /// `known` are the stamps of files the caller already checked are unchanged (reused plans and areas).
  func update(_ files: [OutputFile], known: [String: BuildCache.Stamp]) throws -> [String: BuildCache.Stamp] {
    let base = output.path
    let existing = Self.listFiles(base)
    var stamps: [String: BuildCache.Stamp] = [:]
    var pending: [(temporary: String, target: String, path: String)] = []
    var madeDirectories: [String] = []
    var directories = Set(existing.directories)
    let token = ".kaasa-\(ProcessInfo.processInfo.processIdentifier)-new"
    do {
      for file in files {
        let target = base + "/" + file.path
        switch file.content {
        case .previous:
          if let stamp = known[file.path], existing.files.contains(file.path) {
            stamps[file.path] = stamp
            continue
          }
          throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: target])
        case .bytes(let data):
          if existing.files.contains(file.path), let stamp = Self.same(data, at: target) {
            stamps[file.path] = stamp
            continue
          }
        case .copy(let source):
          if existing.files.contains(file.path), let data = FileManager.default.contents(atPath: source),
            let stamp = Self.same(data, at: target)
          {
            stamps[file.path] = stamp
            continue
          }
        }
        // A changed or new file: written beside its target, renamed in the second step.
        var parents: [String] = []
        var dir = parentPath(file.path)
        while !dir.isEmpty && !directories.contains(dir) {
          parents.append(dir)
          dir = parentPath(dir)
        }
        for d in parents.reversed() {
          guard mkdir(base + "/" + d, 0o755) == 0 || errno == EEXIST else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: base + "/" + d])
          }
          directories.insert(d)
          madeDirectories.append(base + "/" + d)
        }
        let name = target[target.index(after: target.lastIndex(of: "/")!)...]
        let temporary = parentPath(target) + "/." + name + token
        switch file.content {
        case .bytes(let data):
          try FileError.writeFile(temporary, data)
        case .copy(let source):
          try? FileManager.default.removeItem(atPath: temporary)
          try FileManager.default.copyItem(atPath: source, toPath: temporary)
        case .previous:
          break
        }
        pending.append((temporary, target, file.path))
        stamps[file.path] = BuildCache.stamp(of: temporary)
      }
    } catch {
      for p in pending { unlink(p.temporary) }
      for d in madeDirectories.reversed() { rmdir(d) }
      throw error
    }
    for p in pending {
      guard rename(p.temporary, p.target) == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: p.target])
      }
    }
    // What is no longer built goes, and with it the folders left empty.
    let built = Set(files.map(\.path))
    for path in existing.files where !built.contains(path) { unlink(base + "/" + path) }
    var kept = Set<String>()
    for path in built {
      var dir = parentPath(path)
      while !dir.isEmpty && kept.insert(dir).inserted { dir = parentPath(dir) }
    }
    for dir in existing.directories.sorted(by: { $0.count > $1.count }) where !kept.contains(dir) {
      rmdir(base + "/" + dir)
    }
    return stamps
  }

  /// The stamp of the file at `path` when it holds exactly `data`.
  static func same(_ data: Data, at path: String) -> BuildCache.Stamp? {
    guard let stamp = BuildCache.stamp(of: path), stamp.size == Int64(data.count),
      let current = FileManager.default.contents(atPath: path), current == data
    else { return nil }
    return stamp
  }

  /// Relative paths of the files and folders below `base` (hidden ones included: they are ours too).
  static func listFiles(_ base: String) -> (files: Set<String>, directories: [String]) {
    var files = Set<String>()
    var directories: [String] = []
    var queue = [""]
    while let rel = queue.popLast() {
      guard let dir = opendir(rel.isEmpty ? base : base + "/" + rel) else { continue }
      defer { closedir(dir) }
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        if name == "." || name == ".." { continue }
        let path = rel.isEmpty ? name : rel + "/" + name
        var type = Int32(entry.pointee.d_type)
        if type == Int32(DT_UNKNOWN) {
          var info = stat()
          lstat(base + "/" + path, &info)
          type = (info.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : Int32(DT_REG)
        }
        if type == Int32(DT_DIR) {
          directories.append(path)
          queue.append(path)
        } else {
          files.insert(path)
        }
      }
    }
    return (files, directories)
  }
}
