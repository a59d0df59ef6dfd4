import Foundation
import KaasaCore
import Synchronization

/// A VTIMEZONE as yearly rules, derived from Foundation's zone data for the years a calendar uses.
struct TimeZoneRules: Hashable, Sendable {
  /// One STANDARD or DAYLIGHT component.
  struct Observance: Hashable, Sendable {
    var isDaylight: Bool
    var offsetFrom: Int
    var offsetTo: Int
    /// When the offset changes, as a yearly rule; nil for a zone that keeps one offset.
    var rule: YearlyRule?
  }

  /// "The `ordinal`th `weekday` of `month` at `secondsIntoDay` local time (before the change)".
  struct YearlyRule: Hashable, Sendable {
    var month: Int
    /// 1 = Sunday, as Foundation numbers weekdays.
    var weekday: Int
    /// 1...4, or -1 for the last one in the month.
    var ordinal: Int
    var secondsIntoDay: Int
  }

  var observances: [Observance]

  /// The UTC offsets the observances use, to tell an ambiguous wall time from an unambiguous one.
  var offsets: Set<Int> { Set(observances.flatMap { [$0.offsetFrom, $0.offsetTo] }) }

  /// Rules that reproduce every offset change of `zone` in the (local) years of `dates`, or nil
  /// when no pair of yearly rules can, such as for a zone that changed its rules within those years.
  ///
  /// Only the years in use, and one either side, are checked: a rule that held in 1970 but not
  /// today would otherwise make every zone fall back, while one year's changes alone always fit
  /// some rule (Casablanca's follow Ramadan), so its neighbours must confirm it.
  static func derive(for zone: TimeZone, covering dates: [Date]) -> TimeZoneRules? {
    guard let first = dates.min(), let last = dates.max() else { return nil }
    var local = Calendar(identifier: .gregorian)
    local.timeZone = zone
    let firstYear = year(of: first, in: local) - 1
    let lastYear = year(of: last, in: local) + 1
    // Every calendar of a site covers much the same years: walking the zone's transitions again for
    // each of them was most of the time of a plan's calendar.
    let key = Derived.Key(zone: zone.identifier, firstYear: firstYear, lastYear: lastYear)
    if let known = derived.withLock({ $0[key] }) { return known.rules }
    let rules = derive(for: zone, calendar: local, firstYear: firstYear, lastYear: lastYear)
    derived.withLock { $0[key] = Derived(rules: rules) }
    return rules
  }

  /// The year of `date` in the calendar's zone: by arithmetic from 1583 on, where it is what the
  /// calendar gives (asking the calendar was a tenth of the time of a plan's calendar).
  private static func year(of date: Date, in calendar: Calendar) -> Int {
    let year = LocalDateTime(date, in: calendar.timeZone).date.year
    return DateText.gregorianYears.contains(year) ? year : calendar.component(.year, from: date)
  }

  private struct Derived: Sendable {
    struct Key: Hashable, Sendable {
      let zone: String
      let firstYear: Int
      let lastYear: Int
    }
    let rules: TimeZoneRules?
  }

  private static let derived = Mutex<[Derived.Key: Derived]>([:])

  private static func derive(for zone: TimeZone, calendar local: Calendar, firstYear: Int, lastYear: Int)
    -> TimeZoneRules?
  {
    guard let start = local.date(from: DateComponents(year: firstYear)),
      let end = local.date(from: DateComponents(year: lastYear + 1))
    else { return nil }

    var changes: [(at: Date, from: Int, to: Int, daylight: Bool)] = []
    var cursor = start
    while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < end {
      cursor = next
      let from = zone.secondsFromGMT(for: next.addingTimeInterval(-1))
      let to = zone.secondsFromGMT(for: next)
      // A change of name alone leaves wall clocks alone, so it needs no rule.
      if from != to { changes.append((next, from, to, zone.isDaylightSavingTime(for: next))) }
    }
    if changes.isEmpty {
      let offset = zone.secondsFromGMT(for: start)
      // Should a change ever go unreported as a transition, the offsets would differ: fall back.
      guard zone.secondsFromGMT(for: end) == offset else { return nil }
      return TimeZoneRules(observances: [
        Observance(isDaylight: false, offsetFrom: offset, offsetTo: offset, rule: nil)
      ])
    }

    let years = lastYear - firstYear + 1
    var observances: [Observance] = []
    for daylight in [false, true] {
      let group = changes.filter { $0.daylight == daylight }
      guard group.count == years else { return nil }
      let candidates = group.map { change in
        observance(at: change.at, from: change.from, to: change.to, daylight: daylight)
      }
      // Each year's change must follow one rule; the last-weekday form wins when both fit, since
      // it is how such rules are usually stated and it keeps fitting in months with five of them.
      if let last = candidates[0].last, candidates.allSatisfy({ $0.last == last }) {
        observances.append(last)
      } else if candidates.allSatisfy({ $0.nth == candidates[0].nth }) {
        observances.append(candidates[0].nth)
      } else {
        return nil
      }
    }
    return TimeZoneRules(observances: observances)
  }

  /// The VTIMEZONE component, unfolded. Rules start in 1970, the customary epoch, with DTSTART on the
  /// rule's first onset as RFC 5545 requires. Written once for each rules and zone name: every
  /// plan's calendar has one.
  func lines(tzid: String) -> [String] {
    let key = Written(rules: self, tzid: tzid)
    if let known = Self.written.withLock({ $0[key] }) { return known }
    let lines = writeLines(tzid: tzid)
    Self.written.withLock { $0[key] = lines }
    return lines
  }

  private struct Written: Hashable {
    let rules: TimeZoneRules
    let tzid: String
  }

  private static let written = Mutex<[Written: [String]]>([:])

  private func writeLines(tzid: String) -> [String] {
    var lines = ["BEGIN:VTIMEZONE", "TZID:\(ICalendarText.escape(tzid))"]
    for observance in observances {
      let kind = observance.isDaylight ? "DAYLIGHT" : "STANDARD"
      lines.append("BEGIN:\(kind)")
      lines.append("TZOFFSETFROM:\(Self.utcOffset(observance.offsetFrom))")
      lines.append("TZOFFSETTO:\(Self.utcOffset(observance.offsetTo))")
      if let rule = observance.rule {
        lines.append("DTSTART:\(rule.onset(in: 1970))")
        let days = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]
        lines.append("RRULE:FREQ=YEARLY;BYMONTH=\(rule.month);BYDAY=\(rule.ordinal)\(days[rule.weekday - 1])")
      } else {
        lines.append("DTSTART:19700101T000000")
      }
      lines.append("END:\(kind)")
    }
    lines.append("END:VTIMEZONE")
    return lines
  }

  /// `+HHMM`, with seconds only when the offset has them (some historical zones do).
  static func utcOffset(_ seconds: Int) -> String {
    let sign = seconds < 0 ? "-" : "+"
    let s = seconds.magnitude
    let hhmm = DateText.pad(Int(s / 3600), 2) + DateText.pad(Int(s % 3600 / 60), 2)
    return sign + hhmm + (s % 60 == 0 ? "" : DateText.pad(Int(s % 60), 2))
  }

  /// The change at `instant` described both as an nth weekday and, if it is one, as the last
  /// weekday of its month.
  private static func observance(at instant: Date, from: Int, to: Int, daylight: Bool)
    -> (nth: Observance, last: Observance?)
  {
    let wall = instant.addingTimeInterval(TimeInterval(from))
    let utc = DateText.utc
    let c = utc.dateComponents([.year, .month, .day, .weekday, .hour, .minute, .second], from: wall)
    let daysInMonth = utc.range(of: .day, in: .month, for: wall)!.count
    let seconds = c.hour! * 3600 + c.minute! * 60 + c.second!
    func make(_ ordinal: Int) -> Observance {
      Observance(
        isDaylight: daylight, offsetFrom: from, offsetTo: to,
        rule: YearlyRule(month: c.month!, weekday: c.weekday!, ordinal: ordinal, secondsIntoDay: seconds))
    }
    let nth = (c.day! - 1) / 7 + 1
    return (nth <= 4 ? make(nth) : make(-1), c.day! + 7 > daysInMonth ? make(-1) : nil)
  }
}

extension TimeZoneRules.YearlyRule {
  /// The local date and time of the rule's onset in `year`, e.g. `19701025T040000`.
  func onset(in year: Int) -> String {
    let utc = DateText.utc
    let firstOfMonth = utc.date(from: DateComponents(year: year, month: month, day: 1))!
    let daysInMonth = utc.range(of: .day, in: .month, for: firstOfMonth)!.count
    let firstWeekday = utc.component(.weekday, from: firstOfMonth)
    let firstMatch = 1 + (weekday - firstWeekday + 7) % 7
    let day = ordinal > 0 ? firstMatch + 7 * (ordinal - 1) : firstMatch + 7 * ((daysInMonth - firstMatch) / 7)
    let time =
      DateText.pad(secondsIntoDay / 3600, 2) + DateText.pad(secondsIntoDay % 3600 / 60, 2)
      + DateText.pad(secondsIntoDay % 60, 2)
    return DateText.basicDate(year: year, month: month, day: day) + "T" + time
  }
}
