import Foundation
import Hummingbird
import KaasaCore
import Logging
import ServiceLifecycle

/// Settings of `kaasa serve`: which site, where to build it, where to listen and how to build.
public struct DevServerConfiguration: Sendable {
  public var siteDirectory: URL
  /// Where the served copy is built; never the production output folder.
  public var buildDirectory: URL
  public var host: String
  /// 0 picks a free port (tests); the bound port is reported through `onListening`.
  public var port: Int
  /// The `--now` text; without it each build takes SOURCE_DATE_EPOCH or the clock at that moment.
  public var now: String?
  public var includeDrafts: Bool
  /// How often content/ and themes/ are compared with the last snapshot.
  public var pollInterval: Duration
  /// How long the files must stay unchanged before a rebuild, so a save of several files builds once.
  public var debounce: Duration
  /// How long the site must rest after a build before the caches kept in memory are written to
  /// disk, so that the next `kaasa serve` or `kaasa build` starts warm; they are written at stop too.
  /// Writing them after every build (130 MB at 10,000 plans) took a fifth of the server's CPU while
  /// an official was editing, and delayed a rebuild that followed closely.
  public var cacheWriteDelay: Duration
  public var environment: [String: String]

  public init(
    siteDirectory: URL, buildDirectory: URL? = nil, host: String = "127.0.0.1", port: Int = 1313,
    now: String? = nil, includeDrafts: Bool = false, pollInterval: Duration = .milliseconds(400),
    debounce: Duration = .milliseconds(200), cacheWriteDelay: Duration = .seconds(5),
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.siteDirectory = siteDirectory.standardizedFileURL
    self.buildDirectory =
      buildDirectory?.standardizedFileURL
      ?? siteDirectory.standardizedFileURL.appendingPathComponent(".kaasa-serve", isDirectory: true)
    self.host = host
    self.port = port
    self.now = now
    self.includeDrafts = includeDrafts
    self.pollInterval = pollInterval
    self.debounce = debounce
    self.cacheWriteDelay = cacheWriteDelay
    self.environment = environment
  }

  /// The address pages link to while served: feeds and canonical links point at this server.
  func baseURL(port: Int) -> URL {
    var host = host
    if host == "0.0.0.0" || host == "::" || host.isEmpty { host = "localhost" }
    if host.contains(":") { host = "[\(host)]" }
    return URL(string: "http://\(host):\(port)/")!
  }
}

/// The development server: builds the site into a folder of its own, serves it, rebuilds when
/// content/ or themes/ change and tells open pages to reload.
public struct DevServer: Sendable {
  public var configuration: DevServerConfiguration
  let builds: DevSiteBuilds
  let events: DevReloadEvents

  /// `onBuild` is called after every build (the tool prints it); `onListening` once the port is bound.
  public init(
    configuration: DevServerConfiguration,
    onBuild: @escaping @Sendable (DevBuildResult) -> Void = { _ in }
  ) {
    self.configuration = configuration
    let events = DevReloadEvents()
    self.events = events
    self.builds = DevSiteBuilds(configuration: configuration, events: events, onBuild: onBuild)
  }

  /// The Hummingbird application: the file responder, and the watcher as a service beside the server.
  public func makeApplication(
    logger: Logger = DevServer.quietLogger,
    onListening: @escaping @Sendable (URL) async -> Void = { _ in }
  ) -> some ApplicationProtocol {
    let builds = self.builds
    let configuration = self.configuration
    let watcher = DevSiteWatcher(configuration: configuration, builds: builds, events: events, logger: logger)
    return Application(
      responder: DevServerResponder(
        builds: builds, events: events, buildDirectory: configuration.buildDirectory),
      configuration: ApplicationConfiguration(
        address: .hostname(configuration.host, port: configuration.port), serverName: "kaasa serve"),
      services: [watcher],
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? configuration.port
        let url = configuration.baseURL(port: port)
        builds.listening(at: url)
        await onListening(url)
      },
      logger: logger)
  }

  /// Runs until SIGINT or SIGTERM, then stops accepting, ends the reload streams and returns.
  public func run(
    logger: Logger = DevServer.quietLogger, onListening: @escaping @Sendable (URL) async -> Void = { _ in }
  ) async throws {
    let app = makeApplication(logger: logger, onListening: onListening)
    let group = ServiceGroup(
      configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
  }

  /// Hummingbird logs every start and request at info; the tool prints its own lines instead.
  public static var quietLogger: Logger {
    var logger = Logger(label: "kaasa.serve")
    logger.logLevel = .warning
    return logger
  }
}
