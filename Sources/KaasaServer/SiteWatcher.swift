import Foundation
import Logging

/// Keeps the current `SiteCatalog`, reloading it when a rebuild replaces `site.json` or `plans.json`.
///
/// A build swaps the whole output folder by renaming it, so the path is resolved again on every check
/// and a file counts as changed when its inode, size or modification time differs.
public final class SiteWatcher: Sendable {
  private struct Stamp: Equatable {
    var inode: UInt64
    var size: UInt64
    var modified: Double
  }

  private struct State {
    var catalog: SiteCatalog
    var stamps: [Stamp?]
    var lastCheck: ContinuousClock.Instant
  }

  /// The built site folder, as given on the command line.
  public let folder: URL
  private let interval: Duration
  private let logger: Logger
  private let state: Locked<State>

  /// Loads the site now; fails when it cannot be read, so a wrong `--site` is noticed at start.
  public init(folder: URL, interval: Duration = .seconds(1), logger: Logger) throws(SiteCatalogError) {
    self.folder = folder
    self.interval = interval
    self.logger = logger
    let stamps = SiteWatcher.stamps(folder)
    let catalog = try SiteCatalog.load(from: folder)
    state = Locked(State(catalog: catalog, stamps: stamps, lastCheck: .now))
  }

  /// The catalog to answer with; reloads first when a check is due and the files changed.
  public func current() -> SiteCatalog {
    let now = ContinuousClock.now
    let due: Bool = state.withLock { s in
      guard now - s.lastCheck >= interval else { return false }
      s.lastCheck = now
      return true
    }
    if due { reloadIfChanged() }
    return state.withLock { $0.catalog }
  }

  /// Checks the files now, whatever the interval.
  public func reloadIfChanged() {
    let stamps = SiteWatcher.stamps(folder)
    let changed = state.withLock { $0.stamps != stamps }
    guard changed else { return }
    do {
      let catalog = try SiteCatalog.load(from: folder)
      state.withLock {
        $0.catalog = catalog
        $0.stamps = stamps
      }
      logger.info("reloaded the site", metadata: ["plans": "\(catalog.plans.count)"])
    } catch {
      // Half-swapped or broken output: keep answering with what we had, and try again at the next check.
      logger.warning("kept the previous plans: \(error)")
    }
  }

  private static func stamps(_ folder: URL) -> [Stamp?] {
    ["site.json", "plans.json"].map { name in
      var info = stat()
      guard stat(folder.appendingPathComponent(name).path, &info) == 0 else { return nil }
      #if canImport(Darwin)
        let time = info.st_mtimespec
      #else
        let time = info.st_mtim
      #endif
      return Stamp(
        inode: UInt64(info.st_ino), size: UInt64(info.st_size),
        modified: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9)
    }
  }
}
