import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs git without a shell, reading everything it writes.
struct Git: Sendable {
  let executable: URL

  struct Output {
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]
    var errorText: String { String(decoding: stderr, as: UTF8.self) }
  }

  /// The first `git` on the PATH.
  static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> Git? {
    for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
      let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("git")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return Git(executable: candidate) }
    }
    return nil
  }

  func run(_ arguments: [String], in directory: URL, input: [UInt8]? = nil) throws -> Output {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    // Messages in English, so the reason for a failure can be recognised; no pager, no prompts.
    environment["LC_ALL"] = "C"
    environment["LANGUAGE"] = "C"
    environment["GIT_PAGER"] = "cat"
    environment["GIT_TERMINAL_PROMPT"] = "0"
    environment["GIT_OPTIONAL_LOCKS"] = "0"
    process.environment = environment
    let stdout = Pipe()
    let stderr = Pipe()
    let stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    if input != nil {
      // A child that exits early must not end the build through SIGPIPE while we write to it.
      signal(SIGPIPE, SIG_IGN)
    }
    try process.run()
    let group = DispatchGroup()
    let errorBytes = Collected()
    let errFD = stderr.fileHandleForReading.fileDescriptor
    DispatchQueue.global().async(group: group) {
      let bytes = Self.readAll(errFD)
      errorBytes.bytes.withLock { $0 = bytes }
    }
    if let input {
      let writer = stdin.fileHandleForWriting
      let inFD = writer.fileDescriptor
      DispatchQueue.global().async(group: group) {
        Self.writeAll(inFD, input)
        try? writer.close()
      }
    }
    let output = Self.readAll(stdout.fileHandleForReading.fileDescriptor)
    group.wait()
    process.waitUntilExit()
    return Output(status: process.terminationStatus, stdout: output, stderr: errorBytes.bytes.withLock { $0 })
  }

  /// What a helper thread read, handed back to the caller.
  final class Collected: Sendable {
    let bytes = Mutex<[UInt8]>([])
  }

  static func readAll(_ fd: Int32) -> [UInt8] {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n > 0 {
        out.append(contentsOf: buffer[0..<n])
      } else if n == 0 || errno != EINTR {
        break
      }
    }
    return out
  }

  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n > 0 {
          offset += n
        } else if n < 0 && errno == EINTR {
          continue
        } else {
          break
        }
      }
    }
  }
}

/// A commit from `git log --raw -z` in the format `GitHistory` asks for.
struct LogCommit {
  var hash: String
  var time: Int64
  var firstParent: String?
  var subject: String
  /// Changed paths (relative to the repository) and their new blobs; nil when deleted or not a file.
  var changes: [(path: String, blob: String?)]
}

enum LogParser {
  /// Parses `%x01%H%x00%ct%x00%P%x00%B` records, each followed by raw lines `:meta\0path\0`.
  static func parse(_ bytes: [UInt8]) -> [LogCommit] {
    var commits: [LogCommit] = []
    bytes.withUnsafeBufferPointer { b in
      var i = 0
      func field() -> String {
        let start = i
        while i < b.count, b[i] != 0 { i += 1 }
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        if i < b.count { i += 1 }
        return s
      }
      func skipSeparators() {
        while i < b.count, b[i] == 10 || b[i] == 0 { i += 1 }
      }
      while i < b.count {
        guard b[i] == 1 else {
          i += 1
          continue
        }
        i += 1
        let hash = field()
        let time = Int64(field()) ?? 0
        let parents = field().split(separator: " ")
        let message = field()
        var changes: [(String, String?)] = []
        skipSeparators()
        while i < b.count, b[i] == UInt8(ascii: ":") {
          // ":srcmode dstmode srcblob dstblob status", then the path; only regular files have versions.
          let meta = field().split(separator: " ")
          let path = field()
          skipSeparators()
          guard meta.count >= 5 else { continue }
          let regular = meta[1] == "100644" || meta[1] == "100755"
          changes.append((path, regular ? String(meta[3]) : nil))
        }
        commits.append(
          LogCommit(
            hash: hash, time: time, firstParent: parents.first.map(String.init),
            subject: subject(message, isMerge: parents.count > 1), changes: changes))
      }
    }
    return commits
  }

  /// The message's first line; for a merge, the pull or merge request's title that GitHub and GitLab
  /// write below "Merge pull request #12 from …" or "Merge branch 'x' into 'main'".
  static func subject(_ message: String, isMerge: Bool) -> String {
    if !isMerge || !message.hasPrefix("Merge ") {
      let first = message.prefix { $0 != "\n" }
      guard first.first?.isWhitespace == true || first.last?.isWhitespace == true else {
        return String(first)
      }
      return first.trimmingCharacters(in: .whitespaces)
    }
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    let first = lines.first ?? ""
    guard isMerge, first.hasPrefix("Merge ") else { return first }
    return lines.dropFirst().first { !$0.isEmpty && !$0.hasPrefix("See merge request") } ?? first
  }
}

enum BatchParser {
  struct Record {
    var oid: String
    var content: Range<Int>
  }

  /// Splits `git cat-file --batch` output: `<oid> <type> <size>\n<content>\n`, or `<oid> missing\n`.
  static func records(_ bytes: [UInt8]) -> [Record] {
    var out: [Record] = []
    var i = 0
    while i < bytes.count {
      guard let newline = bytes[i...].firstIndex(of: 10) else { break }
      let header = String(decoding: bytes[i..<newline], as: UTF8.self).split(separator: " ")
      i = newline + 1
      guard header.count == 3, let size = Int(header[2]) else { continue }
      let end = min(bytes.count, i + size)
      out.append(Record(oid: String(header[0]), content: i..<end))
      i = end + 1
    }
    return out
  }
}
