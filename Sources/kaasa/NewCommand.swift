import ArgumentParser
import Foundation
import KaasaCore

struct New: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "new",
    abstract: "Start a new content file from a template that explains every field.",
    subcommands: [NewPlan.self])
}

struct NewPlan: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Write a new plan file, named after its title, with today's first timeline entry.",
    discussion: """
      The file goes to content/plans/MUNICIPALITY/ when that folder exists, else to content/plans/.
      It starts as a draft (draft: true): fill in the summary, timeline and text, then delete that line.
      An existing plan is never overwritten.
      """)

  @OptionGroup var siteOptions: SiteOptions

  @Argument(
    help: "The plan's title, e.g. \"Torma kooli katuse renoveerimine\"; the file name is made from it.")
  var title: String

  @Option(help: "The id of a municipality in content/areas.yml.")
  var municipality: String

  @Option(
    name: .customLong("village"),
    help: "The id of a village the plan concerns; repeat for several. Leave out for the whole municipality.")
  var villages: [String] = []

  @Option(help: "One of: \(PlanType.allCases.map(\.rawValue).joined(separator: ", ")).")
  var type: PlanType = .other

  @Option(
    help: "Today, for the first timeline entry: 2026-12-01 (default: SOURCE_DATE_EPOCH, else the clock).")
  var now: String?

  func run() throws {
    let loaded = ContentLoader(siteDirectory: siteOptions.siteURL).load()
    guard let site = loaded.site else {
      let settings = loaded.diagnostics.filter {
        $0.file == "content/site.yml" || $0.file == "content/areas.yml" || $0.file == "content"
      }
      printError(
        DiagnosticFormat.text.render(
          settings.isEmpty ? loaded.diagnostics : settings, pathPrefix: siteOptions.site))
      printError("cannot add a plan before content/site.yml and content/areas.yml can be read")
      throw ExitCode(1)
    }
    let today: Date
    do {
      today = try Now.resolve(
        option: now, environment: ProcessInfo.processInfo.environment, zone: site.settings.timeZone)
    } catch {
      throw ValidationError(error.description)
    }
    let template = PlanTemplate(
      title: title.trimmingCharacters(in: .whitespacesAndNewlines), municipality: municipality,
      villages: villages,
      type: type, today: LocalDate(today, in: site.settings.timeZone), language: site.settings.language)
    let problems = template.problems(in: site)
    if !problems.isEmpty {
      for p in problems { printError("error: \(p)") }
      throw ExitCode(1)
    }
    let plansFolder = siteOptions.siteURL.appendingPathComponent("content/plans")
    let folders = Set((try? FileManager.default.contentsOfDirectory(atPath: plansFolder.path)) ?? [])
    let relative = template.path(existingFolders: folders)
    let file = siteOptions.siteURL.appendingPathComponent(relative)
    if FileManager.default.fileExists(atPath: file.path) {
      printError("error: \(relative) exists already; kaasa never overwrites a plan (choose another title)")
      throw ExitCode(1)
    }
    do {
      try FileManager.default.createDirectory(
        at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
      // withoutOverwriting: a file that appeared meanwhile is not replaced either.
      try Data(template.text.utf8).write(to: file, options: .withoutOverwriting)
    } catch {
      printError("error: could not write \(relative): \(error.localizedDescription)")
      throw ExitCode(1)
    }
    print(
      "wrote \(relative): a draft until you delete its line draft: true; fill in the summary, timeline and text first"
    )
  }
}

extension PlanType: ExpressibleByArgument {}
