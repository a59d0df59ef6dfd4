import Foundation
import Testing

@testable import KaasaCore

@Suite("Local times of instants")
struct LocalTimeTests {
  /// The arithmetic on the zone's offset gives what a Gregorian calendar in that zone gives, around
  /// clock changes, in zones with odd offsets and half-hour summer time, and before 1970.
  @Test(arguments: [
    "Europe/Tallinn", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia",
    "America/St_Johns", "Pacific/Chatham",
  ])
  func matchesTheGregorianCalendar(zoneID: String) throws {
    let zone = try #require(TimeZone(identifier: zoneID))
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    var instants: [Date] = []
    // Every 37 minutes through two years with clock changes, plus instants far apart.
    var t = Date(timeIntervalSince1970: 1_293_840_000)  // 2011-01-01, the year Samoa skipped a day
    while t < Date(timeIntervalSince1970: 1_356_998_400) {
      instants.append(t)
      t += 37 * 60
    }
    var u = Date(timeIntervalSince1970: 1_774_000_000)  // March 2026, Europe's change to summer time
    while u < Date(timeIntervalSince1970: 1_775_000_000) {
      instants.append(u)
      u += 11 * 60
    }
    instants += [-2_208_988_800, -86_401, -1, 0, 0.5, 86_399.9, 4_102_444_800].map(
      Date.init(timeIntervalSince1970:))
    for instant in instants {
      let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
      let expected = LocalDateTime(
        date: LocalDate(year: c.year!, month: c.month!, day: c.day!), hour: c.hour!, minute: c.minute!,
        second: c.second!)
      let local = LocalDateTime(instant, in: zone)
      #expect(local == expected, "\(instant.timeIntervalSince1970) in \(zoneID)")
      if local != expected { return }
      #expect(LocalDate(instant, in: zone) == expected.date)
    }
  }

  /// Wall times to instants: the arithmetic away from clock changes and the calendar near them give
  /// what the calendar alone gives, for every wall time at 20-minute steps through two years with
  /// changes (gaps and repeats included), in every kind of zone.
  @Test(arguments: [
    "Europe/Tallinn", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia",
    "America/St_Johns", "Pacific/Chatham", "America/Santiago", "Asia/Tehran", "Africa/Casablanca",
  ])
  func wallTimesNameTheCalendarsInstant(zoneID: String) throws {
    let zone = try #require(TimeZone(identifier: zoneID))
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    var day = LocalDate(year: 2011, month: 1, day: 1)
    var checked = 0
    while day < LocalDate(year: 2013, month: 1, day: 1) {
      for minutes in stride(from: 0, to: 24 * 60, by: 20) {
        let wall = LocalDateTime(date: day, hour: minutes / 60, minute: minutes % 60, second: 0)
        let expected = calendar.date(
          from: DateComponents(
            year: day.year, month: day.month, day: day.day, hour: wall.hour, minute: wall.minute, second: 0))
        #expect(wall.instant(in: zone) == expected, "\(day) \(wall.hour):\(wall.minute) in \(zoneID)")
        if wall.instant(in: zone) != expected { return }
        checked += 1
      }
      day = day.next
    }
    #expect(checked == 731 * 72)
    for d in [LocalDate(year: 1969, month: 12, day: 31), LocalDate(year: 1900, month: 3, day: 1)] {
      #expect(
        d.start(in: zone) == calendar.date(from: DateComponents(year: d.year, month: d.month, day: d.day)))
    }
  }

  @Test func daysSince1970RoundTrip() {
    for days in stride(from: -800_000, through: 800_000, by: 997) {
      #expect(LocalDate(daysSince1970: days).daysSince1970 == days)
    }
    #expect(LocalDate(year: 1970, month: 1, day: 1).daysSince1970 == 0)
    #expect(LocalDate(year: 2026, month: 12, day: 1).daysSince1970 == 20_788)
  }
}

@Suite("Tables of a zone's offsets")
struct ZoneOffsetsTests {
  /// Every zone above has a table (else the conversions never use one), and the table gives the
  /// zone's own offset on both sides of every change and at instants spread over the years covered.
  @Test(arguments: [
    "Europe/Tallinn", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia",
    "America/St_Johns", "Pacific/Chatham", "America/Santiago", "Asia/Tehran", "Africa/Casablanca",
    "Europe/Moscow",
  ])
  func tablesGiveTheZonesOffsets(zoneID: String) throws {
    let zone = try #require(TimeZone(identifier: zoneID))
    let table = try #require(ZoneOffsets.of(zone))
    #expect(zoneID == "UTC" ? table.changes.isEmpty : !table.changes.isEmpty)
    var seconds = table.changes.flatMap { [$0 - 1, $0, $0 + 1] }
    // 1970 to 2100 at a step of 10 days, 3 hours and 17 minutes, so every time of day comes round.
    seconds += stride(from: 0, to: ZoneOffsets.covered.upperBound, by: 10 * 86_400 + 3 * 3600 + 17 * 60)
    for second in seconds {
      let expected = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second)))
      #expect(table.offset(at: second) == expected, "\(second) in \(zoneID)")
      if table.offset(at: second) != expected { return }
    }
    #expect(table.offset(at: -1) == nil && table.offset(at: ZoneOffsets.covered.upperBound) == nil)
    if let change = table.changes.first {
      #expect(table.steadyOffset(through: (change - 10)...(change + 10)) == nil)
      #expect(table.steadyOffset(through: (change)...(change + 10)) == table.offset(at: change))
    }
  }
}
