import ArgumentParser
import Foundation
import KaasaCore
import KaasaServer

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract:
      "Build the site into a folder of its own, serve it, and rebuild and reload pages on every change.",
    discussion: """
      Watches content/ and themes/. A content error does not stop the server: pages show the errors \
      until the file is fixed. The production output folder is never touched. Ctrl-C stops the server.
      """)

  @OptionGroup var siteOptions: SiteOptions

  @Option(help: "The port to listen on (0 picks a free one).")
  var port: Int = 1313

  @Option(help: "The address to listen on; 0.0.0.0 makes the site reachable from other machines.")
  var host: String = "127.0.0.1"

  @Option(help: "The moment to build for, as in kaasa build; without it every build takes the clock.")
  var now: String?

  @Flag(help: "Include plans marked draft: true.")
  var drafts = false

  @Option(
    name: .customLong("build-dir"), help: "Where to build the served copy (default: SITE/.kaasa-serve).")
  var buildDirectory: String?

  func validate() throws {
    guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    if let now {
      do {
        _ = try Now.resolve(option: now, environment: [:], zone: TimeZone(identifier: "UTC")!)
      } catch {
        throw ValidationError(error.description)
      }
    }
  }

  func run() async throws {
    let site = siteOptions.siteURL
    let configuration = DevServerConfiguration(
      siteDirectory: site,
      buildDirectory: buildDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) },
      host: host, port: port, now: now, includeDrafts: drafts)
    let prefix = siteOptions.site
    let server = DevServer(configuration: configuration) { result in
      let seconds = String(format: "%.2f", result.seconds)
      if !result.diagnostics.isEmpty {
        printError(DiagnosticFormat.text.render(result.diagnostics, pathPrefix: prefix))
      }
      if result.succeeded {
        let warnings = result.diagnostics.warningCount
        Self.say(
          "built \(result.files) files in \(seconds) s\(warnings > 0 ? " (\(warnings) warnings)" : "")")
      } else {
        if let failure = result.failure { printError("error: \(failure)") }
        printError("build failed in \(seconds) s: pages show the errors until the files are fixed")
      }
    }
    try await server.run { url in
      Self.say(
        "serving \(site.path) at \(url) (built into \(configuration.buildDirectory.path)); Ctrl-C stops")
    }
    Self.say("stopped")
  }

  /// Unbuffered, so the lines appear as they happen even when the output goes to a pipe or a file.
  private static func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
  }
}
