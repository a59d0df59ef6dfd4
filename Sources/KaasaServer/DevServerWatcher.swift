import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Paths, sizes and change times of the files under content/ and themes/: cheap to take every few
/// hundred milliseconds, and portable where inotify is not.
struct DevSiteSnapshot: Equatable, Sendable {
  struct Stamp: Equatable, Sendable {
    var size: Int64
    var modified: Int64
    var changed: Int64
    var inode: UInt64

    init(_ st: stat) {
      size = Int64(st.st_size)
      inode = UInt64(st.st_ino)
      #if canImport(Darwin)
        modified = Self.nanoseconds(st.st_mtimespec)
        changed = Self.nanoseconds(st.st_ctimespec)
      #else
        modified = Self.nanoseconds(st.st_mtim)
        changed = Self.nanoseconds(st.st_ctim)
      #endif
    }

    static func nanoseconds(_ t: timespec) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec) }
  }

  var files: [String: Stamp]

  /// Walks content/ and themes/ with plain system calls: this runs several times a second, and
  /// FileManager's enumerator cost more than the build of a small edit on a site of many plans.
  static func take(_ siteDirectory: URL) -> DevSiteSnapshot {
    var files: [String: Stamp] = [:]
    let site = siteDirectory.path
    var queue = ["content", "themes"]
    while let rel = queue.popLast() {
      guard let dir = opendir(site + "/" + rel) else { continue }
      defer { closedir(dir) }
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        // Editors keep swap and backup files hidden; the build skips hidden files too.
        if name.hasPrefix(".") { continue }
        let path = rel + "/" + name
        var st = stat()
        guard lstat(site + "/" + path, &st) == 0 else { continue }
        if (st.st_mode & S_IFMT) == S_IFDIR {
          queue.append(path)
        } else {
          files[path] = Stamp(st)
        }
      }
    }
    return DevSiteSnapshot(files: files)
  }
}

/// Builds once the server listens, then polls the site and rebuilds after a change has settled.
struct DevSiteWatcher: Service {
  let configuration: DevServerConfiguration
  let builds: DevSiteBuilds
  let events: DevReloadEvents
  let logger: Logger

  func run() async throws {
    let site = configuration.siteDirectory
    defer { events.finish() }
    do {
      try await watch(site)
    } catch is CancellationError {
      // Graceful shutdown or cancellation: the server stops, nothing went wrong.
    }
  }

  private func watch(_ site: URL) async throws {
    try await cancelWhenGracefulShutdown {
      var snapshot = DevSiteSnapshot.take(site)
      await builds.build()
      while !Task.isCancelled {
        try await Task.sleep(for: configuration.pollInterval)
        var next = DevSiteSnapshot.take(site)
        guard next != snapshot else { continue }
        // Wait until the files stop changing: a save of several files, or a git checkout, builds once.
        while true {
          try await Task.sleep(for: configuration.debounce)
          let again = DevSiteSnapshot.take(site)
          if again == next { break }
          next = again
        }
        snapshot = next
        await builds.build()
      }
    }
  }
}
