import Foundation
import KaasaCore
import KaasaSite
import Synchronization

/// What one build of the served site gave: its diagnostics, or why it stopped, and how long it took.
public struct DevBuildResult: Sendable {
  /// Counts every build, failed ones too; a page reloads when the number it was served with changes.
  public var generation: Int
  /// Errors and warnings of the content, relative to the site folder.
  public var diagnostics: [Diagnostic]
  /// A build that stopped for another reason than the content (a broken template, the disk).
  public var failure: String?
  public var files: Int
  public var seconds: Double

  public var succeeded: Bool { failure == nil && !diagnostics.hasErrors }
}

/// Runs the builds of the served site one at a time and remembers the latest outcome.
final class DevSiteBuilds: Sendable {
  private struct State {
    var baseURL: URL?
    var latest: DevBuildResult?
    var generation = 0
    var building = false
    var listeners: [CheckedContinuation<URL, Never>] = []
    var firstBuildWaiters: [CheckedContinuation<Void, Never>] = []
    var buildWaiters: [CheckedContinuation<Void, Never>] = []
  }

  let configuration: DevServerConfiguration
  private let events: DevReloadEvents
  private let onBuild: @Sendable (DevBuildResult) -> Void
  private let state = Mutex(State())
  /// The parse and build caches, kept between builds; written to disk when the site rests.
  private let memory = BuildMemory()

  init(
    configuration: DevServerConfiguration, events: DevReloadEvents,
    onBuild: @escaping @Sendable (DevBuildResult) -> Void
  ) {
    self.configuration = configuration
    self.events = events
    self.onBuild = onBuild
  }

  var latest: DevBuildResult? { state.withLock { $0.latest } }
  var isBuilding: Bool { state.withLock { $0.building } }

  /// Called once the server is bound, so links can name the real port.
  func listening(at url: URL) {
    let waiting = state.withLock { s in
      s.baseURL = url
      defer { s.listeners = [] }
      return s.listeners
    }
    for c in waiting { c.resume(returning: url) }
  }

  func baseURL() async -> URL {
    await withCheckedContinuation { c in
      let known = state.withLock { s -> URL? in
        if let url = s.baseURL { return url }
        s.listeners.append(c)
        return nil
      }
      if let known { c.resume(returning: known) }
    }
  }

  /// Returns at once when a build has finished; otherwise after the first one.
  func waitForFirstBuild() async {
    await withCheckedContinuation { c in
      let done = state.withLock { s -> Bool in
        if s.latest != nil { return true }
        s.firstBuildWaiters.append(c)
        return false
      }
      if done { c.resume() }
    }
  }

  /// Returns when no build is running, so a request never reads the output while it is being swapped.
  func waitUntilIdle() async {
    await withCheckedContinuation { c in
      let idle = state.withLock { s -> Bool in
        if !s.building { return true }
        s.buildWaiters.append(c)
        return false
      }
      if idle { c.resume() }
    }
  }

  /// Builds the site into the build folder (off the cooperative pool: the build is CPU-bound and
  /// uses every core), records the outcome and tells open pages.
  @discardableResult
  func build() async -> DevBuildResult {
    let baseURL = await baseURL()
    state.withLock { $0.building = true }
    let configuration = configuration
    let (diagnostics, failure, files, seconds) = await withCheckedContinuation { c in
      DispatchQueue.global(qos: .userInitiated).async { [memory] in
        c.resume(returning: Self.runBuild(configuration, baseURL: baseURL, memory: memory))
      }
    }
    let (result, waiters) = state.withLock { s in
      s.generation += 1
      let result = DevBuildResult(
        generation: s.generation, diagnostics: diagnostics, failure: failure, files: files, seconds: seconds)
      s.latest = result
      s.building = false
      let waiters = s.firstBuildWaiters + s.buildWaiters
      s.firstBuildWaiters = []
      s.buildWaiters = []
      return (result, waiters)
    }
    for c in waiters { c.resume() }
    onBuild(result)
    events.publish(result.generation)
    return result
  }

  /// Writes what the builds kept in memory to the site's cache folder (off the cooperative pool),
  /// so the next process starts warm. The watcher calls it between builds, never during one.
  func writeCaches() async {
    await withCheckedContinuation { c in
      DispatchQueue.global(qos: .utility).async { [memory] in
        memory.flush()
        c.resume()
      }
    }
  }

  private static func runBuild(
    _ configuration: DevServerConfiguration, baseURL: URL, memory: BuildMemory
  ) -> (diagnostics: [Diagnostic], failure: String?, files: Int, seconds: Double) {
    let start = Date()
    let builder = Builder(
      siteDirectory: configuration.siteDirectory, output: configuration.buildDirectory,
      includeDrafts: configuration.includeDrafts, baseURLOverride: baseURL,
      cacheFolder: configuration.siteDirectory.appendingPathComponent(".kaasa-cache", isDirectory: true),
      memory: memory)
    do {
      let report = try builder.build { zone in
        try Now.resolve(option: configuration.now, environment: configuration.environment, zone: zone)
      }
      return (report.diagnostics, nil, report.files.count, Date().timeIntervalSince(start))
    } catch {
      return ([], "\(error)", 0, Date().timeIntervalSince(start))
    }
  }
}
