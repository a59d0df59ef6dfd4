import Foundation

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
    let c = utc.dateComponents(
      [.year, .month, .day, .hour, .minute, .second], from: date.addingTimeInterval(TimeInterval(offset)))
    return basicDate(year: c.year!, month: c.month!, day: c.day!)
      + "T\(pad(c.hour!, 2))\(pad(c.minute!, 2))\(pad(c.second!, 2))"
  }

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
