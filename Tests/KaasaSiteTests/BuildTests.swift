import Foundation
import Testing

@testable import KaasaCore
@testable import KaasaSite

/// The repository root, found from this file, so tests can build the sample site.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

func temporaryFolder() -> URL {
  FileManager.default.temporaryDirectory.appendingPathComponent("kaasa-build-\(UUID().uuidString)")
}

func fixedNow(_ text: String) -> (TimeZone) throws -> Date {
  { zone in try Now.resolve(option: text, environment: [:], zone: zone) }
}

/// Every file below `dir` with its bytes, by relative path.
func snapshot(_ dir: URL) throws -> [String: Data] {
  var out: [String: Data] = [:]
  let base = dir.standardizedFileURL.path
  let e = FileManager.default.enumerator(atPath: base)!
  while let rel = e.nextObject() as? String {
    var isDir: ObjCBool = false
    _ = FileManager.default.fileExists(atPath: base + "/" + rel, isDirectory: &isDir)
    if !isDir.boolValue { out[rel] = try Data(contentsOf: URL(fileURLWithPath: base + "/" + rel)) }
  }
  return out
}

@Suite("kaasa build")
struct BuildTests {
  @Test func sampleSiteChecksClean() {
    let result = ContentLoader(siteDirectory: repositoryRoot).load()
    #expect(result.diagnostics == [], "\(DiagnosticFormat.text.render(result.diagnostics))")
    #expect((result.site?.plans.count ?? 0) >= 15)
  }

  @Test func sampleSiteWritesTheWholeURLLayout() throws {
    let out = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: out) }
    let report = try Builder(siteDirectory: repositoryRoot, output: out).build(
      now: fixedNow("2026-11-26T12:00"))
    #expect(report.succeeded)
    let files = Set(try snapshot(out).keys)
    let site = try #require(ContentLoader(siteDirectory: repositoryRoot).load().site)
    var expected = [
      "index.html", "plans/index.html", "feed.xml", "calendar.ics", "plans.json", "sitemap.xml", "robots.txt",
      "404.html",
    ]
    for p in site.plans { expected += ["plans/\(p.id)/index.html", "plans/\(p.id)/calendar.ics"] }
    for m in site.municipalities {
      expected += ["\(m.id)/index.html", "\(m.id)/feed.xml", "\(m.id)/calendar.ics"]
      for v in m.villages {
        expected += [
          "\(m.id)/\(v.id)/index.html", "\(m.id)/\(v.id)/feed.xml", "\(m.id)/\(v.id)/calendar.ics",
        ]
      }
    }
    for page in site.pages { expected.append("\(page.slug)/index.html") }
    for f in site.files { expected.append("files/\(f)") }
    #expect(Set(expected).subtracting(files) == [])
  }

  @Test func twoBuildsAreByteIdentical() throws {
    let a = temporaryFolder()
    let b = temporaryFolder()
    defer {
      try? FileManager.default.removeItem(at: a)
      try? FileManager.default.removeItem(at: b)
    }
    _ = try Builder(siteDirectory: repositoryRoot, output: a).build(now: fixedNow("2026-11-26T12:00"))
    _ = try Builder(siteDirectory: repositoryRoot, output: b).build(now: fixedNow("2026-11-26T12:00"))
    let sa = try snapshot(a)
    let sb = try snapshot(b)
    #expect(sa.count > 100)
    #expect(sa.keys.sorted() == sb.keys.sorted())
    for (path, data) in sa { #expect(sb[path] == data, "\(path) differs") }
  }

  @Test func failedBuildLeavesPreviousOutputUntouched() throws {
    let site = temporaryFolder()
    let out = site.appendingPathComponent("output")
    defer { try? FileManager.default.removeItem(at: site) }
    try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: repositoryRoot.appendingPathComponent("content"), to: site.appendingPathComponent("content"))
    let first = try Builder(siteDirectory: site, output: out).build(now: fixedNow("2026-11-26"))
    #expect(first.succeeded)
    let before = try snapshot(out)
    let plans = site.appendingPathComponent("content/plans/broken.md")
    try Data("---\ntitle: Katki\nmunicipality: nowhere\n---\n".utf8).write(to: plans)
    let second = try Builder(siteDirectory: site, output: out).build(now: fixedNow("2026-12-20"))
    #expect(!second.succeeded)
    #expect(second.diagnostics.contains { $0.file == "content/plans/broken.md" && $0.severity == .error })
    #expect(try snapshot(out) == before)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: site.path).filter {
      $0.hasPrefix(".output")
    }
    #expect(leftovers == [])
  }

  @Test func nowMovesPlansBetweenOpenUpcomingAndClosed() throws {
    let s = try SiteFixture(plans: [
      "tee": SiteFixture.plan(title: "Tee", extra: "feedback: { opens: 2026-12-01, closes: 2026-12-31 }\n")
    ])
    defer { s.remove() }
    func state(_ now: String) throws -> String? {
      let report = try s.render(now: now)
      let json = try #require(report.files.first { $0.path == "plans.json" }?.text)
      let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [[String: Any]]
      return (list[0]["feedback"] as? [String: Any])?["state"] as? String
    }
    #expect(try state("2026-11-30T23:59") == "upcoming")
    #expect(try state("2026-12-01T00:00") == "open")
    #expect(try state("2026-12-31T23:59") == "open")
    #expect(try state("2027-01-01T00:00") == "closed")
    let open = try s.render(now: "2026-12-15").files.first { $0.path == "plans/tee/index.html" }!.text!
    #expect(
      open.contains(
        "<form class=\"feedback-form\" method=\"post\" action=\"https://tagasiside.example.ee/feedback\""))
    #expect(open.contains("Tagasiside on avatud 31. detsembrini 2026"))
    let closed = try s.render(now: "2027-01-02").files.first { $0.path == "plans/tee/index.html" }!.text!
    #expect(!closed.contains("<form"))
    #expect(closed.contains("Tagasiside kogumine lõppes 31. detsembril 2026"))
    let upcoming = try s.render(now: "2026-11-02").files.first { $0.path == "plans/tee/index.html" }!.text!
    #expect(upcoming.contains("Tagasiside kogumine algab 1. detsembril 2026"))
  }

  @Test func frontMatterTextReachesPagesOnlyAsText() throws {
    let evil = "<script>alert(1)</script> & \\\"Saare\\\""
    let s = try SiteFixture(plans: [
      "kuri": """
      ---
      title: "\(evil)"
      summary: "<img src=x onerror=alert(2)> \(evil)"
      municipality: jogeva-vald
      type: other
      location: { address: "<b onmouseover=alert(3)>Kooli 2</b>", lat: 58.8, lon: 26.7 }
      contact: { name: "<script>x</script>", email: "a@example.ee" }
      feedback: { opens: 2026-11-01, closes: 2026-12-31 }
      timeline:
        - { date: 2026-11-20, title: "<script>alert(4)</script>", location: "\\"><svg onload=alert(5)>" }
      ---
      Body <script>alert(6)</script> and <iframe src="https://evil.example"></iframe>

      [link](javascript:alert(7))

      """
    ])
    defer { s.remove() }
    let report = try s.render(now: "2026-11-26")
    for file in report.files where file.path.hasSuffix(".html") {
      let html = file.text!
      #expect(!html.contains("<script>alert"), "\(file.path)")
      #expect(!html.contains("<img src=x"), "\(file.path)")
      #expect(!html.contains("<b onmouseover"), "\(file.path)")
      #expect(!html.contains("<svg"), "\(file.path)")
      #expect(!html.contains("<iframe"), "\(file.path)")
      #expect(!html.contains("javascript:alert"), "\(file.path)")
    }
    let page = report.files.first { $0.path == "plans/kuri/index.html" }!.text!
    #expect(page.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Saare&quot;</h1>"))
    #expect(page.contains("&lt;b onmouseover=alert(3)&gt;Kooli 2&lt;/b&gt;"))
    let json = report.files.first { $0.path == "plans.json" }!.text!
    let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [[String: Any]]
    #expect(list[0]["title"] as? String == "<script>alert(1)</script> & \"Saare\"")
  }

  @Test func siteWithoutThemesFolderUsesBuiltInTheme() throws {
    let s = try SiteFixture(plans: ["tee": SiteFixture.plan(title: "Tee")])
    defer { s.remove() }
    let report = try s.render(now: "2026-11-26")
    #expect(report.files.contains { $0.path == "assets/style.css" })
    #expect(report.files.first { $0.path == "index.html" }?.text?.contains("<html lang=\"et\">") == true)
  }

  @Test func siteThemeOverridesOneTemplate() throws {
    let s = try SiteFixture(plans: ["tee": SiteFixture.plan(title: "Tee")])
    defer { s.remove() }
    try s.write("themes/default/templates/404.mustache", "custom {{t.notfound_title}}\n")
    try s.write("themes/default/i18n/et.yml", "notfound_title: Eksisid ära\n")
    let report = try s.render(now: "2026-11-26")
    #expect(report.files.first { $0.path == "404.html" }?.text == "custom Eksisid ära\n")
    #expect(report.files.first { $0.path == "index.html" }?.text?.contains("Liigu põhisisu juurde") == true)
  }

  /// A feed holds its newest items up to the site's limit; items of the same moment go by guid, so
  /// which of them make the limit does not depend on the order plans were read in.
  @Test func aFeedKeepsItsNewestItemsUpToTheLimitTiesByGuid() throws {
    let timeline = """
        - { date: 2026-11-01, stage: idea, title: Idee }
        - { date: 2026-11-20, stage: consultation, title: Arutelu }
        - { date: 2026-12-10, stage: decision, title: Otsus }
      """
    func plan(_ title: String) -> String { SiteFixture.plan(title: title, timeline: timeline) }
    let s = try SiteFixture(plans: ["c": plan("C"), "a": plan("A"), "b": plan("B")])
    defer { s.remove() }
    try s.write(
      "content/site.yml",
      "title: Test\nbaseURL: https://plaanid.example.ee/\nfeeds: { limit: 2 }\n")
    let report = try s.render(now: "2026-11-26")
    let feed = try #require(report.files.first { $0.path == "feed.xml" }?.text)
    let guids = feed.split(separator: "\n").filter { $0.contains("<guid") }.map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    #expect(
      guids == [
        "<guid isPermaLink=\"false\">a/arutelu</guid>", "<guid isPermaLink=\"false\">b/arutelu</guid>",
      ])
  }

  /// Every calendar lists its events by start, then by uid, whichever plans it holds: the site's,
  /// a municipality's, each village's (with the municipality-wide plans) and a plan's own. Plan
  /// `a-b`'s uids sort before `a`'s ("-" before "/"), though its id sorts after.
  @Test func calendarsListEventsByStartThenUID() throws {
    func plan(_ villages: String, _ timeline: String) -> String {
      "---\ntitle: Plaan\nsummary: Kokkuvõte.\nmunicipality: jogeva-vald\n\(villages)type: road-works\n"
        + "timeline:\n\(timeline)---\nTekst.\n"
    }
    let idea = "  - { date: 2026-11-20, stage: idea, title: Idee }\n"
    let meeting = "  - { date: 2026-12-10T18:00, stage: consultation, title: Arutelu }\n"
    let s = try SiteFixture(plans: [
      "c": plan("villages: [torma]\n", meeting + idea),
      "a-b": plan("villages: [kuremaa]\n", idea + meeting),
      "a": plan("villages: [kuremaa, torma]\n", meeting + idea),
      "wide": plan("", idea + "  - { date: 2026-11-25, stage: idea, title: Teine }\n"),
    ])
    defer { s.remove() }
    try s.write(
      "content/areas.yml",
      "municipalities:\n  - id: jogeva-vald\n    name: Jõgeva vald\n    villages:\n"
        + "      - { id: torma, name: Torma }\n      - { id: kuremaa, name: Kuremaa }\n")
    let report = try s.render(now: "2026-11-26")
    func uids(_ path: String) throws -> [String] {
      let text = try #require(report.files.first { $0.path == path }?.text, "\(path)")
      return text.split(separator: "\r\n").filter { $0.hasPrefix("UID:") }.map {
        String($0.dropFirst(4).prefix { $0 != "@" })
      }
    }
    let all = [
      "a-b/idee", "a/idee", "c/idee", "wide/idee", "wide/teine", "a-b/arutelu", "a/arutelu", "c/arutelu",
    ]
    #expect(try uids("calendar.ics") == all)
    #expect(try uids("jogeva-vald/calendar.ics") == all)
    #expect(
      try uids("jogeva-vald/torma/calendar.ics") == [
        "a/idee", "c/idee", "wide/idee", "wide/teine", "a/arutelu", "c/arutelu",
      ])
    #expect(
      try uids("jogeva-vald/kuremaa/calendar.ics") == [
        "a-b/idee", "a/idee", "wide/idee", "wide/teine", "a-b/arutelu", "a/arutelu",
      ])
    #expect(try uids("plans/c/calendar.ics") == ["c/idee", "c/arutelu"])
  }

  /// Lists hold each plan's card and make the rest of its context only when a theme asks for it:
  /// a theme's list sees every field, and names further out (its page's, the translations) too.
  @Test func aThemesListShowsEveryFieldOfAPlanBesideItsCard() throws {
    let s = try SiteFixture(plans: [
      "tee": SiteFixture.plan(title: "Tee", extra: "feedback: { opens: 2026-11-20, closes: 2026-12-15 }\n")
    ])
    defer { s.remove() }
    try s.write(
      "themes/default/templates/village.mustache",
      "{{#village}}{{#groups}}{{#plans}}[{{title}}|{{url}}|{{statusLabel}}|{{#feedback}}{{text}}{{/feedback}}"
        + "|{{#next}}{{date}} {{title}}{{/next}}|{{municipality.name}}|{{#villages}}{{name}}{{/villages}}"
        + "|{{name}}|{{t.no_plans}}|{{typeLabel}}|{{wide}}|{{id}}]{{/plans}}{{/groups}}{{/village}}\n")
    let report = try s.render(now: "2026-11-26")
    #expect(
      report.files.first { $0.path == "jogeva-vald/torma/index.html" }?.text
        == "[Tee|/plans/tee/|idee|Tagasiside on avatud 15. detsembrini 2026|10. detsember 2026 kell 18:00 Arutelu"
        + "|Jõgeva vald|Torma|Torma|Plaane veel ei ole.|teetööd|false|tee]\n")
  }

  /// A list looks up only the names a plan's context may have, so every name it has must be known.
  @Test func everyNameOfAPlansContextInListsIsKnown() throws {
    let s = try SiteFixture(plans: [
      "tee": SiteFixture.plan(title: "Tee", extra: "feedback: { opens: 2026-11-20, closes: 2026-12-15 }\n")
    ])
    defer { s.remove() }
    let site = try #require(ContentLoader(siteDirectory: s.root).load().site)
    let plan = site.plans[0]
    let now = try fixedNow("2026-11-26")(site.settings.timeZone)
    let summaries = PlanSummaries(
      municipalities: site.municipalities, urls: SiteURLs(baseURL: site.settings.baseURL),
      t: try Theme.load(name: "default", language: .et, siteDirectory: s.root).strings,
      zone: site.settings.timeZone, now: now)
    let zone = site.settings.timeZone
    let facts = PlanFacts(plan, zone: zone, offsets: ZoneOffsets.of(zone), now: now, history: nil)
    let names = Set(summaries.summary(plan, facts: facts, card: "<article></article>").keys)
    #expect(names.contains("feedback") && names.contains("next") && names.contains("card"))
    #expect(names.subtracting(PlanSummaries.names) == [])
  }

  /// Theme mistakes stop the build with the template's path and what to do, and never crash it.
  @Test func themeTemplateMistakesStopTheBuildWithTheirPlace() throws {
    let s = try SiteFixture(plans: ["tee": SiteFixture.plan(title: "Tee")])
    defer { s.remove() }
    try s.write("themes/default/templates/404.mustache", "<p>\n{{#t}}\n{{notfound_title}}\n{{/tt}}\n")
    #expect {
      try s.render(now: "2026-11-26")
    } throws: { error in
      "\(error)".hasPrefix("templates/404.mustache: the template cannot be read: line 4, column 1:")
    }
    try s.write("themes/default/templates/404.mustache", "{{> looping}}\n")
    try s.write("themes/default/templates/looping.mustache", "x{{> looping}}")
    #expect {
      try s.render(now: "2026-11-26")
    } throws: { error in
      "\(error)".hasPrefix(
        "templates/404.mustache: the page cannot be rendered: partials nest more than 64 deep")
    }
  }

  @Test func builtInThemeMatchesThemesFolder() throws {
    let dir = repositoryRoot.appendingPathComponent("themes/default")
    let onDisk = Theme.walk(dir).filter { $0 != "README.md" }
    #expect(onDisk.sorted() == DefaultTheme.files.keys.sorted(), "run `make embed-theme`")
    for rel in onDisk {
      let text = try String(contentsOf: dir.appendingPathComponent(rel), encoding: .utf8)
      #expect(
        DefaultTheme.files[rel] == text, "\(rel) differs from the built-in copy: run `make embed-theme`")
    }
  }

  @Test func everyLanguageHasEveryKey() throws {
    let dir = repositoryRoot.appendingPathComponent("themes/default/i18n")
    let et = try Theme.parseStrings(Data(contentsOf: dir.appendingPathComponent("et.yml")), path: "et")
    for lang in ["en", "ru"] {
      let other = try Theme.parseStrings(
        Data(contentsOf: dir.appendingPathComponent("\(lang).yml")), path: lang)
      let missing = Set(et.keys).subtracting(other.keys).subtracting(["months_on", "months_until"])
      #expect(missing == [], "\(lang) lacks \(missing.sorted())")
    }
  }
}

/// A small site in a temporary folder with no themes/ of its own.
struct SiteFixture {
  let root = temporaryFolder()

  static let timeline = """
      - { date: 2026-11-20, stage: idea, title: Idee }
      - { date: 2026-12-10T18:00, stage: consultation, title: Arutelu, kind: meeting }
    """

  static func plan(title: String, extra: String = "", timeline: String = timeline) -> String {
    """
    ---
    title: \(title)
    summary: Kokkuvõte.
    municipality: jogeva-vald
    villages: [torma]
    type: road-works
    \(extra)timeline:
    \(timeline)
    ---
    Tekst.

    """
  }

  init(plans: [String: String]) throws {
    try write(
      "content/site.yml",
      "title: Test\nbaseURL: https://plaanid.example.ee/\nfeedback: { endpoint: https://tagasiside.example.ee/feedback }\n"
    )
    try write(
      "content/areas.yml",
      "municipalities:\n  - id: jogeva-vald\n    name: Jõgeva vald\n    villages:\n      - { id: torma, name: Torma }\n"
    )
    for (id, text) in plans { try write("content/plans/\(id).md", text) }
  }

  func write(_ path: String, _ text: String) throws {
    let url = root.appendingPathComponent(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  func render(now: String) throws -> Builder.Report {
    let report = try Builder(siteDirectory: root, output: root.appendingPathComponent("output")).render(
      now: fixedNow(now))
    #expect(report.succeeded, "\(DiagnosticFormat.text.render(report.diagnostics))")
    return report
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite struct PlanFactsTests {
  /// A timeline written out of order: entries by start, ties in the order written.
  static let text = """
    ---
    title: Tänavavalgustus
    summary: Kokkuvõte.
    municipality: jogeva-vald
    villages: [torma]
    type: road-works
    timeline:
      - { date: 2026-12-10, stage: decision, title: Otsus }
      - { date: 2026-11-20T18:00, title: Koosolek, kind: meeting }
      - { date: 2026-11-01, stage: idea, title: Idee }
      - { date: 2026-11-20T18:00, title: Teine koosolek, kind: meeting }
    ---
    Tekst.

    """

  func facts(now: String) throws -> PlanFacts {
    let fixture = try SiteFixture(plans: ["valgustus": Self.text])
    defer { try? FileManager.default.removeItem(at: fixture.root) }
    let site = try #require(ContentLoader(siteDirectory: fixture.root).load().site)
    let zone = site.settings.timeZone
    return PlanFacts(
      site.plans[0], zone: zone, offsets: ZoneOffsets.of(zone), now: try fixedNow(now)(zone), history: nil)
  }

  @Test func entriesGoByStartAndTiesStayInTheOrderWritten() throws {
    let f = try facts(now: "2026-11-25T12:00")
    #expect(f.ordered.map(\.title) == ["Idee", "Koosolek", "Teine koosolek", "Otsus"])
    #expect(f.starts == f.starts.sorted())
    #expect(f.status == .idea)
    #expect(f.published == LocalDate(year: 2026, month: 11, day: 1))
    #expect(f.updated == LocalDate(year: 2026, month: 11, day: 20))
  }

  @Test func beforeTheFirstEntryAndAfterTheLast() throws {
    let before = try facts(now: "2026-10-01T12:00")
    #expect(before.status == .idea)
    #expect(before.published == LocalDate(year: 2026, month: 11, day: 1))
    #expect(before.updated == LocalDate(year: 2026, month: 11, day: 1))
    let after = try facts(now: "2026-12-11T12:00")
    #expect(after.status == .decision)
    #expect(after.updated == LocalDate(year: 2026, month: 12, day: 10))
  }
}

/// Dates in words follow the theme's pattern: known names filled in, anything else as written.
@Suite struct DateWordsTests {
  let months = [
    "jaanuar", "veebruar", "märts", "aprill", "mai", "juuni", "juuli", "august", "september", "oktoober",
    "november", "detsember",
  ]

  func day(_ table: [String: TranslationValue], form: Translations.DateForm = .plain) -> String {
    Translations(language: .et, table: table).day(LocalDate(year: 2026, month: 12, day: 31), form: form)
  }

  @Test func patternsAreFilledAsWritten() {
    #expect(
      day(["date_pattern": .text("{day}. {month} {year}"), "months": .list(months)]) == "31. detsember 2026")
    #expect(
      day(["date_pattern": .text("{year}-{month}-{day} {x} {"), "months": .list(months)])
        == "2026-detsember-31 {x} {")
    #expect(day(["date_pattern": .text("{day}.{month}.{year}")]) == "31.12.2026")
    #expect(day(["months": .list(months)]) == "date_pattern")
    #expect(day(["date_pattern": .text("kuupäev")]) == "kuupäev")
  }

  @Test func formsFallBackToThePlainMonths() {
    var table: [String: TranslationValue] = [
      "date_pattern": .text("{day}. {month}"), "months": .list(months),
      "months_until": .list(months.map { $0 + "ni" }), "months_on": .list(["liiga", "lühike"]),
    ]
    #expect(day(table, form: .until) == "31. detsemberni")
    #expect(day(table, form: .on) == "31. detsember")
    table["months"] = .list(["liiga", "lühike"])
    #expect(day(table, form: .plain) == "31. 12")
  }
}
