import ArgumentParser
import Foundation
import Hummingbird
import KaasaCore
import KaasaServer
import Logging

/// `kaasa feedback`: the endpoint residents' feedback is posted to, and the export officials read it with.
struct Feedback: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "feedback",
    abstract: "Receive residents' feedback from the plan pages, and export it.",
    subcommands: [Serve.self, Export.self])

  /// Says what went wrong on standard error and ends with exit code 1, without the usage text.
  static func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    return ExitCode.failure
  }

  struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "serve",
      abstract: "Run the endpoint that the feedback form on each open plan posts to.",
      discussion: """
        Reads plans.json and site.json from the built site (and again whenever a build replaces them), \
        checks each submission, stores it in the SQLite file and answers with a reference number. \
        Stored feedback is never served over HTTP: use 'kaasa feedback export'.
        """)

    @Option(help: ArgumentHelp("The built site folder (with plans.json and site.json).", valueName: "folder"))
    var site: String

    @Option(
      help: ArgumentHelp("The SQLite file to store feedback in; created if missing.", valueName: "file"))
    var db: String

    @Option(help: "The port to listen on.")
    var port: Int = 8080

    @Option(help: "The address to listen on; keep 127.0.0.1 behind a proxy on the same machine.")
    var host: String = "127.0.0.1"

    @Option(
      name: .customLong("allow-origin"),
      help: ArgumentHelp(
        "The site origin whose pages may post with JavaScript (CORS); default: the origin of baseURL.",
        valueName: "URL"))
    var allowOrigin: String?

    @Option(
      name: .customLong("rate-limit"),
      help: ArgumentHelp(
        "Posts allowed per minute from one client address; 0 turns the limit off.", valueName: "N"))
    var rateLimit: Int = 10

    @Flag(
      name: .customLong("trust-proxy"),
      help: "Count the rate limit against the last X-Forwarded-For address (only behind your own proxy).")
    var trustProxy = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
      guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
      guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 (off) or more") }
      guard Logger.Level(rawValue: logLevel) != nil else {
        throw ValidationError(
          "--log-level must be one of trace, debug, info, notice, warning, error, critical")
      }
      if let allowOrigin {
        guard let url = URL(string: allowOrigin), let scheme = url.scheme,
          ["http", "https"].contains(scheme),
          url.host != nil
        else { throw ValidationError("--allow-origin must be an address such as https://plaanid.example.ee") }
      }
    }

    func run() async throws {
      var logger = Logger(label: "kaasa.feedback")
      logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
      let configuration = FeedbackServerConfiguration(
        siteFolder: URL(fileURLWithPath: site, isDirectory: true), databasePath: db, host: host, port: port,
        allowOrigin: allowOrigin, rateLimit: rateLimit, trustProxy: trustProxy)
      do {
        let app = try FeedbackServer.makeApplication(configuration, logger: logger)
        // SIGTERM (systemd) and SIGINT (Ctrl-C) stop accepting, let requests in flight finish, then exit.
        try await app.runService()
      } catch {
        throw Feedback.fail("kaasa feedback serve: \(error)")
      }
    }
  }

  struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Write the stored feedback as CSV (for LibreOffice and Excel) or JSON.",
      discussion: """
        Reads only the database, so it works without the site. Times are shown in the site's time zone \
        (remembered by 'serve'; Europe/Tallinn if the server never ran). --since takes a day in that zone \
        and includes it.
        """)

    @Option(help: ArgumentHelp("The SQLite file the endpoint writes.", valueName: "file"))
    var db: String

    @Option(help: ArgumentHelp("Only feedback on this plan (its id).", valueName: "id"))
    var plan: String?

    @Option(
      help: ArgumentHelp(
        "Only feedback received on or after this day (YYYY-MM-DD, site time).", valueName: "date"))
    var since: String?

    @Option(help: "csv or json.")
    var format: String = "csv"

    @Option(
      name: .shortAndLong,
      help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Show times in this IANA zone instead of the site's.", valueName: "zone"))
    var timezone: String?

    @Flag(help: "Export what the honeypot caught instead, to check that no person was caught by mistake.")
    var spam = false

    func validate() throws {
      guard FeedbackExport.Format(rawValue: format) != nil else {
        throw ValidationError("--format must be csv or json, not '\(format)'")
      }
      if let since {
        guard case .day? = try? EventDate.parse(since) else {
          throw ValidationError(
            "--since must be a day written as YYYY-MM-DD, e.g. 2026-12-01, not '\(since)'")
        }
      }
      if let timezone, TimeZone(identifier: timezone) == nil {
        throw ValidationError(
          "--timezone '\(timezone)' is not a time zone; use a name such as Europe/Tallinn")
      }
    }

    func run() async throws {
      let store: FeedbackStore
      do {
        store = try FeedbackStore.openForExport(path: db)
      } catch {
        throw Feedback.fail("kaasa feedback export: \(error)")
      }
      let zone =
        try timezone.flatMap(TimeZone.init(identifier:)) ?? store.rememberedTimeZone()
        ?? TimeZone(identifier: "Europe/Tallinn")!
      var start: Date?
      if let since, case .day(let day)? = try? EventDate.parse(since) {
        start = day.start(in: zone)
      }
      let rows = try store.feedback(plan: plan, since: start, spam: spam)
      let data =
        FeedbackExport.Format(rawValue: format) == .json
        ? try FeedbackExport.json(rows, zone: zone) : FeedbackExport.csv(rows, zone: zone)
      if let output {
        try data.write(to: URL(fileURLWithPath: output), options: .atomic)
      } else {
        FileHandle.standardOutput.write(data)
      }
    }
  }
}
