import Foundation
import Hummingbird
import Logging

/// How `kaasa feedback serve` runs.
public struct FeedbackServerConfiguration: Sendable {
  /// The built site folder with `site.json` and `plans.json`.
  public var siteFolder: URL
  /// The SQLite file; created if missing.
  public var databasePath: String
  public var host: String
  public var port: Int
  /// The one origin allowed by CORS; nil means the origin of the site's `baseURL`.
  public var allowOrigin: String?
  /// Posts per minute from one client address; 0 turns the limit off.
  public var rateLimit: Int
  /// Take the client address from the last `X-Forwarded-For` entry (only behind a proxy that sets it).
  public var trustProxy: Bool
  /// Bodies larger than this are refused with 413.
  public var maximumBodyBytes: Int
  /// How often at most the site files are looked at for a rebuild.
  public var reloadInterval: Duration
  /// The time used to decide whether a window is open and to date submissions.
  public var clock: @Sendable () -> Date

  public init(
    siteFolder: URL, databasePath: String, host: String = "127.0.0.1", port: Int = 8080,
    allowOrigin: String? = nil, rateLimit: Int = 10, trustProxy: Bool = false,
    maximumBodyBytes: Int = 32 * 1024, reloadInterval: Duration = .seconds(1),
    clock: @escaping @Sendable () -> Date = Date.init
  ) {
    self.siteFolder = siteFolder
    self.databasePath = databasePath
    self.host = host
    self.port = port
    self.allowOrigin = allowOrigin
    self.rateLimit = rateLimit
    self.trustProxy = trustProxy
    self.maximumBodyBytes = maximumBodyBytes
    self.reloadInterval = reloadInterval
    self.clock = clock
  }
}

/// Builds the feedback endpoint as a Hummingbird application.
public enum FeedbackServer {
  /// Opens the site and the database (so a wrong path fails at start, not at the first resident) and
  /// returns the application; run it with `runService()` or test it with HummingbirdTesting.
  public static func makeApplication(
    _ configuration: FeedbackServerConfiguration, logger: Logger = Logger(label: "kaasa.feedback")
  ) throws -> some ApplicationProtocol {
    let watcher = try SiteWatcher(
      folder: configuration.siteFolder, interval: configuration.reloadInterval, logger: logger)
    let store = try FeedbackStore(path: configuration.databasePath)
    try store.rememberTimeZone(watcher.current().site.timeZone)
    let responder = FeedbackResponder(
      watcher: watcher, store: store, limiter: RateLimiter(perMinute: configuration.rateLimit),
      configuration: configuration, logger: logger)
    return Application(
      responder: responder,
      configuration: .init(
        address: .hostname(configuration.host, port: configuration.port), serverName: nil),
      logger: logger)
  }
}

/// The request context: what Hummingbird gives every request, plus the peer address for the rate limit.
public struct FeedbackRequestContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  /// The address of the connection's other end; held only for the rate limit, never stored.
  public let peerAddress: String?

  public init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    peerAddress = source.channel.remoteAddress?.ipAddress
  }
}
