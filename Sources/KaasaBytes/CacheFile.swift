import Foundation

#if canImport(Glibc)
  import Glibc
  private let systemRead = Glibc.read
  private let systemClose = Glibc.close
#elseif canImport(Darwin)
  import Darwin
  private let systemRead = Darwin.read
  private let systemClose = Darwin.close
#endif

/// The files of a site's cache folder (`SITE/.kaasa-cache`).
public enum CacheFile {
  /// Writes `bytes` to `file` atomically; see `write(to:_:)`.
  public static func write(_ bytes: [UInt8], to file: URL) {
    write(to: file) { $0.put(raw: bytes) }
  }

  /// Writes what `encode` puts to `file` atomically (a temporary file beside it, written a chunk at
  /// a time, then a rename), creating the folder with a `.gitignore` that keeps it out of commits.
  /// A failure leaves nothing behind and only costs speed next time, so it is not reported.
  public static func write(to file: URL, _ encode: (inout ByteWriter) -> Void) {
    let fm = FileManager.default
    let folder = file.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(
      file.lastPathComponent + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
    ).path
    do {
      try fm.createDirectory(at: folder, withIntermediateDirectories: true)
      let ignore = folder.appendingPathComponent(".gitignore")
      if !fm.fileExists(atPath: ignore.path) { try Data("*\n".utf8).write(to: ignore) }
    } catch {
      return
    }
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { return }
    var writer = ByteWriter(streamingTo: descriptor)
    encode(&writer)
    writer.finish()
    let closed = close(descriptor) == 0
    guard !writer.failed, closed, rename(temporary, file.path) == 0 else {
      unlink(temporary)
      return
    }
  }

  /// The bytes of `file`, read straight into an array (through `Data` a cache of a large site was
  /// in memory twice while it was decoded); nil when it cannot be read.
  public static func read(_ file: URL) -> [UInt8]? { FileBytes.read(atPath: file.path) }

  /// Identifies the running kaasa binary (size and modification time of the executable): what one
  /// version wrote to a cache, another may read differently. Without a way to tell, a fresh value
  /// per run, so that nothing is trusted.
  public static let program: String = {
    var info = stat()
    guard stat("/proc/self/exe", &info) == 0 else { return UUID().uuidString }
    return "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
  }()
}

/// Whole files as byte arrays.
public enum FileBytes {
  /// The bytes of the regular file at `path`, read into one array with one `read` for most files
  /// (no `Data` in between); nil when it cannot be read.
  public static func read(atPath path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    let size = Int(info.st_size)
    var complete = true
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      var offset = 0
      while offset < size {
        let n = systemRead(descriptor, buffer.baseAddress! + offset, size - offset)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        offset += n
      }
      complete = offset == size
      count = offset
    }
    return complete ? bytes : nil
  }

  /// A file compared with bytes given piece after piece, read a megabyte at most at a time: the
  /// calendar of a large site is hundreds of megabytes, and it was read whole to be compared.
  public struct Comparison {
    private let descriptor: Int32
    private var buffer: [UInt8]

    /// Opens the file at `path`, expected to hold `size` bytes; nil when it cannot be read.
    public init?(path: String, size: Int) {
      descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { return nil }
      buffer = [UInt8](repeating: 0, count: max(1, min(size, 1 << 20)))
    }

    public func close() { _ = systemClose(descriptor) }

    /// Whether the file's next bytes are `bytes`.
    public mutating func next(matches bytes: UnsafeRawBufferPointer) -> Bool {
      var offset = 0
      while offset < bytes.count {
        let want = min(buffer.count, bytes.count - offset)
        let descriptor = descriptor
        let equal = buffer.withUnsafeMutableBytes { chunk in
          guard Self.read(descriptor, into: chunk.baseAddress!, count: want) == want else { return false }
          return memcmp(chunk.baseAddress!, bytes.baseAddress! + offset, want) == 0
        }
        guard equal else { return false }
        offset += want
      }
      return true
    }

    /// Whether the file has nothing after the bytes compared.
    public mutating func atEnd() -> Bool {
      let descriptor = descriptor
      return buffer.withUnsafeMutableBytes { Self.read(descriptor, into: $0.baseAddress!, count: 1) == 0 }
    }

    /// Reads `count` bytes unless the file ends first; the number read, or -1 on an error.
    private static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
      var done = 0
      while done < count {
        let n = systemRead(descriptor, buffer + done, count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return n < 0 ? -1 : done }
        done += n
      }
      return done
    }
  }
}

/// What one cache file holds, written and read whole in the compact binary form.
public protocol CacheContents {
  /// Writes the contents in the order `decode` reads them.
  func encode(into w: inout ByteWriter)
  static func decode(_ bytes: [UInt8]) throws -> Self
}

extension CacheContents {
  public func encode() -> [UInt8] {
    var w = ByteWriter(capacity: 1 << 20)
    encode(into: &w)
    return w.bytes
  }

  /// Writes atomically beside a `.gitignore` that keeps the folder out of commits; a failure only
  /// costs speed next time.
  public func save(to file: URL) { CacheFile.write(to: file) { encode(into: &$0) } }

  /// The contents of `file`, or nil when there is none or it cannot be read: anything unreadable in
  /// a cache counts as no cache.
  public static func load(from file: URL) -> Self? {
    guard let bytes = CacheFile.read(file) else { return nil }
    return try? decode(bytes)
  }
}
