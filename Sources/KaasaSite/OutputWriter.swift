import Foundation

/// Writes the site into a temporary folder beside the output and swaps it in, so a failed build
/// never leaves half a site and readers never see a mix of old and new files.
public struct OutputWriter: Sendable {
  public var output: URL

  public init(output: URL) {
    self.output = output.standardizedFileURL
  }

  public func write(_ files: [OutputFile]) throws {
    let fm = FileManager.default
    let parent = output.deletingLastPathComponent()
    try fm.createDirectory(at: parent, withIntermediateDirectories: true)
    let token = UUID().uuidString.prefix(8)
    let staging = parent.appendingPathComponent(".\(output.lastPathComponent).new-\(token)")
    let old = parent.appendingPathComponent(".\(output.lastPathComponent).old-\(token)")
    try fm.createDirectory(at: staging, withIntermediateDirectories: true)
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
  }
}
