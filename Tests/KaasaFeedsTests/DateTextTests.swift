import Foundation
import Testing

@testable import KaasaFeeds

/// Calendars write dates by arithmetic where it agrees with Foundation's Gregorian calendar, and
/// through the calendar elsewhere: either way the text is the calendar's.
@Suite struct DateTextTests {
  func fromCalendar(_ date: Date) -> String {
    let c = DateText.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    return DateText.basicDate(year: c.year!, month: c.month!, day: c.day!)
      + "T" + DateText.pad(c.hour!, 2) + DateText.pad(c.minute!, 2) + DateText.pad(c.second!, 2)
  }

  @Test func dateTimesAreTheCalendars() {
    var state: UInt64 = 0x853C_49E6_748F_EA9B
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33) % bound
    }
    // Around the edges (the Julian calendar before 1583, year 10,000, 1970, leap days) and anywhere.
    let edges: [Double] = [
      -12_219_292_800, -12_212_553_600, -12_212_553_601, -11_676_096_000, -11_676_096_001, 253_402_300_799,
      253_402_300_800, 0, -1, 951_782_400, 951_868_799, 4_107_456_000, 1_795_000_000.5,
    ]
    var seconds = edges
    for _ in 0..<3_000 { seconds.append(Double(next(266_000_000_000) - 13_000_000_000)) }
    for s in seconds {
      let date = Date(timeIntervalSince1970: s)
      #expect(DateText.basicDateTime(date) == fromCalendar(date), "\(s)")
      #expect(DateText.basicDateTime(date, offset: 10_800) == fromCalendar(date + 10_800), "\(s)")
    }
  }

  @Test func daysAreNormalizedAsTheCalendarDoes() {
    for (year, month, day, adding) in [
      (2026, 4, 31, 0), (2026, 12, 31, 1), (2024, 2, 28, 1), (2100, 2, 28, 1), (2000, 2, 29, 1),
      (1583, 1, 1, -1),
      (1582, 10, 4, 1), (1000, 2, 28, 1), (9999, 12, 31, 1), (2026, 3, 0, 0), (2026, 1, 1, 400),
    ] {
      let date = DateText.utc.date(from: DateComponents(year: year, month: month, day: day + adding))!
      let c = DateText.utc.dateComponents([.year, .month, .day], from: date)
      let d = DateText.day(year: year, month: month, day: day, adding: adding)
      let expected: [Int] = [c.year!, c.month!, c.day!]
      let got: [Int] = [d.year, d.month, d.day]
      #expect(got == expected, "\(year)-\(month)-\(day) + \(adding)")
    }
  }
}
