import Foundation

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
      var made = Set<String>()
      for file in files {
        let target = staging.appendingPathComponent(file.path)
        let dir = target.deletingLastPathComponent().path
        if made.insert(dir).inserted {
          try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        switch file.content {
        case .bytes(let data):
          guard fm.createFile(atPath: target.path, contents: data) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
          }
        case .copy(let source):
          try fm.copyItem(atPath: source, toPath: target.path)
        case .previous(let source):
          // A hard link shares the unchanged file with the old output, which is about to be removed;
          // where links are not possible the file is copied.
          if link(source, target.path) != 0 { try fm.copyItem(atPath: source, toPath: target.path) }
        }
      }
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
