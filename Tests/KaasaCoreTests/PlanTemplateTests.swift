import Foundation
import Testing

@testable import KaasaCore

@Suite("kaasa new plan")
struct PlanTemplateTests {
  static let today = LocalDate(year: 2026, month: 11, day: 26)

  @Test(arguments: [SiteLanguage.et, .en, .ru])
  func templatePassesTheCheck(_ language: SiteLanguage) throws {
    let site = try TestSite()
    defer { site.remove() }
    let template = PlanTemplate(
      title: "Saare küla bussiootepaviljon", municipality: "jogeva-vald", villages: ["torma", "saare"],
      type: .roadWorks, today: Self.today, language: language)
    #expect(template.problems(in: try #require(site.load().site)) == [])
    try site.write(template.path(existingFolders: []), template.text)
    #expect(site.report() == [])
    let plan = try #require(site.load().site?.plans.first)
    #expect(plan.id == "saare-kula-bussiootepaviljon")
    #expect(plan.file == "content/plans/saare-kula-bussiootepaviljon.md")
    #expect(plan.title == "Saare küla bussiootepaviljon")
    #expect(plan.villageIDs == ["torma", "saare"])
    #expect(plan.type == .roadWorks)
    #expect(plan.draft, "a new plan waits for its summary before it is published")
    #expect(plan.timeline.map(\.date) == [.day(Self.today)])
    #expect(plan.timeline.first?.stage == .idea)
    #expect(plan.body.contains("##"))
  }

  @Test func everyOptionalFieldIsExplainedAndWorksWhenUncommented() throws {
    let template = PlanTemplate(title: "Tee", municipality: "jogeva-vald", today: Self.today)
    let text = template.text
    for key in ["tags", "contact", "location", "budget", "feedback", "documents", "villages", "status"] {
      #expect(text.contains("\n# \(key): ") || text.contains("\n# \(key):\n"), "\(key) is offered")
    }
    // Removing the `# ` of the optional one-line fields (not documents, whose file does not exist) still checks.
    var uncommented = text
    for key in ["tags", "contact", "location", "budget", "feedback", "status"] {
      uncommented = uncommented.replacingOccurrences(of: "\n# \(key): ", with: "\n\(key): ")
    }
    uncommented = uncommented.replacingOccurrences(of: "\n#  - date", with: "\n  - date")
      .replacingOccurrences(of: "\n#    ", with: "\n    ")
    let site = try TestSite(files: ["content/plans/tee.md": uncommented])
    defer { site.remove() }
    #expect(site.report() == [])
    let plan = try #require(site.load().site?.plans.first)
    #expect(plan.statusOverride == .cancelled)
    #expect(plan.feedback != nil)
    #expect(plan.timeline.count == 2)
    #expect(plan.isMunicipalityWide)
  }

  @Test func fileGoesBesideTheMunicipalitysPlans() {
    let t = PlanTemplate(title: "Põltsamaa lossi õu", municipality: "poltsamaa-vald", today: Self.today)
    #expect(t.id == "poltsamaa-lossi-ou")
    #expect(
      t.path(existingFolders: ["poltsamaa-vald"]) == "content/plans/poltsamaa-vald/poltsamaa-lossi-ou.md")
    #expect(t.path(existingFolders: ["jogeva-vald"]) == "content/plans/poltsamaa-lossi-ou.md")
  }

  @Test func problemsAreNamedWithSuggestions() throws {
    let site = try TestSite(files: ["content/plans/torma-kool.md": TestSite.plan()])
    defer { site.remove() }
    let s = try #require(site.load().site)
    let wrongMunicipality = PlanTemplate(title: "X", municipality: "jogeva-val", today: Self.today).problems(
      in: s)
    #expect(wrongMunicipality.first?.contains("Did you mean 'jogeva-vald'?") == true)
    let wrongVillage = PlanTemplate(
      title: "X", municipality: "jogeva-vald", villages: ["trma"], today: Self.today
    )
    .problems(in: s)
    #expect(wrongVillage.first?.contains("Did you mean 'torma'?") == true)
    let taken = PlanTemplate(title: "Torma kool", municipality: "jogeva-vald", today: Self.today).problems(
      in: s)
    #expect(taken == ["a plan with the id 'torma-kool' exists already: content/plans/torma-kool.md"])
    #expect(
      PlanTemplate(title: "!!!", municipality: "jogeva-vald", today: Self.today).problems(in: s).count == 1)
  }

  @Test(arguments: [
    "Torma: uus katus", "#1 prioriteet", "yes", "2027", "- nimekiri", "Kool \"Tähe\"", "Tavaline pealkiri",
  ])
  func titlesSurviveYAML(_ title: String) throws {
    let template = PlanTemplate(title: title, municipality: "jogeva-vald", today: Self.today)
    let site = try TestSite(files: ["content/plans/x.md": template.text])
    defer { site.remove() }
    #expect(site.report() == [])
    #expect(site.load().site?.plans.first?.title == title)
  }
}
