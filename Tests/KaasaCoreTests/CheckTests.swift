import Foundation
import Testing

@testable import KaasaCore

@Suite("kaasa check finds each problem at its line")
struct CheckTests {
  func check(_ files: [String: String], site: String = TestSite.siteYAML, areas: String = TestSite.areasYAML)
    throws -> [String]
  {
    let s = try TestSite(site: site, areas: areas, files: files)
    defer { s.remove() }
    return s.report()
  }

  @Test func cleanPlanHasNoDiagnostics() throws {
    let r = try check(["content/plans/torma-katus.md": TestSite.plan()])
    #expect(r == [])
  }

  @Test func yamlSyntaxErrorUsesLibyamlLineAndColumn() throws {
    let text = "---\ntitle: A\nsummary: [unclosed\nmunicipality: jogeva-vald\n---\n"
    let r = try check(["content/plans/x.md": text])
    #expect(r.count == 1)
    #expect(
      r[0].hasPrefix(
        "content/plans/x.md:4:13: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 3)"
      ))
    #expect(r[0].contains("error: YAML syntax error"))
  }

  @Test func duplicateKeyIsReportedAtItsFirstLine() throws {
    let plan = TestSite.plan(extra: "type: other\n")
    let r = try check(["content/plans/x.md": plan])
    #expect(r == ["content/plans/x.md:6:1: error: duplicate key 'type': write each key once"])
  }

  @Test func controlCharacterIsReportedAtItsLineAndColumn() throws {
    let plan = TestSite.plan(title: "Torma\u{7}kool")
    let r = try check(["content/plans/x.md": plan])
    #expect(r.count == 1)
    #expect(
      r.first?.hasPrefix(
        "content/plans/x.md:2:13: error: YAML cannot be read here: control characters are not allowed.")
        == true,
      "\(r)")
  }

  @Test func anchorsAndAliasesCanRepeatAValue() throws {
    let plan = TestSite.plan(
      timeline:
        "  - { date: 2026-11-20, stage: idea, title: Idee, location: &kool Torma kool }\n  - { date: 2026-12-01, title: Arutelu, location: *kool }\n"
    )
    let r = try check(["content/plans/x.md": plan])
    #expect(r == [])
  }

  @Test func aFrontMatterWithManyKeysIsReadByName() throws {
    // More keys than a linear search is used for: the known ones are still found, each unknown one
    // is warned about once.
    let extra = (0..<30).map { "extra\($0): x\n" }.joined()
    let r = try check(["content/plans/x.md": TestSite.plan(extra: extra)])
    #expect(r.count == 30, "\(r)")
    #expect(r.allSatisfy { $0.contains("warning: unknown key 'extra") })
    #expect(r.first?.hasPrefix("content/plans/x.md:7:1: warning: unknown key 'extra0'") == true)
  }

  @Test func missingFrontMatter() throws {
    let r = try check(["content/plans/x.md": "# Just Markdown\n"])
    #expect(
      r == [
        "content/plans/x.md:1:1: error: missing front matter: start the file with a line '---', then the front matter (title:, summary:, …), then another line '---'"
      ])
  }

  @Test func unterminatedFrontMatter() throws {
    let r = try check(["content/plans/x.md": "---\ntitle: A\n"])
    #expect(r.first("content/plans/x.md:1:1: error", containing: "never closed") != nil)
  }

  @Test func frontMatterDelimiterIsTheWholeLine() throws {
    // '---' inside a value is not a delimiter; the block closes at the exact '---' line.
    let plan = TestSite.plan(title: "\"Tee --- remont\"")
    let r = try check(["content/plans/x.md": plan])
    #expect(r == [])
  }

  @Test func notUTF8SaysWhereTheByteIs() throws {
    let s = try TestSite()
    defer { s.remove() }
    var data = Data("---\ntitle: K".utf8)
    data.append(0xF5)  // Latin-1 'õ'
    data.append(contentsOf: Array("ola\n---\n".utf8))
    try s.write("content/plans/x.md", data)
    let r = s.report()
    #expect(r.first("content/plans/x.md:2:9: error", containing: "not UTF-8: byte 0xF5 at offset 12") != nil)
  }

  @Test func bomAndCRLFAreAccepted() throws {
    let s = try TestSite()
    defer { s.remove() }
    var data = Data([0xEF, 0xBB, 0xBF])
    data.append(Data(TestSite.plan().replacingOccurrences(of: "\n", with: "\r\n").utf8))
    try s.write("content/plans/x.md", data)
    let result = s.load()
    #expect(result.diagnostics == [])
    #expect(result.site?.plans.first?.title == "Torma kooli katus")
  }

  @Test func missingRequiredKeysEachReported() throws {
    let text = "---\ntitle: A\nvillages: [torma]\n---\n"
    let r = try check(["content/plans/x.md": text])
    #expect(r.first("content/plans/x.md:2:1: error", containing: "missing the required key 'summary'") != nil)
    #expect(
      r.first("content/plans/x.md:2:1: error", containing: "missing the required key 'municipality'") != nil)
    #expect(r.first("content/plans/x.md:2:1: error", containing: "missing the required key 'type'") != nil)
    #expect(
      r.first("content/plans/x.md:2:1: error", containing: "missing the required key 'timeline'") != nil)
  }

  @Test func emptyTitleAndWrongType() throws {
    let text = TestSite.plan(title: "\"\"", extra: "draft: maybe\ntags: { a: b }\n")
    let r = try check(["content/plans/x.md": text])
    #expect(
      r.first("content/plans/x.md:2:1: error", containing: "'title' in the front matter is empty") != nil)
    #expect(
      r.first(
        "content/plans/x.md:7:8: error",
        containing: "'draft' in the front matter must be true or false, not 'maybe'") != nil)
    #expect(
      r.first("content/plans/x.md:8:7: error", containing: "'tags' in the front matter must be a list") != nil
    )
  }

  @Test func summaryOver300Characters() throws {
    let long = String(repeating: "ä", count: 301)
    let text = TestSite.plan().replacingOccurrences(of: "Kooli katus vahetatakse.", with: long)
    let r = try check(["content/plans/x.md": text])
    #expect(
      r == [
        "content/plans/x.md:3:10: error: the summary is 301 characters long; shorten it to at most 300 and move the rest to the text below the front matter"
      ])
  }

  @Test func emptyTimeline() throws {
    let text = TestSite.plan(timeline: "").replacingOccurrences(of: "timeline:\n", with: "timeline: []\n")
    let r = try check(["content/plans/x.md": text])
    #expect(r.first("content/plans/x.md:7:1: error", containing: "'timeline'") != nil)
  }

  @Test func unknownKeyWarnsWithSuggestion() throws {
    let text = TestSite.plan().replacingOccurrences(of: "villages: [torma]", with: "vilages: [torma]")
    let r = try check(["content/plans/x.md": text])
    #expect(r.count == 1)
    #expect(
      r[0].hasPrefix(
        "content/plans/x.md:5:1: warning: unknown key 'vilages' in the front matter is ignored. Did you mean 'villages'?"
      ))
  }

  @Test func unknownValuesSuggestAndList() throws {
    let text = TestSite.plan(
      extra: "status: canceled\n",
      timeline: "  - { date: 2026-11-20, stage: idae, kind: meting, title: Idee }\n"
    ).replacingOccurrences(of: "type: investment", with: "type: investmnt")
      .replacingOccurrences(of: "municipality: jogeva-vald", with: "municipality: jogeva-val")
    let r = try check(["content/plans/x.md": text])
    #expect(
      r.first(
        "content/plans/x.md:6:7: error",
        containing: "unknown type 'investmnt'. Did you mean 'investment'? Use one of: development-plan,")
        != nil)
    #expect(
      r.first(
        "content/plans/x.md:7:9: error", containing: "unknown status 'canceled'. Did you mean 'cancelled'?")
        != nil)
    #expect(
      r.first("content/plans/x.md:9:32: error", containing: "unknown stage 'idae'. Did you mean 'idea'?")
        != nil)
    #expect(
      r.first(
        "content/plans/x.md:9:44: error",
        containing:
          "unknown kind 'meting'. Did you mean 'meeting'? Use one of: meeting, deadline, decision, milestone")
        != nil)
  }

  @Test func unknownMunicipalityAndVillage() throws {
    let a = TestSite.plan().replacingOccurrences(
      of: "municipality: jogeva-vald", with: "municipality: jogeva-val")
    let b = TestSite.plan().replacingOccurrences(of: "villages: [torma]", with: "villages: [tormaa]")
    let r = try check(["content/plans/a.md": a, "content/plans/b.md": b])
    #expect(
      r.first(
        "content/plans/a.md:4:15: error",
        containing:
          "unknown municipality 'jogeva-val'. Did you mean 'jogeva-vald'? Use an id from areas.yml: jogeva-vald, mustvee-vald"
      ) != nil)
    #expect(
      r.first(
        "content/plans/b.md:5:12: error",
        containing:
          "unknown village 'tormaa' in Jõgeva vald. Did you mean 'torma'? Villages of Jõgeva vald: torma, saare"
      ) != nil)
  }

  @Test func villageOfAnotherMunicipality() throws {
    let text = TestSite.plan().replacingOccurrences(
      of: "villages: [torma]", with: "villages: [torma, avinurme]")
    let r = try check(["content/plans/x.md": text])
    #expect(
      r == [
        "content/plans/x.md:5:19: error: village 'avinurme' (Avinurme) is in Mustvee vald, not in Jõgeva vald: change 'municipality' to mustvee-vald or pick a village of Jõgeva vald"
      ])
  }

  @Test func aVillageListedTwiceIsAWarningOnItsSecondMention() throws {
    let text = TestSite.plan().replacingOccurrences(
      of: "villages: [torma]", with: "villages: [torma, saare, torma]")
    #expect(
      try check(["content/plans/x.md": text]) == [
        "content/plans/x.md:5:26: warning: village 'torma' is listed twice"
      ])
  }

  @Test func sameVillageIdInTwoMunicipalitiesIsFine() throws {
    let text = TestSite.plan().replacingOccurrences(of: "villages: [torma]", with: "villages: [saare]")
    #expect(try check(["content/plans/x.md": text]) == [])
  }

  @Test func impossibleDatesAndOrder() throws {
    let text = TestSite.plan(
      extra: "feedback: { opens: 2026-12-31, closes: 2026-12-01 }\n",
      timeline: """
          - { date: 2026-02-30, title: Vale päev }
          - { date: 2026-12-10T18:00, end: 2026-12-10T17:00, title: Koosolek }

        """)
    let r = try check(["content/plans/x.md": text])
    #expect(
      r.first(
        "content/plans/x.md:7:40: error",
        containing: "feedback closes on 2026-12-01 before it opens on 2026-12-31") != nil)
    #expect(
      r.first("content/plans/x.md:9:13: error", containing: "'date' 2026-02-30 is not a real date") != nil)
    #expect(r.first("content/plans/x.md:10:36: error", containing: "'end' must come after 'date'") != nil)
  }

  @Test func fileNamesAndDuplicateIds() throws {
    let r = try check([
      "content/plans/Torma Kool.md": TestSite.plan(),
      "content/plans/a/katus.md": TestSite.plan(),
      "content/plans/b/katus.md": TestSite.plan(),
      "content/plans/c/katus.md": TestSite.plan(),
    ])
    #expect(
      r.first("content/plans/Torma Kool.md:1:1: error", containing: "rename it to 'torma-kool.md'") != nil)
    #expect(
      r.first(
        "content/plans/a/katus.md:1:1: error",
        containing:
          "two plans have the id 'katus': this file and content/plans/b/katus.md, content/plans/c/katus.md")
        != nil)
    #expect(
      r.first(
        "content/plans/b/katus.md:1:1: error",
        containing: "this file and content/plans/a/katus.md, content/plans/c/katus.md") != nil)
    #expect(
      r.first(
        "content/plans/c/katus.md:1:1: error",
        containing: "this file and content/plans/a/katus.md, content/plans/b/katus.md") != nil)
    #expect(r.filter { $0.contains("two plans have the id") }.count == 3)
  }

  @Test func reservedMunicipalityId() throws {
    let areas = TestSite.areasYAML.replacingOccurrences(of: "id: mustvee-vald", with: "id: plans")
    let r = try check([:], areas: areas)
    #expect(
      r == [
        "content/areas.yml:11:9: error: municipality id 'plans' is reserved: /plans/ is used by the site itself. Choose another id, e.g. 'plans-vald'"
      ])
  }

  @Test func documentsMustExistAndStayInFiles() throws {
    let text = TestSite.plan(
      extra: """
        documents:
          - { title: Eskiis, url: files/eskiis.pdf }
          - { title: Puudub, url: files/puudub.pdf }
          - { title: Välja, url: files/../site.yml }
          - { title: Absoluutne, url: /etc/passwd }
          - { title: Veeb, url: https://www.riigiteataja.ee/ }

        """)
    let s = try TestSite(files: ["content/plans/x.md": text, "content/files/eskiis.pdf": "%PDF-1.4\n"])
    defer { s.remove() }
    let r = s.report()
    #expect(r.count == 3)
    #expect(
      r.first("content/plans/x.md:9:27: error", containing: "document 'files/puudub.pdf' does not exist")
        != nil)
    #expect(r.first("content/plans/x.md:10:26: error", containing: "tries to leave content/files/") != nil)
    #expect(r.first("content/plans/x.md:11:31: error", containing: "not an absolute path") != nil)
  }

  @Test func emailCoordinatesBaseURLTimeZoneAndTheme() throws {
    let site = """
      title: T
      baseURL: ftp://plaanid.example.ee
      timezone: Europe/Talinn
      theme: uus

      """
    let text = TestSite.plan(
      extra: "contact: { name: Mari, email: mari.example.ee }\nlocation: { lat: 98.1, lon: 26.7 }\n")
    let s = try TestSite(site: site, files: ["content/plans/x.md": text, "themes/default/.keep": ""])
    defer { s.remove() }
    let r = s.report()
    #expect(
      r.first("content/site.yml:2:10: error", containing: "'baseURL' must be an absolute http(s) address")
        != nil)
    #expect(
      r.first(
        "content/site.yml:3:11: error",
        containing: "unknown time zone 'Europe/Talinn'. Did you mean 'Europe/Tallinn'?") != nil)
    #expect(
      r.first("content/site.yml:4:8: error", containing: "unknown theme 'uus': there is no folder themes/uus")
        != nil)
    #expect(
      r.first("content/plans/x.md:7:31: error", containing: "'mari.example.ee' is not an e-mail address")
        != nil)
    #expect(r.first("content/plans/x.md:8:18: error", containing: "latitude 98.1 is out of range") != nil)
  }

  /// Twenty mistakes (and one unknown key) in six files: every one reported, once, at its line.
  @Test func twentyMistakesInSeveralFilesAllReportedOnce() throws {
    let areas = TestSite.areasYAML.replacingOccurrences(
      of: "email: info@jogeva.example.ee", with: "email: info-at-jogeva"
    )
    .replacingOccurrences(of: "kind: alevik", with: "kind: alevk")
    let site = TestSite.siteYAML.replacingOccurrences(of: "language: et", with: "language: fi")
    let a = """
      ---
      title: ""
      summary: \(String(repeating: "x", count: 320))
      municipality: jogeva
      villages: [tormaa, avinurme]
      type: road
      status: done
      contact: { email: nobody }
      location: { lat: 58.8, lon: 200 }
      feedback: { opens: 2026-12-31, closes: 2026-12-01 }
      colour: red
      timeline:
        - { date: 2026-13-01, title: Vale kuu }
        - { date: 2026-11-20, end: 2026-11-19, title: Tagurpidi }
        - { date: 2026-11-21, stage: ideaa, title: Etapp }
      ---

      """
    let b = "---\ntitle: B\n"
    let c = TestSite.plan(extra: "documents:\n  - { title: X, url: files/puudub.pdf }\n")
    let d = TestSite.plan().replacingOccurrences(
      of: "villages: [torma]", with: "villages: [tormaa, avinurme]")
    let page = "---\nmenu: true\n---\nTekst\n"
    let r = try check(
      [
        "content/plans/a.md": a, "content/plans/b.md": b, "content/plans/C.md": c, "content/plans/d.md": d,
        "content/pages/about.md": page,
      ], site: site, areas: areas)
    let errors = r.filter { $0.contains(": error: ") }
    let warnings = r.filter { $0.contains(": warning: ") }
    #expect(errors.count == 20, "\(r.joined(separator: "\n"))")
    #expect(warnings.count == 1)
    #expect(
      r.first(
        "content/plans/a.md:4:15: error",
        containing: "unknown municipality 'jogeva'. Did you mean 'jogeva-vald'?") != nil)
    #expect(Set(r).count == r.count)
  }

  /// Addresses are checked by bytes when they are ASCII; the answer is the general check's.
  @Test func asciiAddressesAreJudgedAsTheGeneralCheckJudgesThem() {
    let addresses = [
      "mari@example.ee", "mari.maasikas@jogeva.example.ee", "a@b.ee", "x+y_z@sub-domain.example.ee",
      "!#$%&'*+/=?^_`{|}~-@example.ee", "mari@example", "mari@@example.ee", "@example.ee", "mari@",
      ".mari@example.ee", "mari.@example.ee", "ma..ri@example.ee", "mari@-example.ee", "mari@example-.ee",
      "mari@example..ee", "mari@example.e", "mari@example.123", "mari@1.2.ee", "ma ri@example.ee",
      "mari@exa mple.ee", "mari@exa_mple.ee", "ma\"ri@example.ee", "mari@example.ee.",
      "mari@ex\tample.ee", String(repeating: "a", count: 64) + "@example.ee",
      String(repeating: "a", count: 65) + "@example.ee", "mari@" + String(repeating: "b", count: 63) + ".ee",
      "mari@" + String(repeating: "b", count: 64) + ".ee",
      "mari@" + Array(repeating: String(repeating: "c", count: 60), count: 5).joined(separator: ".") + ".ee",
      "", "@", "a@b", "(mari)@example.ee", "mari@[127.0.0.1]",
    ]
    for address in addresses {
      #expect(
        EmailAddress.isValidASCII(address) == EmailAddress.isValidScalars(address), "\(address)")
    }
    #expect(EmailAddress.isValid("mari@example.ee"))
    #expect(!EmailAddress.isValid("mari.example.ee"))
    #expect(EmailAddress.isValid("mäři@example.ee"))
  }
}
