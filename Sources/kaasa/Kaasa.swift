import ArgumentParser
import Foundation
import KaasaCore
import KaasaSite

/// Every command names itself in its configuration: otherwise its name is derived from the type's
/// name by reflection, which searched the binary's protocol conformances at every start.
@main
struct Kaasa: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kaasa",
    abstract:
      "Publish municipal plans before decisions: check content, build the site, serve and receive feedback.",
    version: "1.0.0",
    subcommands: [Check.self, Build.self, Serve.self, New.self, Feedback.self])

  /// Usage errors exit with 2 (ArgumentParser's default is 64), so CI can tell them from content errors.
  static func main() async {
    do {
      var command = try parseAsRoot()
      if var async = command as? AsyncParsableCommand {
        try await async.run()
      } else {
        try command.run()
      }
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(2)
      }
      exit(withError: error)
    }
  }
}

/// Options shared by every command that reads a site.
struct SiteOptions: ParsableArguments {
  @Option(name: .long, help: "The site folder, holding content/ and themes/.")
  var site: String = "."

  var siteURL: URL { URL(fileURLWithPath: site, isDirectory: true).standardizedFileURL }
}

func printError(_ text: String) {
  FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Report every problem in the content, each as path:line:column: severity: message.",
    discussion: """
      Exits 0 when there are no errors (warnings allowed), 1 with errors, 2 for a usage error.
      Plan files unchanged since the last check or build are not parsed again (SITE/.kaasa-cache).
      """)

  @OptionGroup var siteOptions: SiteOptions

  @Option(
    help:
      "text, json (an array), github (GitHub Actions annotations) or gitlab (a GitLab code quality report).")
  var format: Format = .text

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json, github, gitlab
    var diagnosticFormat: DiagnosticFormat { DiagnosticFormat(rawValue: rawValue)! }
  }

  func run() throws {
    let start = Date()
    // The build's parse cache: plan files unchanged since the last build or check are not parsed
    // again, nor read when their stamps say so.
    let parseFile = ParseCache.file(in: siteOptions.siteURL.appendingPathComponent(".kaasa-cache"))
    let previous = ParseCache.load(from: parseFile) ?? ParseCache()
    // Written while the content is checked, and waited for before the report.
    var saved: BackgroundResult<Void>?
    let result = ContentLoader(
      siteDirectory: siteOptions.siteURL, parseCache: previous, trustsFileStamps: true, dropsBodies: true
    )
    .load {
      parsed, changed in
      if changed { saved = BackgroundResult { parsed.save(to: parseFile) } }
    }
    saved?.wait()
    // Freeing 10,000 plans one by one took longer than writing the report.
    ExitBin.keep(result)
    let rendered = format.diagnosticFormat.render(result.diagnostics, pathPrefix: siteOptions.site)
    FileHandle.standardOutput.write(Data(rendered.utf8))
    let d = result.diagnostics
    if format == .text {
      let plans = result.site?.plans.count ?? 0
      printError(
        "checked \(plans) plans in \(String(format: "%.2f", Date().timeIntervalSince(start))) s: \(d.errorCount) errors, \(d.warningCount) warnings"
      )
    }
    if d.hasErrors { throw ExitCode(1) }
  }
}

struct Build: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "build",
    abstract: "Check the content, then write the whole site to the output folder.",
    discussion: """
      A build with errors writes nothing and leaves the previous output as it was.
      "Now" is --now, else SOURCE_DATE_EPOCH, else the clock; the same content and now give identical files.
      In a git repository, plan pages list their changes and calendars count them (SITE/.kaasa-cache keeps \
      what was read); without git, or in a shallow clone, the build says once what it could not know.
      Builds are incremental: SITE/.kaasa-cache also remembers what each plan and area rendered to, and \
      only what changed since the last build into the same output is rendered again. The result is the \
      same as a clean build's; --clean ignores the cache.
      """)

  @OptionGroup var siteOptions: SiteOptions

  @Option(help: "Where to write the site (default: SITE/output).")
  var output: String?

  @Option(help: "The moment to build for: 2026-12-01, 2026-12-01T18:00 (site time zone) or with an offset.")
  var now: String?

  @Flag(help: "Include plans marked draft: true.")
  var drafts = false

  @Option(name: .customLong("base-url"), help: "Publish under another address than site.yml's baseURL.")
  var baseURL: String?

  @Flag(help: "Render everything, ignoring what the build cache remembers from the last build.")
  var clean = false

  @Flag(name: .shortAndLong, help: "Print nothing but errors.")
  var quiet = false

  @Flag(name: .shortAndLong, help: "List every file written.")
  var verbose = false

  func validate() throws {
    if let baseURL {
      guard let u = URL(string: baseURL), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
        throw ValidationError(
          "--base-url must be an absolute http(s) address such as https://plaanid.example.ee/")
      }
    }
  }

  func run() throws {
    let start = Date()
    let outputURL =
      output.map { URL(fileURLWithPath: $0, isDirectory: true) }
      ?? siteOptions.siteURL.appendingPathComponent("output", isDirectory: true)
    var base: URL?
    if let baseURL { base = URL(string: baseURL.hasSuffix("/") ? baseURL : baseURL + "/") }
    let siteURL = siteOptions.siteURL
    // Git reads the history while the content loads; the cache keeps what it read for the next build.
    let cacheFolder = siteURL.appendingPathComponent(".kaasa-cache", isDirectory: true)
    let history = GitHistory.start(siteDirectory: siteURL, cache: cacheFolder)
    var builder = Builder(
      siteDirectory: siteURL, output: outputURL, includeDrafts: drafts, baseURLOverride: base,
      history: { history.history(for: $0) }, cacheFolder: cacheFolder, clean: clean)
    builder.leavesMemoryToExit = true
    let nowOption = now
    let report: Builder.Report
    do {
      report = try builder.build { zone in
        try Now.resolve(option: nowOption, environment: ProcessInfo.processInfo.environment, zone: zone)
      }
    } catch let error as NowError {
      throw ValidationError(error.description)
    } catch {
      printError("error: \(error)")
      printError("build stopped; \(outputURL.path) was left as it was")
      throw ExitCode(1)
    }
    let diagnostics = report.diagnostics
    if !diagnostics.isEmpty {
      let shown = quiet ? diagnostics.filter { $0.severity == .error } : diagnostics
      printError(DiagnosticFormat.text.render(shown, pathPrefix: siteOptions.site))
    }
    guard report.succeeded else {
      printError("build stopped: \(diagnostics.errorCount) errors; \(outputURL.path) was left as it was")
      throw ExitCode(1)
    }
    if !quiet { for note in report.notes { printError("note: \(note)") } }
    if verbose {
      for f in report.files { print(f.path) }
      print(
        report.phases.map {
          "\($0.name) \(String(format: "%.2f", $0.seconds)) s (peak \($0.peakMemory >> 20) MiB)"
        }.joined(separator: ", "))
    }
    if !quiet {
      let seconds = String(format: "%.2f", Date().timeIntervalSince(start))
      let git = history.seconds.map { String(format: ", git history read in %.2f s alongside", $0) } ?? ""
      let reused =
        report.reusedPlans + report.reusedAreas > 0
        ? "; \(report.reusedPlans) plans and \(report.reusedAreas) areas and lists unchanged since the last build"
        : ""
      print(
        "built \(report.pages) pages, \(report.feeds) feeds and calendars (\(report.files.count) files) in \(seconds) s\(git) → \(output ?? "output/")\(reused)"
      )
    }
  }
}
