import Foundation
import Testing

@testable import KaasaCore

/// The repository root, found from this file, so tests can read the sample site.
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent()
  .deletingLastPathComponent()

private func fast(_ text: String) -> CalendarFacts? {
  var slugs: [String: String] = [:]
  return Array(text.utf8).withUnsafeBufferPointer { CalendarFacts.read($0, slugs: &slugs) }
}

/// Whether the scanner read the text itself (rather than handing it to the YAML parser).
private func scanned(_ text: String) -> Bool {
  let bytes = Array(text.utf8)
  return bytes.withUnsafeBufferPointer { b in
    guard let range = CalendarFacts.frontMatter(b) else { return false }
    return FrontMatterScanner(UnsafeBufferPointer(rebasing: b[range])).scan() != nil
  }
}

@Suite("Calendar facts of plan versions")
struct CalendarFactsTests {
  /// The scanner, the YAML parser and the loader agree on every sample plan.
  @Test func sampleSitePlansAgree() throws {
    let site = try #require(ContentLoader(siteDirectory: repositoryRoot).load().site)
    #expect(site.plans.count >= 15)
    for plan in site.plans {
      let text = try String(contentsOf: repositoryRoot.appendingPathComponent(plan.file), encoding: .utf8)
      #expect(scanned(text), "\(plan.file) should not need the YAML parser")
      #expect(fast(text) == CalendarFacts(plan: plan), "\(plan.file)")
      #expect(CalendarFacts.readWithYAMLParser(text) == CalendarFacts(plan: plan), "\(plan.file)")
    }
  }

  /// Plans the loader reads agree with the scanner, also on values YAML could read as null.
  @Test func loadedPlansAgree() throws {
    let text = TestSite.plan(
      extra: "status: approved\nfeedback:\n  opens: 2026-12-01 # algus\n  closes: '2026-12-31'\n",
      timeline: """
          - { date: 2026-11-20, stage: idea, title: Idee, location: ~ }
          - date: 2026-12-10T18:00
            title: "Arutelu"
            location: null
          - date: 2026-12-11
            title: Arutelu
            end: 2026-12-12
            id: teine-arutelu

        """)
    let site = try TestSite(files: ["content/plans/torma.md": text])
    defer { site.remove() }
    #expect(site.report() == [])
    let plan = try #require(site.load().site?.plans.first)
    #expect(scanned(text))
    #expect(fast(text) == CalendarFacts(plan: plan))
    #expect(fast(text)?.entries.keys.sorted() == ["arutelu", "idee", "teine-arutelu"])
  }

  static let variants: [String] = [
    // Flow entries, comments, quotes, CRLF, a byte order mark.
    "---\ntitle: T\nstatus: cancelled # loobuti\ntimeline:\n  - { date: 2026-11-20, title: 'Idee ''üks''', stage: idea }\n  - { date: \"2026-12-10T18:00\", title: Arutelu, location: \"Kooli 2, Torma\" }\n---\n",
    "\u{FEFF}---\r\ntitle: T\r\ntimeline:\r\n  - date: 2026-11-20\r\n    title: Idee\r\n---\r\nText\r\n",
    // The list at the key's own indentation, a `~` location (text for the loader), repeated titles, an id.
    "---\ntimeline:\n- date: 2026-11-20\n  title: Arutelu\n  location: ~\n- date: 2026-11-21\n  title: Arutelu\n- { date: 2026-11-22, title: Arutelu, id: arutelu-2 }\n---\n",
    // Feedback as a block, draft, an entry without a date, an impossible date.
    "---\nfeedback:\n  opens: 2026-12-01\n  closes: 2026-12-31\ndraft: yes\ntimeline:\n  - title: Ilma kuupäevata\n  - date: 2026-02-30\n    title: Võimatu\n  - date: 2026-12-01T10:00+02:00\n    end: 2026-12-01T12:00+02:00\n    title: Koosolek\n---\n",
    // Values that only the YAML parser reads: block scalars, escapes, anchors, tabs, multi-line flow.
    "---\nsummary: >\n  pikk\n  tekst\ntimeline:\n  - date: 2026-11-20\n    title: |\n      Mitmerealine\n---\n",
    "---\ntimeline:\n  - { date: 2026-11-20, title: \"Jutumärk \\\" sees\" }\n---\n",
    "---\nplace: &p Rahvamaja\ntimeline:\n  - { date: 2026-11-20, title: Idee, location: *p }\n---\n",
    "---\ntimeline:\n  - date: 2026-11-20\n    title:\tTab\n---\n",
    "---\ntags: [a,\n  b]\ntimeline: [{ date: 2026-11-20, title: Idee }]\n---\n",
    "---\ntimeline:\n  - date: 2026-11-20\n    title: Idee\n    stage: cancelled\n---\n",
    // Broken YAML: both give up.
    "---\ntimeline:\n  - date: 2026-11-20\n    title: Idee: teine\n---\n",
    "---\ntitle: a\ntitle: b\ntimeline:\n  - { date: 2026-11-20, title: Idee }\n---\n",
    "no front matter\n",
  ]

  @Test(arguments: variants)
  func scannerAndParserAgree(_ text: String) {
    #expect(fast(text) == CalendarFacts.readWithYAMLParser(text))
  }

  @Test func scannerReadsWhatItShould() throws {
    let f = try #require(fast(Self.variants[0]))
    #expect(f.status == .cancelled)
    #expect(f.entries["idee-uks"]?.date == .day(LocalDate(year: 2026, month: 11, day: 20)))
    #expect(f.entries["arutelu"]?.location == "Kooli 2, Torma")
    let keys = try #require(fast(Self.variants[2])).entries.keys.sorted()
    #expect(keys == ["arutelu", "arutelu-2", "arutelu-3"])
    let g = try #require(fast(Self.variants[3]))
    #expect(g.draft)
    #expect(
      g.feedback
        == FeedbackWindow(
          opens: LocalDate(year: 2026, month: 12, day: 1), closes: LocalDate(year: 2026, month: 12, day: 31)))
    #expect(g.entries.keys.sorted() == ["koosolek"])
    #expect(try #require(fast(Self.variants[9])).status == .cancelled, "a cancelled stage cancels the plan")
    #expect(scanned(Self.variants[0]) && scanned(Self.variants[1]) && scanned(Self.variants[2]))
    for i in 4...8 { #expect(!scanned(Self.variants[i]), "variant \(i) is for the YAML parser") }
    #expect(fast(Self.variants[10]) == nil)
    #expect(fast(Self.variants[12]) == nil)
  }
}
