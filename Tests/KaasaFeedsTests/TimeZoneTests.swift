import Foundation
import KaasaFeeds
import Testing

/// VTIMEZONE rules for zones other than Tallinn, and the fall-back to UTC.
@Suite struct TimeZoneTests {
  func render(_ zoneID: String, _ start: Date) -> [String] {
    let event = CalendarEvent(uid: "u", stamp: utc(2026, 1, 1), summary: "S", start: .dateTime(start))
    let calendar = ICalendar(name: "K", timeZone: TimeZone(identifier: zoneID)!, events: [event])
    return ICalendarWriter.render(calendar).components(separatedBy: "\r\n")
  }

  func timeZoneBlock(_ lines: [String]) -> [String] {
    guard let begin = lines.firstIndex(of: "BEGIN:VTIMEZONE"), let end = lines.firstIndex(of: "END:VTIMEZONE")
    else { return [] }
    return Array(lines[begin...end])
  }

  @Test func writesNthWeekdayRules() {
    let lines = render("America/New_York", utc(2026, 7, 4, 16))
    #expect(
      timeZoneBlock(lines) == [
        "BEGIN:VTIMEZONE", "TZID:America/New_York",
        "BEGIN:STANDARD", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "DTSTART:19701101T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "END:STANDARD",
        "BEGIN:DAYLIGHT", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "DTSTART:19700308T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "END:DAYLIGHT",
        "END:VTIMEZONE",
      ])
    #expect(lines.contains("DTSTART;TZID=America/New_York:20260704T120000"))
  }

  @Test func writesSouthernHemisphereRules() {
    let block = timeZoneBlock(render("Australia/Sydney", utc(2026, 1, 15)))
    #expect(block.contains("RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"))
    #expect(block.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"))
    #expect(block.contains("TZOFFSETTO:+1100"))
  }

  @Test func writesOnlyStandardForZonesWithoutDaylightSaving() {
    let lines = render("Asia/Tokyo", utc(2026, 12, 10, 16))
    #expect(
      timeZoneBlock(lines) == [
        "BEGIN:VTIMEZONE", "TZID:Asia/Tokyo",
        "BEGIN:STANDARD", "TZOFFSETFROM:+0900", "TZOFFSETTO:+0900", "DTSTART:19700101T000000", "END:STANDARD",
        "END:VTIMEZONE",
      ])
    #expect(lines.contains("DTSTART;TZID=Asia/Tokyo:20261211T010000"))
  }

  @Test func writesHalfHourOffsets() {
    let lines = render("Asia/Kolkata", utc(2026, 12, 10, 16))
    #expect(lines.contains("TZOFFSETTO:+0530"))
    #expect(lines.contains("DTSTART;TZID=Asia/Kolkata:20261210T213000"))
  }

  // Casablanca's changes follow Ramadan; Tehran gave up daylight saving in 2022.
  @Test(arguments: [
    ("Africa/Casablanca", utc(2026, 12, 10, 16)),
    ("Asia/Tehran", utc(2022, 6, 1, 12)),
  ])
  func fallsBackToUTCWhenNoYearlyRuleFits(zoneID: String, start: Date) {
    let lines = render(zoneID, start)
    #expect(!lines.contains("BEGIN:VTIMEZONE"))
    #expect(lines.contains("DTSTART:" + utcText(start)))
    #expect(!lines.contains { $0.contains("TZID=") })
  }

  @Test func writesNoTimeZoneForAllDayEventsOnly() {
    let event = CalendarEvent(
      uid: "u", stamp: utc(2026, 1, 1), summary: "S", start: .date(year: 2026, month: 5, day: 1))
    let text = ICalendarWriter.render(ICalendar(name: "K", timeZone: tallinn, events: [event]))
    #expect(!text.contains("VTIMEZONE"))
    #expect(text.contains("X-WR-TIMEZONE:Europe/Tallinn\r\n"))
  }

  func utcText(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0)!
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    return String(
      format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
  }
}
