import Foundation
import KaasaCore
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
  var files: [String: FileStamp]
  /// The folders walked (site-relative), for change notifications; not part of equality.
  var folders: [String] = []

  static func == (a: DevSiteSnapshot, b: DevSiteSnapshot) -> Bool { a.files == b.files }

  /// Walks content/ and themes/ with plain system calls: this runs several times a second, and
  /// FileManager's enumerator cost more than the build of a small edit on a site of many plans.
  static func take(_ siteDirectory: URL) -> DevSiteSnapshot {
    var files: [String: FileStamp] = [:]
    var folders: [String] = []
    let site = siteDirectory.path
    var queue = ["content", "themes"]
    while let rel = queue.popLast() {
      guard let dir = opendir(site + "/" + rel) else { continue }
      defer { closedir(dir) }
      folders.append(rel)
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
          files[path] = FileStamp(st)
        }
      }
    }
    return DevSiteSnapshot(files: files, folders: folders)
  }
}

/// Tells, without waiting, whether anything happened in the watched folders since it was last asked
/// (Linux inotify). Only a hint to look sooner: the snapshot still decides what changed, and a
/// folder that could not be watched is still found by the regular look.
final class FolderEvents: @unchecked Sendable {
  #if canImport(Glibc)
    private let fd: Int32
    private var watched: Set<String> = []

    init?() {
      fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
      guard fd >= 0 else { return nil }
    }

    deinit { close(fd) }

    /// Watches the folders not watched yet (new ones appear in every snapshot).
    func watch(_ folders: [String], in site: URL) {
      let mask = UInt32(
        IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB
          | IN_DELETE_SELF | IN_MOVE_SELF)
      for folder in folders where !watched.contains(folder) {
        if inotify_add_watch(fd, site.path + "/" + folder, mask) >= 0 { watched.insert(folder) }
      }
    }

    /// Forgets the folders that are gone (their watches went with them), so that a folder made
    /// again under the same name is watched again.
    func reset(_ folders: [String], in site: URL) {
      watched.formIntersection(folders)
    }

    /// True when events arrived since the last call; reads them all.
    func drain() -> Bool {
      var any = false
      var buffer = [UInt8](repeating: 0, count: 64 * 1024)
      while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return any }
        any = true
      }
    }
  #else
    init?() { return nil }
    func watch(_ folders: [String], in site: URL) {}
    func reset(_ folders: [String], in site: URL) {}
    func drain() -> Bool { false }
  #endif
}

/// Builds once the server listens, then watches the site and rebuilds after a change has settled.
///
/// With inotify it looks at the site as soon as a watched folder reports an event (checked every
/// 50 ms, a read that returns at once) and otherwise every few seconds; without, every
/// `pollInterval`. Walking 10,000 files every 0.4 s cost a server at rest most of a tenth of a core.
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
    await builds.writeCaches()
  }

  private func watch(_ site: URL) async throws {
    try await cancelWhenGracefulShutdown {
      let events = FolderEvents()
      var snapshot = DevSiteSnapshot.take(site)
      events?.watch(snapshot.folders, in: site)
      await builds.build()
      // The caches of the last build go to disk once the site has rested for a while.
      var built: ContinuousClock.Instant? = .now
      func writeCachesIfRested() async {
        guard let at = built, ContinuousClock.now - at >= configuration.cacheWriteDelay else { return }
        await builds.writeCaches()
        built = nil
      }
      // With events, the site is still walked now and then, in case a notification was missed.
      let fallback = max(configuration.pollInterval, .seconds(3))
      let tick = Duration.milliseconds(50)
      while !Task.isCancelled {
        if let events {
          var waited = Duration.zero
          while waited < fallback, !events.drain() {
            await writeCachesIfRested()
            try await Task.sleep(for: tick)
            waited += tick
          }
        } else {
          await writeCachesIfRested()
          try await Task.sleep(for: configuration.pollInterval)
        }
        var next = DevSiteSnapshot.take(site)
        events?.reset(next.folders, in: site)
        events?.watch(next.folders, in: site)
        guard next != snapshot else { continue }
        // Wait until the files stop changing: a save of several files, or a git checkout, builds once.
        while true {
          try await Task.sleep(for: configuration.debounce)
          let again = DevSiteSnapshot.take(site)
          events?.watch(again.folders, in: site)
          if again == next { break }
          next = again
        }
        // Events that came meanwhile are left for the next round: at worst one walk that finds nothing.
        snapshot = next
        await builds.build()
        built = .now
      }
    }
  }
}
