import Foundation
import KaasaBytes
import Testing

@testable import KaasaFeeds

@Suite struct ICalendarWriterTests {
  let stamp = utc(2026, 11, 1, 9)

  func event(_ start: EventTime, end: EventTime? = nil, summary: String = "Arutelu") -> CalendarEvent {
    CalendarEvent(uid: "plaan-1-arutelu@kaasa.ee", stamp: stamp, summary: summary, start: start, end: end)
  }

  func render(_ events: [CalendarEvent], zone: TimeZone = tallinn) -> String {
    ICalendarWriter.render(ICalendar(name: "Kaasa", timeZone: zone, events: events))
  }

  /// The logical lines: physical lines with folds undone, split at CRLF.
  func lines(_ text: String) -> [String] {
    text.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n").dropLast()
  }

  @Test func writesCalendarPropertiesAndAnAllDayEvent() {
    var full = event(.date(year: 2026, month: 12, day: 1), end: .date(year: 2026, month: 12, day: 15))
    full.lastModified = utc(2026, 11, 2, 10, 30)
    full.sequence = 3
    full.description = "Eskiisi avalik väljapanek."
    full.location = "Vallamaja, Tallinn"
    full.geo = GeoPoint(latitude: 59.437, longitude: 24.7536)
    full.url = "https://kaasa.ee/plaan/1/?a=b,c;d"
    full.categories = ["Väljapanek", "a,b"]
    let calendar = ICalendar(
      name: "Kaasa, Põlva", description: "Planeeringud; kõik", timeZone: tallinn, refreshInterval: 6,
      language: "et", events: [full])
    let expected = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Kaasa//Kaasa 1.0//ET",
      "CALSCALE:GREGORIAN",
      "NAME;LANGUAGE=et:Kaasa\\, Põlva",
      "X-WR-CALNAME:Kaasa\\, Põlva",
      "DESCRIPTION;LANGUAGE=et:Planeeringud\\; kõik",
      "X-WR-CALDESC:Planeeringud\\; kõik",
      "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
      "X-PUBLISHED-TTL:PT6H",
      "X-WR-TIMEZONE:Europe/Tallinn",
      "BEGIN:VEVENT",
      "UID:plaan-1-arutelu@kaasa.ee",
      "DTSTAMP:20261101T090000Z",
      "LAST-MODIFIED:20261102T103000Z",
      "SEQUENCE:3",
      "DTSTART;VALUE=DATE:20261201",
      "DTEND;VALUE=DATE:20261215",
      "SUMMARY;LANGUAGE=et:Arutelu",
      "DESCRIPTION;LANGUAGE=et:Eskiisi avalik väljapanek.",
      "LOCATION;LANGUAGE=et:Vallamaja\\, Tallinn",
      "GEO:59.437;24.7536",
      "URL:https://kaasa.ee/plaan/1/?a=b,c;d",
      "CATEGORIES;LANGUAGE=et:Väljapanek,a\\,b",
      "STATUS:CONFIRMED",
      "TRANSP:TRANSPARENT",
      "END:VEVENT",
      "END:VCALENDAR",
    ]
    let text = ICalendarWriter.render(calendar)
    #expect(lines(text) == expected)
    #expect(!text.contains("METHOD"))
    #expect(!text.contains("VTIMEZONE"))
  }

  @Test func endsEveryLineWithCRLF() {
    var long = event(.dateTime(utc(2026, 12, 10, 16)), summary: String(repeating: "Тарту 🌲 ", count: 30))
    long.description = "üks\nkaks\r\nkolm\rneli"
    let bytes = Array(render([long, event(.date(year: 2026, month: 12, day: 1))]).utf8)
    #expect(bytes.suffix(2) == [13, 10])
    for (index, byte) in bytes.enumerated() {
      if byte == 13 { #expect(bytes[index + 1] == 10) }
      if byte == 10 { #expect(index > 0 && bytes[index - 1] == 13) }
    }
  }

  @Test func escapesText() {
    var odd = event(.date(year: 2026, month: 12, day: 1), summary: mixedText)
    odd.description = "a\r\nb\nc\rd\u{0}e\u{1B}f\u{7F}g\th"
    let text = lines(render([odd]))
    #expect(
      text.contains("SUMMARY:Põhja-Tallinna küla: «Тарту\\, улица» & <Jõgi> \"ö\" 'ä' a\\;b\\,c\\\\d 🌲👩‍👩‍👧"))
    #expect(text.contains("DESCRIPTION:a\\nb\\nc\\nd" + "efg\th"))
  }

  @Test func foldsAt75OctetsWithoutSplittingUTF8() throws {
    let summary = String(repeating: "Тарту ü 🌲 👩‍👩‍👧 ", count: 10)
    #expect(summary.utf8.count >= 300)
    let text = render([event(.date(year: 2026, month: 12, day: 1), summary: summary)])
    let physical = text.components(separatedBy: "\r\n").dropLast()
    for line in physical {
      let bytes = Array(line.utf8)
      #expect(bytes.count <= 75)
      #expect(String(validating: bytes, as: UTF8.self) != nil)
    }
    #expect(physical.filter { $0.hasPrefix(" ") }.count >= 4)
    #expect(lines(text).contains("SUMMARY:" + summary))
  }

  @Test func foldsByOctetsNotCharacters() {
    let summary = String(repeating: "ä", count: 60)
    let physical = render([event(.date(year: 2026, month: 12, day: 1), summary: summary)])
      .components(separatedBy: "\r\n")
    let start = physical.firstIndex { $0.hasPrefix("SUMMARY:") }!
    // "SUMMARY:" is 8 octets and each "ä" 2: 33 fill the first line to 74, the other 27 go on the next.
    #expect(physical[start] == "SUMMARY:" + String(repeating: "ä", count: 33))
    #expect(physical[start + 1] == " " + String(repeating: "ä", count: 27))
  }

  @Test func writesTallinnAsYearlyRules() throws {
    let text = render([event(.dateTime(utc(2026, 12, 10, 16)))])
    let expected = """
      BEGIN:VTIMEZONE\r
      TZID:Europe/Tallinn\r
      BEGIN:STANDARD\r
      TZOFFSETFROM:+0300\r
      TZOFFSETTO:+0200\r
      DTSTART:19701025T040000\r
      RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
      END:STANDARD\r
      BEGIN:DAYLIGHT\r
      TZOFFSETFROM:+0200\r
      TZOFFSETTO:+0300\r
      DTSTART:19700329T030000\r
      RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
      END:DAYLIGHT\r
      END:VTIMEZONE\r

      """
    #expect(text.contains(expected))
    #expect(text.components(separatedBy: "BEGIN:VTIMEZONE").count == 2)
    #expect(
      try #require(text.range(of: "END:VTIMEZONE")).lowerBound < text.range(of: "BEGIN:VEVENT")!.lowerBound)
  }

  @Test(arguments: [
    (utc(2026, 12, 10, 16), "DTSTART;TZID=Europe/Tallinn:20261210T180000"),
    (utc(2027, 3, 28, 10), "DTSTART;TZID=Europe/Tallinn:20270328T130000"),
    (utc(2027, 3, 28, 0, 30), "DTSTART;TZID=Europe/Tallinn:20270328T023000"),
    (utc(2026, 10, 25, 10), "DTSTART;TZID=Europe/Tallinn:20261025T120000"),
    (utc(2026, 10, 24, 21), "DTSTART;TZID=Europe/Tallinn:20261025T000000"),
    // The first 03:30 that night is EEST; the second would read back as the first, so it is UTC.
    (utc(2026, 10, 25, 0, 30), "DTSTART;TZID=Europe/Tallinn:20261025T033000"),
    (utc(2026, 10, 25, 1, 30), "DTSTART:20261025T013000Z"),
  ])
  func writesTimedEventsInLocalWallTime(start: Date, expected: String) {
    let text = lines(render([event(.dateTime(start))]))
    #expect(text.contains(expected))
    #expect(!text.contains { $0.hasPrefix("DTEND") })
    #expect(!text.contains("TRANSP:TRANSPARENT"))
  }

  @Test func writesTimedEndInTheZone() {
    let text = lines(
      render([event(.dateTime(utc(2027, 3, 28, 0, 30)), end: .dateTime(utc(2027, 3, 28, 1, 30)))]))
    #expect(text.contains("DTSTART;TZID=Europe/Tallinn:20270328T023000"))
    #expect(text.contains("DTEND;TZID=Europe/Tallinn:20270328T043000"))
  }

  @Test(
    arguments: [
      (EventTime.date(year: 2026, month: 12, day: 1), nil, "20261201", "20261202"),
      (.date(year: 2026, month: 12, day: 31), nil, "20261231", "20270101"),
      (.date(year: 2028, month: 2, day: 28), nil, "20280228", "20280229"),
      (.date(year: 2026, month: 12, day: 1), .date(year: 2026, month: 12, day: 15), "20261201", "20261215"),
      // An end that is not after the start (or not a date) falls back to one day.
      (.date(year: 2026, month: 12, day: 1), .date(year: 2026, month: 12, day: 1), "20261201", "20261202"),
      (.date(year: 2026, month: 12, day: 1), .dateTime(utc(2026, 12, 5)), "20261201", "20261202"),
    ] as [(EventTime, EventTime?, String, String)])
  func writesAllDayEventsWithExclusiveEnd(start: EventTime, end: EventTime?, first: String, last: String) {
    let text = lines(render([event(start, end: end)]))
    #expect(text.contains("DTSTART;VALUE=DATE:" + first))
    #expect(text.contains("DTEND;VALUE=DATE:" + last))
    #expect(text.contains("TRANSP:TRANSPARENT"))
    #expect(!text.contains("BEGIN:VTIMEZONE"))
  }

  @Test func writesStatusAndGeo() {
    var cancelled = event(.date(year: 2026, month: 12, day: 1))
    cancelled.cancelled = true
    cancelled.geo = GeoPoint(latitude: -33.8688197, longitude: 151.0000004)
    var offEarth = event(.date(year: 2026, month: 12, day: 2))
    offEarth.geo = GeoPoint(latitude: 91, longitude: 0)
    let text = lines(render([cancelled, offEarth]))
    #expect(text.contains("STATUS:CANCELLED"))
    #expect(text.contains("STATUS:CONFIRMED"))
    #expect(text.contains("GEO:-33.86882;151"))
    #expect(text.filter { $0.hasPrefix("GEO:") }.count == 1)
  }

  @Test func clampsRefreshInterval() {
    let text = ICalendarWriter.render(ICalendar(name: "K", timeZone: tallinn, refreshInterval: 0))
    #expect(lines(text).contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H"))
    #expect(lines(text).contains("X-PUBLISHED-TTL:PT1H"))
  }

  @Test func rendersTheSameBytesTwice() {
    let events = [event(.dateTime(utc(2026, 12, 10, 16))), event(.date(year: 2027, month: 1, day: 4))]
    #expect(Array(render(events).utf8) == Array(render(events).utf8))
  }

  @Test func rendersConcurrentlyAsSerially() async {
    let calendars = (0..<200).map { n in
      ICalendar(
        name: "Kaasa \(n) Тарту", timeZone: n % 2 == 0 ? tallinn : TimeZone(identifier: "America/New_York")!,
        events: (0..<5).map { i in
          CalendarEvent(
            uid: "\(n)-\(i)", stamp: stamp, summary: String(repeating: "Plaan \(n) 🌲 ", count: 1 + i * 3),
            start: i % 2 == 0
              ? .dateTime(utc(2026 + i % 2, 1 + n % 12, 1 + i, n % 24))
              : .date(year: 2026, month: 3, day: 1 + n % 28))
        })
    }
    let serial = calendars.map { ICalendarWriter.render($0) }
    let parallel = await withTaskGroup(of: (Int, String).self) { group in
      for (index, calendar) in calendars.enumerated() {
        group.addTask { (index, ICalendarWriter.render(calendar)) }
      }
      var results = [String](repeating: "", count: calendars.count)
      for await (index, text) in group { results[index] = text }
      return results
    }
    #expect(parallel == serial)
    #expect(Set(serial).count == calendars.count)
  }
}

@Suite("Events and items rendered once and shared")
struct PreparedPiecesTests {
  let tallinn = TimeZone(identifier: "Europe/Tallinn")!

  func events() -> [CalendarEvent] {
    (0..<6).map { i in
      CalendarEvent(
        uid: "plan/\(i)@example.ee", stamp: Date(timeIntervalSince1970: 1_796_000_000),
        summary: "Koosolek \(i); Сход, 🌲 \\ \(String(repeating: "õ", count: 40))",
        location: "Torma, rahvamaja", url: "https://example.ee/plans/x/#e-\(i)",
        start: i % 2 == 0
          ? .dateTime(Date(timeIntervalSince1970: 1_797_000_000 + Double(i) * 86_400 * 40))
          : .date(year: 2027, month: 3, day: 20 + i),
        cancelled: i == 5)
    }
  }

  @Test func preparedCalendarEqualsDirectRender() {
    let all = events()
    let calendar = ICalendar(name: "Torma", timeZone: tallinn, language: "et", events: all)
    var shell = calendar
    shell.events = []
    // Prepared per "plan" (in two groups) and combined, as the site does.
    let prepared =
      ICalendarWriter.prepare(Array(all[0..<3]), timeZone: tallinn, language: "et", covering: [])
      + ICalendarWriter.prepare(Array(all[3...]), timeZone: tallinn, language: "et", covering: [])
    #expect(ICalendarWriter.render(shell, prepared: prepared) == ICalendarWriter.render(calendar))
  }

  @Test func preparedFromAnotherZoneIsRenderedAgain() {
    let all = events()
    let calendar = ICalendar(name: "Torma", timeZone: tallinn, events: all)
    var shell = calendar
    shell.events = []
    let prepared = ICalendarWriter.prepare(
      all, timeZone: TimeZone(identifier: "America/New_York")!, language: nil, covering: [])
    #expect(ICalendarWriter.render(shell, prepared: prepared) == ICalendarWriter.render(calendar))
  }

  /// Estonia kept no summer time in 2000: a calendar that also holds an event of that year has no
  /// yearly rule to write, so the events prepared with this decade's rules get their times written
  /// again (in UTC), and the rest of their text as prepared; through the cache's encoding as well.
  @Test func preparedUnderOtherRulesGetTheirTimesWrittenAgain() throws {
    let recent = events()
    let old = CalendarEvent(
      uid: "old/1@example.ee", stamp: Date(timeIntervalSince1970: 962_000_000), summary: "Vana koosolek",
      start: .dateTime(Date(timeIntervalSince1970: 962_100_000)),
      end: .dateTime(Date(timeIntervalSince1970: 962_107_200)))
    let calendar = ICalendar(name: "Torma", timeZone: tallinn, language: "et", events: recent + [old])
    var shell = calendar
    shell.events = []
    let first = ICalendarWriter.prepare(recent, timeZone: tallinn, language: "et", covering: [])
    let second = ICalendarWriter.prepare([old], timeZone: tallinn, language: "et", covering: [])
    #expect(first[0].rules != second[0].rules)
    let direct = ICalendarWriter.render(calendar)
    #expect(ICalendarWriter.render(shell, prepared: first + second) == direct)
    #expect(direct.contains("DTSTART:20000627T") && !direct.contains("BEGIN:VTIMEZONE"))

    var w = ByteWriter()
    for event in first + second { event.encode(into: &w) }
    var r = ByteReader(w.bytes)
    let decoded = try (first + second).map { _ in try PreparedEvent(from: &r) }
    #expect(r.atEnd)
    #expect(decoded == first + second)
    #expect(ICalendarWriter.render(shell, prepared: decoded) == direct)
    // Alone, the recent events are written with the zone's rules, as prepared.
    var recentShell = shell
    recentShell.events = []
    #expect(
      ICalendarWriter.render(recentShell, prepared: Array(decoded.prefix(recent.count)))
        == ICalendarWriter.render(ICalendar(name: "Torma", timeZone: tallinn, language: "et", events: recent))
    )
  }

  @Test func preparedFeedEqualsDirectRender() {
    let items = (0..<4).map { i in
      RSSItem(
        title: "Plaan — samm \(i) & <b>", link: "https://example.ee/plans/x/#e-\(i)", guid: "x/\(i)",
        pubDate: Date(timeIntervalSince1970: 1_796_000_000 + Double(i) * 3600), categories: ["teetööd"],
        description: "<p>Tekst</p>")
    }
    let channel = RSSChannel(
      title: "Torma", link: "https://example.ee/", description: "D", language: "et",
      selfURL: "https://example.ee/feed.xml", items: items)
    var shell = channel
    shell.items = []
    let prepared = items.map { (pubDate: $0.pubDate, text: RSSWriter.itemText($0)) }
    #expect(RSSWriter.render(shell, prepared: prepared) == RSSWriter.render(channel))
    #expect(RSSWriter.render(shell, prepared: []) == RSSWriter.render(shell))
  }
}

/// Folding byte by byte (Latin and Cyrillic lines) must break exactly where folding by grapheme does.
@Suite struct ICalendarFoldingTests {
  @Test func byteFoldingBreaksWhereGraphemeFoldingDoes() {
    let alphabet: [String] = [
      "a", "Z", " ", ",", "\\", "õ", "Ä", "š", "ž", "д", "Ж", "ё", "\t", "é", "ß", "ґ", "–", "€", "„", "“",
      "‼",
    ]
    var random = RandomText(seed: 0x2545_F491_4F6C_DD1D)
    for _ in 0..<2000 {
      let line = random.text(alphabet, count: 60 + random.next(128))
      let simple = ICalendarText.foldSimple(line, limit: 75)
      #expect(simple == ICalendarText.foldGraphemes(line, limit: 75), "\(line)")
    }
  }

  @Test func linesWithCombiningMarksOrEmojiFoldByGrapheme() {
    let combining = String(repeating: "e\u{301}", count: 50)
    let emoji = String(repeating: "🇪🇪", count: 30)
    #expect(ICalendarText.foldSimple(combining, limit: 75) == nil)
    #expect(ICalendarText.foldSimple(emoji, limit: 75) == nil)
    #expect(ICalendarText.fold(combining).components(separatedBy: "\r\n ").allSatisfy { $0.utf8.count <= 75 })
    #expect(!ICalendarText.fold(combining).contains("\r\n \u{301}"))
  }
}

/// The escapers work on bytes; they are compared with escaping scalar by scalar: the RSS writer's own
/// general path, and for iCalendar a reference here, as the escaper once was.
@Suite struct EscapingTests {
  static func icalendarReference(_ text: String) -> String {
    var out = ""
    var afterCR = false
    for scalar in text.unicodeScalars {
      defer { afterCR = scalar == "\r" }
      switch scalar {
      case "\\": out += "\\\\"
      case ";": out += "\\;"
      case ",": out += "\\,"
      case "\r": out += "\\n"
      case "\n": if !afterCR { out += "\\n" }
      case "\t": out.unicodeScalars.append(scalar)
      case "\u{0}"..."\u{1F}", "\u{7F}": continue
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  @Test func bytesEscapeAsScalarsDid() {
    let alphabet: [String] = [
      "a", " ", "\\", ";", ",", "\r", "\n", "\r\n", "\t", "\u{0}", "\u{1B}", "\u{7F}", "&", "<", ">", "\"",
      "'",
      "õ", "Ж", "€", "\u{FFFE}", "\u{FFFF}", "\u{FEFF}", "🌲", "e\u{301}",
    ]
    var random = RandomText(seed: 0x1234_5678_9ABC_DEF1)
    for _ in 0..<3000 {
      let text = random.text(alphabet, count: 1 + random.next(16))
      #expect(ICalendarText.escape(text) == Self.icalendarReference(text), "\(text.debugDescription)")
      #expect(RSSWriter.escape(text) == RSSWriter.escapeScalars(text), "\(text.debugDescription)")
    }
  }
}
