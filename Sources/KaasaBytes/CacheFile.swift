import Foundation

/// The files of a site's cache folder (`SITE/.kaasa-cache`).
public enum CacheFile {
  /// Writes `bytes` to `file` atomically (a temporary file beside it, then a rename), creating the
  /// folder with a `.gitignore` that keeps it out of commits. A failure leaves nothing behind and
  /// only costs speed next time, so it is not reported.
  public static func write(_ bytes: [UInt8], to file: URL) {
    let fm = FileManager.default
    let folder = file.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(
      file.lastPathComponent + ".\(ProcessInfo.processInfo.processIdentifier).tmp")
    do {
      try fm.createDirectory(at: folder, withIntermediateDirectories: true)
      let ignore = folder.appendingPathComponent(".gitignore")
      if !fm.fileExists(atPath: ignore.path) { try Data("*\n".utf8).write(to: ignore) }
      try Data(bytes).write(to: temporary)
      guard rename(temporary.path, file.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    } catch {
      try? fm.removeItem(at: temporary)
    }
  }

  /// Identifies the running kaasa binary (size and modification time of the executable): what one
  /// version wrote to a cache, another may read differently. Without a way to tell, a fresh value
  /// per run, so that nothing is trusted.
  public static let program: String = {
    var info = stat()
    guard stat("/proc/self/exe", &info) == 0 else { return UUID().uuidString }
    return "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
  }()
}
