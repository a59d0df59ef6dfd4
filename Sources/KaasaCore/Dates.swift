import Foundation

/// A calendar day without a time zone, as officials write it (`2026-12-01`).
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
  public var year: Int
  public var month: Int
  public var day: Int

  public init(year: Int, month: Int, day: Int) {
    self.year = year
    self.month = month
    self.day = day
  }

  public static func < (a: LocalDate, b: LocalDate) -> Bool {
    (a.year, a.month, a.day) < (b.year, b.month, b.day)
  }

  /// `2026-12-01`
  public var description: String {
    Digits.padded(year, 4) + "-" + Digits.padded(month, 2) + "-" + Digits.padded(day, 2)
  }

  /// True when the day exists in the Gregorian calendar (no 30 February).
  public var isValid: Bool {
    guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
    return day <= LocalDate.daysIn(month: month, year: year)
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// The following day.
  public var next: LocalDate {
    if day < LocalDate.daysIn(month: month, year: year) {
      return LocalDate(year: year, month: month, day: day + 1)
    }
    if month < 12 { return LocalDate(year: year, month: month + 1, day: 1) }
    return LocalDate(year: year + 1, month: 1, day: 1)
  }

  /// Midnight at the start of this day in `zone`.
  public func start(in zone: TimeZone) -> Date {
    start(in: zone, offsets: ZoneOffsets.of(zone))
  }

  /// The same, with the zone's table already at hand (`ZoneOffsets.of(zone)`).
  public func start(in zone: TimeZone, offsets: ZoneOffsets?) -> Date {
    LocalDateTime(date: self, hour: 0, minute: 0, second: 0).instant(in: zone, offsets: offsets)
  }

  /// The local day of `instant` in `zone`.
  public init(_ instant: Date, in zone: TimeZone) {
    self = LocalDateTime(instant, in: zone).date
  }

  /// Days from 1970-01-01 to this day in the proleptic Gregorian calendar (H. Hinnant's
  /// days_from_civil).
  public var daysSince1970: Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  /// The day `days` after 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
  /// civil_from_days).
  public init(daysSince1970 days: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
  }
}

/// A wall-clock time on a local day.
public struct LocalDateTime: Sendable, Hashable, Comparable, Codable {
  public var date: LocalDate
  public var hour: Int
  public var minute: Int
  public var second: Int

  public init(date: LocalDate, hour: Int, minute: Int, second: Int) {
    self.date = date
    self.hour = hour
    self.minute = minute
    self.second = second
  }

  public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool {
    (a.date, a.hour, a.minute, a.second) < (b.date, b.hour, b.minute, b.second)
  }

  /// The wall time of `instant` in `zone` (whole seconds), by arithmetic on the zone's offset at
  /// that instant: a Gregorian calendar per call cost more than the rest of a list item.
  public init(_ instant: Date, in zone: TimeZone) {
    self.init(
      wallSeconds: Int(instant.timeIntervalSince1970.rounded(.down)) + zone.secondsFromUTC(at: instant))
  }

  /// The wall time `seconds` after 1970-01-01 00:00 (the wall time read as UTC).
  public init(wallSeconds seconds: Int) {
    var days = seconds / 86_400
    var rest = seconds % 86_400
    if rest < 0 {
      rest += 86_400
      days -= 1
    }
    self.init(
      date: LocalDate(daysSince1970: days), hour: rest / 3600, minute: rest % 3600 / 60, second: rest % 60)
  }

  /// Seconds from 1970-01-01 00:00 to this wall time, read as UTC.
  public var wallSeconds: Int { date.daysSince1970 * 86_400 + hour * 3600 + minute * 60 + second }

  /// The instant this wall time names in `zone`; in a gap of a DST change it moves forward.
  public func instant(in zone: TimeZone) -> Date {
    instant(in: zone, offsets: ZoneOffsets.of(zone))
  }

  /// The same, with the zone's table already at hand (`ZoneOffsets.of(zone)`): looking it up took
  /// as long as the conversion, for each of tens of thousands of dates on every rebuild.
  public func instant(in zone: TimeZone, offsets: ZoneOffsets?) -> Date {
    // Away from a change of the zone's offset, the wall time names exactly one instant: the wall
    // time read as UTC less the offset, taken from the zone's table and checked to hold a day either
    // side. Near a change, outside the table's years, or in a zone without a table, the calendar
    // decides, as it does for wall times that a change skips or repeats.
    let wall = wallSeconds
    if date.isValid, (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second),
      let table = offsets, let first = table.offset(at: wall),
      let offset = table.offset(at: wall - first),
      table.steadyOffset(through: (wall - offset - 86_400)...(wall - offset + 86_400)) == offset
    {
      return Date(timeIntervalSince1970: TimeInterval(wall - offset))
    }
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = zone
    let comps = DateComponents(
      year: date.year, month: date.month, day: date.day, hour: hour, minute: minute, second: second)
    return cal.date(from: comps) ?? Date(timeIntervalSince1970: 0)
  }
}

/// The date of a timeline entry: a whole day, a local time in the site's zone, or an exact instant.
public enum EventDate: Sendable, Hashable {
  case day(LocalDate)
  case local(LocalDateTime)
  /// An instant written with an explicit offset (`2026-12-10T18:00+02:00` or `…Z`).
  case instant(Date)

  public var isAllDay: Bool {
    if case .day = self { return true }
    return false
  }

  /// The instant the entry begins, reading local values in `zone`.
  public func start(in zone: TimeZone) -> Date {
    start(in: zone, offsets: ZoneOffsets.of(zone))
  }

  /// The same, with the zone's table already at hand (`ZoneOffsets.of(zone)`).
  public func start(in zone: TimeZone, offsets: ZoneOffsets?) -> Date {
    switch self {
    case .day(let d): return d.start(in: zone, offsets: offsets)
    case .local(let t): return t.instant(in: zone, offsets: offsets)
    case .instant(let i): return i
    }
  }

  /// The local day on which the entry begins.
  public func localDay(in zone: TimeZone) -> LocalDate {
    switch self {
    case .day(let d): return d
    case .local(let t): return t.date
    case .instant(let i): return LocalDate(i, in: zone)
    }
  }

  /// Parses `2026-12-01`, `2026-12-10T18:00[:00]` (also with a space) and the same with `Z` or `±hh:mm`.
  /// Returns nil for text that is not a date; throws `DateProblem.impossible` for dates such as 2026-02-30.
  public static func parse(_ text: String) throws(DateProblem) -> EventDate? {
    let s = Array(text.trimmed.utf8)
    var i = 0
    func number(_ width: Int) -> Int? {
      guard i + width <= s.count else { return nil }
      var v = 0
      for k in i..<(i + width) {
        let b = s[k]
        guard b >= 48, b <= 57 else { return nil }
        v = v * 10 + Int(b - 48)
      }
      i += width
      return v
    }
    func expect(_ c: UInt8) -> Bool {
      guard i < s.count, s[i] == c else { return false }
      i += 1
      return true
    }
    guard let y = number(4), expect(UInt8(ascii: "-")), let m = number(2), expect(UInt8(ascii: "-")),
      let d = number(2)
    else { return nil }
    let day = LocalDate(year: y, month: m, day: d)
    if i == s.count {
      guard day.isValid else { throw .impossible(day.description) }
      return .day(day)
    }
    guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: " ")) || expect(UInt8(ascii: "t")) else {
      return nil
    }
    guard let hh = number(2), expect(UInt8(ascii: ":")), let mm = number(2) else { return nil }
    var ss = 0
    if expect(UInt8(ascii: ":")) {
      guard let v = number(2) else { return nil }
      ss = v
      if expect(UInt8(ascii: ".")) {  // fractional seconds are accepted and dropped
        while i < s.count, s[i] >= 48, s[i] <= 57 { i += 1 }
      }
    }
    guard day.isValid, hh <= 23, mm <= 59, ss <= 59 else {
      throw .impossible(text.trimmed)
    }
    let local = LocalDateTime(date: day, hour: hh, minute: mm, second: ss)
    if i == s.count { return .local(local) }
    var offset = 0
    if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
      offset = 0
    } else {
      let sign: Int
      if expect(UInt8(ascii: "+")) {
        sign = 1
      } else if expect(UInt8(ascii: "-")) {
        sign = -1
      } else {
        return nil
      }
      guard let oh = number(2) else { return nil }
      _ = expect(UInt8(ascii: ":"))
      guard let om = number(2), oh <= 14, om <= 59 else { return nil }
      offset = sign * (oh * 3600 + om * 60)
    }
    guard i == s.count, let zone = TimeZone(secondsFromGMT: offset) else { return nil }
    return .instant(local.instant(in: zone))
  }
}

/// Why a date could not be used.
public enum DateProblem: Error, Sendable {
  case impossible(String)
}

/// The build's notion of "now": `--now`, else `SOURCE_DATE_EPOCH`, else the clock.
public enum Now {
  /// Resolves now; `option` is the `--now` text. Local values are read in `zone`.
  public static func resolve(
    option: String?, environment: [String: String], zone: TimeZone, clock: () -> Date = Date.init
  ) throws(NowError) -> Date {
    if let option {
      guard let parsed = try? EventDate.parse(option) else { throw .invalidOption(option) }
      return parsed.start(in: zone)
    }
    if let epoch = environment["SOURCE_DATE_EPOCH"], !epoch.isEmpty {
      guard let seconds = Int64(epoch.trimmingCharacters(in: .whitespaces)) else {
        throw .invalidEpoch(epoch)
      }
      return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
    return clock()
  }
}

/// A `--now` or `SOURCE_DATE_EPOCH` that cannot be read.
public enum NowError: Error, Sendable, CustomStringConvertible {
  case invalidOption(String)
  case invalidEpoch(String)

  public var description: String {
    switch self {
    case .invalidOption(let s):
      return "--now '\(s)' is not a date: write 2026-12-01, 2026-12-01T18:00 or 2026-12-01T18:00+02:00"
    case .invalidEpoch(let s):
      return "SOURCE_DATE_EPOCH '\(s)' is not a whole number of seconds since 1970"
    }
  }
}

/// Zero-padded decimal numbers, without `String(format:)`, which is slow on Linux and was a visible
/// part of large builds.
public enum Digits {
  /// `n` with at least `width` digits: `padded(7, 2)` is `07`.
  public static func padded(_ n: Int, _ width: Int) -> String {
    let digits = String(n.magnitude)
    let padding = String(repeating: "0", count: max(0, width - digits.count))
    return (n < 0 ? "-" : "") + padding + digits
  }
}
