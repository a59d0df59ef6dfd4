import Foundation
import KaasaCore

/// Date formats shared by the writers, done by hand so that they are thread-safe and never localized.
enum DateText {
  /// A UTC Gregorian calendar; `Calendar` is an immutable value, so one copy serves every thread.
  static let utc: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0)!
    return calendar
  }()

  private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
  private static let monthNames = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]

  /// RFC 822 (as RFC 1123 amends it, four-digit year) in UTC, e.g. `Thu, 10 Dec 2026 16:00:00 +0000`.
  static func rfc822(_ date: Date) -> String {
    let c = utc.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
    return "\(dayNames[c.weekday! - 1]), \(pad(c.day!, 2)) \(monthNames[c.month! - 1]) \(pad(c.year!, 4)) "
      + "\(pad(c.hour!, 2)):\(pad(c.minute!, 2)):\(pad(c.second!, 2)) +0000"
  }

  /// iCalendar DATE-TIME of the wall clock `offset` seconds ahead of UTC, e.g. `20261210T180000`.
  static func basicDateTime(_ date: Date, offset: Int = 0) -> String {
    let seconds = date.timeIntervalSince1970 + TimeInterval(offset)
    // Every event writes one or more: by arithmetic where it gives what the calendar gives (a
    // `Calendar` per value cost more than the rest of the line).
    if gregorianSeconds.contains(seconds), seconds == seconds.rounded(.down) {
      let t = LocalDateTime(wallSeconds: Int(seconds))
      return basicDate(year: t.date.year, month: t.date.month, day: t.date.day)
        + "T" + pad(t.hour, 2) + pad(t.minute, 2) + pad(t.second, 2)
    }
    let c = utc.dateComponents(
      [.year, .month, .day, .hour, .minute, .second], from: date.addingTimeInterval(TimeInterval(offset)))
    return basicDate(year: c.year!, month: c.month!, day: c.day!)
      + "T\(pad(c.hour!, 2))\(pad(c.minute!, 2))\(pad(c.second!, 2))"
  }

  /// The day `days` after year-month-day, normalized as the calendar does (31 April is 1 May).
  static func day(year: Int, month: Int, day: Int, adding days: Int = 0) -> (year: Int, month: Int, day: Int)
  {
    if gregorianYears.contains(year), (1...12).contains(month) {
      let d = LocalDate(
        daysSince1970: LocalDate(year: year, month: month, day: 1).daysSince1970 + day - 1 + days)
      if gregorianYears.contains(d.year) { return (d.year, d.month, d.day) }
    }
    let date = utc.date(from: DateComponents(year: year, month: month, day: day + days))!
    let c = utc.dateComponents([.year, .month, .day], from: date)
    return (c.year!, c.month!, c.day!)
  }

  /// Where `utc` and arithmetic on the proleptic Gregorian calendar agree: from 1583 (the calendar
  /// is Julian before 15 October 1582) to the end of 9999.
  static let gregorianYears = 1583...9999
  private static let gregorianSeconds =
    Double(
      LocalDate(year: 1583, month: 1, day: 1).daysSince1970 * 86_400)..<Double(
      LocalDate(year: 10_000, month: 1, day: 1).daysSince1970 * 86_400)

  /// iCalendar DATE-TIME in UTC, e.g. `20261210T160000Z`.
  static func utcDateTime(_ date: Date) -> String { basicDateTime(date) + "Z" }

  /// iCalendar DATE, e.g. `20261201`.
  static func basicDate(year: Int, month: Int, day: Int) -> String {
    pad(year, 4) + pad(month, 2) + pad(day, 2)
  }

  /// Zero-padded decimal; by hand because `String(format:)` is slower and easy to localize by mistake.
  static func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value.magnitude)
    let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
    return value < 0 ? "-" + padded : padded
  }
}
