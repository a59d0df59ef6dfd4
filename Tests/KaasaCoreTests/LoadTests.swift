import Foundation
import Testing

@testable import KaasaCore

@Suite("Loading content into the model")
struct LoadTests {
  let tallinn = TimeZone(identifier: "Europe/Tallinn")!

  @Test func planFieldsAndPositions() throws {
    let text = TestSite.plan(
      extra: """
        tags: [haridus, hooned]
        budget: { amount: 120000, currency: EUR }
        contact: { name: Mari Maasikas, email: mari@example.ee, phone: "+372 5555 0000" }
        location: { lat: 58.808, lon: 26.745, address: "Kooli 2, Torma" }
        feedback: { opens: 2026-12-01, closes: 2026-12-31 }
        documents:
          - { title: Eskiis, url: https://example.ee/eskiis.pdf }

        """,
      timeline: """
          - { date: 2026-11-20, stage: idea, title: Idee tutvustati }
          - { date: 2026-12-10T18:00, end: 2026-12-10T20:00, kind: meeting, title: Avalik arutelu, location: Torma rahvamaja, stage: consultation }
          - { date: 2026-12-11, title: Avalik arutelu }
          - { date: 2027-01-15T10:00+02:00, id: otsus, title: Volikogu otsus, stage: decision }

        """)
    let s = try TestSite(files: ["content/plans/sub/torma-katus.md": text])
    defer { s.remove() }
    let result = s.load()
    #expect(result.diagnostics == [])
    let plan = try #require(result.site?.plans.first)
    #expect(plan.id == "torma-katus")
    #expect(plan.file == "content/plans/sub/torma-katus.md")
    #expect(plan.municipality == Located("jogeva-vald", at: SourcePosition(line: 4, column: 15)))
    #expect(plan.villages.map(\.value) == ["torma"])
    #expect(plan.tags == ["haridus", "hooned"])
    #expect(plan.budget == Budget(amount: 120000, currency: "EUR"))
    #expect(plan.contact?.phone == "+372 5555 0000")
    #expect(plan.location?.point == GeoPoint(latitude: 58.808, longitude: 26.745))
    #expect(
      plan.feedback
        == FeedbackWindow(
          opens: LocalDate(year: 2026, month: 12, day: 1), closes: LocalDate(year: 2026, month: 12, day: 31)))
    #expect(plan.timeline.map(\.key) == ["idee-tutvustati", "avalik-arutelu", "avalik-arutelu-2", "otsus"])
    #expect(plan.timeline[1].kind == .meeting)
    #expect(plan.timeline[1].location == "Torma rahvamaja")
    #expect(plan.body == "Tekst.\n")
    #expect(plan.bodyLine == 20)
    if case .instant(let d) = plan.timeline[3].date {
      #expect(ISO8601DateFormatter().string(from: d) == "2027-01-15T08:00:00Z")
    } else {
      Issue.record("offset time should be an instant")
    }
  }

  @Test func statusFollowsNowAndOverride() throws {
    let text = TestSite.plan(
      timeline: """
          - { date: 2026-11-20, stage: idea, title: Idee }
          - { date: 2026-12-10T18:00, stage: consultation, title: Arutelu }
          - { date: 2027-01-15, title: Ilma etapita }

        """)
    let s = try TestSite(files: ["content/plans/x.md": text])
    defer { s.remove() }
    var plan = try #require(s.load().site?.plans.first)
    let at = { (text: String) in try #require(try EventDate.parse(text)).start(in: tallinn) }
    // Nothing has happened yet: the earliest staged entry's stage.
    #expect(plan.status(at: try at("2026-11-01"), in: tallinn) == .idea)
    #expect(plan.status(at: try at("2026-12-10T17:59"), in: tallinn) == .idea)
    #expect(plan.status(at: try at("2026-12-10T18:00"), in: tallinn) == .consultation)
    #expect(plan.status(at: try at("2027-02-01"), in: tallinn) == .consultation)
    plan.statusOverride = .cancelled
    #expect(plan.status(at: try at("2026-11-01"), in: tallinn) == .cancelled)
  }

  @Test func feedbackWindowIsInclusiveInSiteZone() throws {
    let w = FeedbackWindow(
      opens: LocalDate(year: 2026, month: 12, day: 1), closes: LocalDate(year: 2026, month: 12, day: 31))
    let at = { (text: String) in try #require(try EventDate.parse(text)).start(in: tallinn) }
    #expect(w.state(at: try at("2026-11-30T23:59:59"), in: tallinn) == .upcoming)
    #expect(w.state(at: try at("2026-12-01T00:00"), in: tallinn) == .open)
    #expect(w.state(at: try at("2026-12-31T23:59:59"), in: tallinn) == .open)
    #expect(w.state(at: try at("2027-01-01T00:00"), in: tallinn) == .closed)
    // 2026-11-30T22:00Z is midnight in Tallinn (UTC+2 in winter).
    #expect(w.start(in: tallinn) == Date(timeIntervalSince1970: 1_796_076_000))
  }

  @Test func dateParsing() throws {
    #expect(try EventDate.parse("2026-12-01") == .day(LocalDate(year: 2026, month: 12, day: 1)))
    #expect(try EventDate.parse("2024-02-29") == .day(LocalDate(year: 2024, month: 2, day: 29)))
    #expect(throws: DateProblem.self) { try EventDate.parse("2026-02-29") }
    #expect(throws: DateProblem.self) { try EventDate.parse("2026-12-10T24:00") }
    #expect(try EventDate.parse("10.12.2026") == nil)
    #expect(
      try EventDate.parse("2026-12-10 18:00")
        == .local(
          LocalDateTime(date: LocalDate(year: 2026, month: 12, day: 10), hour: 18, minute: 0, second: 0)))
    let utc = try #require(try EventDate.parse("2026-12-10T16:00:00Z"))
    #expect(utc.start(in: tallinn) == Date(timeIntervalSince1970: 1_796_918_400))
  }

  @Test func nowResolution() throws {
    let env = ["SOURCE_DATE_EPOCH": "1796076000"]
    #expect(
      try Now.resolve(option: "2026-12-01", environment: [:], zone: tallinn)
        == Date(timeIntervalSince1970: 1_796_076_000))
    #expect(
      try Now.resolve(option: nil, environment: env, zone: tallinn)
        == Date(timeIntervalSince1970: 1_796_076_000))
    #expect(
      try Now.resolve(option: nil, environment: [:], zone: tallinn, clock: { Date(timeIntervalSince1970: 5) })
        == Date(timeIntervalSince1970: 5))
    #expect(throws: NowError.self) { try Now.resolve(option: "tomorrow", environment: [:], zone: tallinn) }
  }

  @Test func slugs() {
    #expect(Slug.make("Põltsamaa jõe äärne kergliiklustee") == "poltsamaa-joe-aarne-kergliiklustee")
    #expect(Slug.make("Šokolaadi- ja žürii TÖÖD!") == "sokolaadi-ja-zurii-tood")
    #expect(
      Slug.make("Набережная Муствеэ") == "naberezhnaja-mustveje"
        || Slug.make("Набережная Муствеэ").allSatisfy { $0.isASCII })
    #expect(Slug.isValid("torma-kool-2027"))
    #expect(!Slug.isValid("Torma"))
    #expect(!Slug.isValid("a--b"))
    #expect(!Slug.isValid("-a"))
  }

  @Test func areasAndPagesLoad() throws {
    let s = try TestSite(files: [
      "content/pages/privacy.md": "---\ntitle: Andmekaitse\nmenu: true\nweight: 30\n---\nTekst\n",
      "content/pages/about.md": "---\ntitle: Meist\nmenu: true\nweight: 10\n---\nTekst\n",
    ])
    defer { s.remove() }
    let site = try #require(s.load().site)
    #expect(site.municipalities.map(\.id) == ["jogeva-vald", "mustvee-vald"])
    #expect(site.municipality("mustvee-vald")?.village("saare")?.name == "Saare")
    #expect(site.pages.map(\.slug) == ["about", "privacy"])
    #expect(site.settings.timeZone.identifier == "Europe/Tallinn")
  }
}
