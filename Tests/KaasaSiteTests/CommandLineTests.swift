import Foundation
import Testing

@testable import KaasaCore
@testable import KaasaSite

/// The kaasa executable that `swift build` and `swift test` put beside the test bundle.
let kaasaExecutable: URL? = {
  var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for _ in 0..<4 {
    let candidate = dir.appendingPathComponent("kaasa")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    dir = dir.deletingLastPathComponent()
  }
  let fallback = repositoryRoot.appendingPathComponent(".build/debug/kaasa")
  return FileManager.default.isExecutableFile(atPath: fallback.path) ? fallback : nil
}()

struct ShellResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs a command line with bash in `directory`, with kaasa first on the PATH.
func shell(_ line: String, in directory: URL, environment: [String: String] = [:]) throws -> ShellResult {
  let kaasa = try #require(kaasaExecutable, "build the kaasa executable first (swift build)")
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/bin/bash")
  p.arguments = ["-c", line]
  p.currentDirectoryURL = directory
  var env = ProcessInfo.processInfo.environment
  env["PATH"] = kaasa.deletingLastPathComponent().path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
  for (k, v) in environment { env[k] = v }
  p.environment = env
  let out = Pipe()
  let err = Pipe()
  p.standardOutput = out
  p.standardError = err
  try p.run()
  let o = out.fileHandleForReading.readDataToEndOfFile()
  let e = err.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  return ShellResult(
    status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
    stderr: String(decoding: e, as: UTF8.self))
}

/// The lines of shell scripts that call kaasa, with backslash continuations joined.
func kaasaCommands(_ script: String) -> [String] {
  var lines: [String] = []
  var pending = ""
  for raw in script.split(separator: "\n", omittingEmptySubsequences: false) {
    var line = raw.trimmingCharacters(in: .whitespaces)
    if line.hasSuffix("\\") {
      line.removeLast()
      pending += line + " "
      continue
    }
    lines.append(pending + line)
    pending = ""
  }
  return lines.filter { $0 == "kaasa" || $0.hasPrefix("kaasa ") }
}

extension YAMLNode {
  /// The value under a key of a mapping, compared as written (so `on:` stays a key, not a boolean).
  func value(_ key: String) -> YAMLNode? { self[key] }

  var items: [YAMLNode] {
    if case .sequence(let s, _) = self { return s }
    return []
  }

  var pairs: [(key: String, value: YAMLNode)] {
    guard case .mapping(let m, _) = self else { return [] }
    return m.map { ($0.key.string ?? "", $0.value) }
  }
}

@Suite("The kaasa command line and the example CI files")
struct CommandLineTests {
  static let github = repositoryRoot.appendingPathComponent("examples/.github/workflows/kaasa.yml")
  static let gitlab = repositoryRoot.appendingPathComponent("examples/.gitlab-ci.yml")

  static func yaml(_ url: URL) throws -> YAMLNode {
    try #require(try YAMLNode.parse(String(contentsOf: url, encoding: .utf8)))
  }

  /// Every `run:` of every step.
  static func githubScripts() throws -> [String] {
    try yaml(github).value("jobs")!.pairs.flatMap { job in
      (job.value.value("steps")?.items ?? []).compactMap { $0.value("run")?.string }
    }
  }

  /// Every script line of every job and of `default`.
  static func gitlabScripts() throws -> [String] {
    try yaml(gitlab).pairs.flatMap { entry -> [String] in
      ["before_script", "script", "after_script"].flatMap { key -> [String] in
        guard let v = entry.value.value(key) else { return [] }
        return v.items.isEmpty ? [v.string ?? ""] : v.items.compactMap(\.string)
      }
    }
  }

  @Test func githubWorkflowDoesWhatREADMESays() throws {
    let root = try Self.yaml(Self.github)
    let on = try #require(root.value("on"))
    #expect(on.value("push") != nil)
    #expect(on.value("pull_request") != nil)
    let cron = on.value("schedule")?.items.first?.value("cron")?.string
    #expect(cron?.split(separator: " ").count == 5, "a daily schedule")
    let steps = root.value("jobs")!.pairs.flatMap { $0.value.value("steps")?.items ?? [] }
    let checkout = try #require(
      steps.first { $0.value("uses")?.string?.hasPrefix("actions/checkout@") == true })
    #expect(checkout.value("with")?.value("fetch-depth")?.string == "0", "the whole history")
    #expect(steps.contains { $0.value("uses")?.string?.hasPrefix("actions/deploy-pages@") == true })
    #expect(steps.contains { $0.value("uses")?.string?.hasPrefix("actions/upload-pages-artifact@") == true })
    let commands = try Self.githubScripts().flatMap(kaasaCommands)
    #expect(commands.contains("kaasa check --format github"))
    #expect(commands.contains { $0.hasPrefix("kaasa build") })
  }

  @Test func gitlabPipelineDoesWhatREADMESays() throws {
    let root = try Self.yaml(Self.gitlab)
    #expect(root.value("variables")?.value("GIT_DEPTH")?.string == "0", "the whole history")
    let pages = try #require(root.value("pages"))
    #expect(pages.value("artifacts")?.value("paths")?.items.map(\.string) == ["public"])
    #expect(
      pages.value("script")?.items.contains { $0.string?.hasPrefix("kaasa build --output public") == true }
        == true)
    let check = try #require(root.value("check"))
    #expect(
      check.value("artifacts")?.value("reports")?.value("codequality")?.string
        == "gl-code-quality-report.json")
    let commands = try Self.gitlabScripts().flatMap(kaasaCommands)
    #expect(commands.contains("kaasa check"))
    #expect(commands.contains { $0.hasPrefix("kaasa check --format gitlab") })
  }

  /// Runs every kaasa command of both files, as written, on a small valid site: a misspelt command
  /// or option fails here rather than in an official's first pipeline.
  @Test(arguments: ["github", "gitlab"])
  func everyKaasaCommandInTheExamplesRuns(_ which: String) throws {
    let commands = try (which == "github" ? Self.githubScripts() : Self.gitlabScripts()).flatMap(
      kaasaCommands)
    #expect(commands.count >= 2)
    let site = try SiteFixture(plans: ["tee": SiteFixture.plan(title: "Tee")])
    defer { site.remove() }
    for command in commands {
      // GitHub's expressions become an address; `|| true` goes, so the command's own status counts.
      var line = command.replacingOccurrences(
        of: #"\$\{\{[^}]*\}\}"#, with: "https://vald.github.io/plaanid", options: .regularExpression)
      line = line.replacingOccurrences(of: "|| true", with: "")
      let result = try shell(
        line, in: site.root,
        environment: [
          "PAGES_URL": "https://vald.github.io/plaanid", "CI_PAGES_URL": "https://vald.gitlab.io/plaanid",
          "CI_PROJECT_DIR": site.root.path,
        ])
      #expect(result.status == 0, "\(which): `\(command)` failed: \(result.stderr)")
    }
    // The same runner notices a command that does not exist.
    #expect(try shell("kaasa chek", in: site.root).status != 0)
    #expect(try shell("kaasa check --formt github", in: site.root).status != 0)
  }

  @Test func checkFormatsForBothForges() throws {
    let site = try SiteFixture(plans: [
      "tee": SiteFixture.plan(title: "Tee").replacingOccurrences(of: "type: road-works", with: "type: road")
    ])
    defer { site.remove() }
    let github = try shell("kaasa check --format github", in: site.root)
    #expect(github.status == 1)
    #expect(github.stdout.hasPrefix("::error file=content/plans/tee.md,line=6,col=7::unknown type 'road'"))
    let gitlab = try shell("kaasa check --format gitlab", in: site.root)
    #expect(gitlab.status == 1)
    let report = try JSONSerialization.jsonObject(with: Data(gitlab.stdout.utf8)) as! [[String: Any]]
    #expect(report.count == 1)
    #expect((report[0]["location"] as? [String: Any])?["path"] as? String == "content/plans/tee.md")
    #expect(((report[0]["location"] as? [String: Any])?["lines"] as? [String: Any])?["begin"] as? Int == 6)
    #expect(report[0]["severity"] as? String == "blocker")
  }

  @Test func newPlanWritesACheckedDraftAndNeverOverwrites() throws {
    let site = try SiteFixture(plans: ["tee": SiteFixture.plan(title: "Tee")])
    defer { site.remove() }
    let first = try shell(
      "kaasa new plan 'Tõrva ülemine šõu: žürii' --municipality jogeva-vald --village torma --type road-works --now 2026-11-26",
      in: site.root)
    #expect(first.status == 0, "\(first.stderr)")
    let file = site.root.appendingPathComponent("content/plans/torva-ulemine-sou-zurii.md")
    let text = try String(contentsOf: file, encoding: .utf8)
    #expect(text.contains("title: \"Tõrva ülemine šõu: žürii\"\n"))
    #expect(text.contains("  - date: 2026-11-26\n"))
    #expect(try shell("kaasa check", in: site.root).status == 0)
    let loaded = ContentLoader(siteDirectory: site.root).load()
    let plan = try #require(loaded.site?.plans.first { $0.id == "torva-ulemine-sou-zurii" })
    #expect(plan.draft)
    #expect(plan.villageIDs == ["torma"])
    #expect(plan.type == .roadWorks)

    let again = try shell(
      "kaasa new plan 'Tõrva ülemine šõu: žürii' --municipality jogeva-vald --now 2026-12-01", in: site.root)
    #expect(again.status == 1)
    #expect(again.stderr.contains("exists already"))
    #expect(try String(contentsOf: file, encoding: .utf8) == text, "the first file is untouched")

    let unknown = try shell("kaasa new plan Teine --municipality jogva-vald", in: site.root)
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("Did you mean 'jogeva-vald'?"))
  }

  @Test func buildWithoutGitPrintsOneNote() throws {
    let site = try SiteFixture(plans: ["tee": SiteFixture.plan(title: "Tee")])
    defer { site.remove() }
    let result = try shell("kaasa build --now 2026-12-01", in: site.root)
    #expect(result.status == 0, "\(result.stderr)")
    let notes = result.stderr.split(separator: "\n").filter { $0.hasPrefix("note: ") }
    #expect(notes.count == 1)
    #expect(notes.first?.contains("not in a git repository") == true)
    #expect(try shell("kaasa build --quiet --now 2026-12-01", in: site.root).stderr == "")
  }
}
