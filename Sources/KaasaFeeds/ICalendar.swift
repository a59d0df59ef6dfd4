import Foundation

/// An iCalendar (RFC 5545, RFC 7986) calendar to publish for subscription.
public struct ICalendar: Sendable, Equatable {
  public var name: String
  public var description: String?
  /// Formal public identifier of the product, e.g. `-//Kaasa//Kaasa 1.0//ET`.
  public var productID: String
  /// The zone timed events are written in; all-day events have no zone.
  public var timeZone: TimeZone
  /// How often subscribers should refresh, in hours (at least 1).
  public var refreshInterval: Int
  /// Language tag such as `et`, put on the calendar's and events' text properties.
  public var language: String?
  /// Written in this order: the caller sorts.
  public var events: [CalendarEvent]

  public init(
    name: String, description: String? = nil, productID: String = "-//Kaasa//Kaasa 1.0//ET",
    timeZone: TimeZone, refreshInterval: Int = 12, language: String? = nil, events: [CalendarEvent] = []
  ) {
    self.name = name
    self.description = description
    self.productID = productID
    self.timeZone = timeZone
    self.refreshInterval = refreshInterval
    self.language = language
    self.events = events
  }
}

/// When an event starts or ends: a whole day, or an instant.
public enum EventTime: Sendable, Hashable {
  /// A calendar day with no time zone (an all-day event).
  case date(year: Int, month: Int, day: Int)
  /// An instant, written in the calendar's time zone.
  case dateTime(Date)
}

/// A point on Earth in WGS 84 degrees, for the GEO property.
public struct GeoPoint: Sendable, Hashable {
  public var latitude: Double
  public var longitude: Double

  public init(latitude: Double, longitude: Double) {
    self.latitude = latitude
    self.longitude = longitude
  }
}

/// One VEVENT.
public struct CalendarEvent: Sendable, Equatable {
  /// Globally unique and never changing for the same event, so updates replace it in clients.
  public var uid: String
  /// When this version of the event was made (DTSTAMP); never the clock, so output is reproducible.
  public var stamp: Date
  public var lastModified: Date?
  /// Revision number; raise it when the event changes so clients take the new version.
  public var sequence: Int
  public var summary: String
  public var description: String?
  public var location: String?
  public var geo: GeoPoint?
  /// Absolute URL of the event's page.
  public var url: String?
  public var start: EventTime
  /// Of the same kind as `start` and after it; exclusive for dates. When nil (or unusable) a date
  /// event lasts one day and a timed event has no DTEND, which RFC 5545 reads as taking no time.
  public var end: EventTime?
  public var cancelled: Bool
  public var categories: [String]

  public init(
    uid: String, stamp: Date, lastModified: Date? = nil, sequence: Int = 0, summary: String,
    description: String? = nil, location: String? = nil, geo: GeoPoint? = nil, url: String? = nil,
    start: EventTime, end: EventTime? = nil, cancelled: Bool = false, categories: [String] = []
  ) {
    self.uid = uid
    self.stamp = stamp
    self.lastModified = lastModified
    self.sequence = sequence
    self.summary = summary
    self.description = description
    self.location = location
    self.geo = geo
    self.url = url
    self.start = start
    self.end = end
    self.cancelled = cancelled
    self.categories = categories
  }
}

/// An event rendered ahead of time by `ICalendarWriter.prepare`, to be placed in calendars.
///
/// A class: every event is in four or more calendars, which gather and sort tens of thousands of
/// them, and copying one reference is cheaper than copying a dozen strings. It keeps the text, not
/// the event: only the DTSTART and DTEND lines of a timed event depend on the calendar's zone and
/// its rules, so they are all a calendar of other rules writes again (a site's events are held
/// until every calendar is written, and the event beside its text was a tenth of a build's memory).
public final class PreparedEvent: Sendable, Equatable {
  let zone: TimeZone
  let rules: TimeZoneRules?
  let language: String
  let text: String
  /// Start and, when written, end of a timed event; nil for an all-day event.
  let start: Date?
  let end: Date?
  /// Where the DTSTART and DTEND lines are in `text`, in UTF-8 offsets (empty for an all-day event).
  let times: Range<Int>

  init(
    zone: TimeZone, rules: TimeZoneRules?, language: String, text: String, start: Date?, end: Date?,
    times: Range<Int>
  ) {
    self.zone = zone
    self.rules = rules
    self.language = language
    self.text = text
    self.start = start
    self.end = end
    self.times = times
  }

  /// The instants the event writes, as `ICalendarWriter.instants(of:)` gives them.
  var instants: [Date] {
    guard let start else { return [] }
    return end.map { [start, $0] } ?? [start]
  }

  /// The text for a calendar of `zone` and `rules`: as prepared, or with its times written again.
  func text(zone calendarZone: TimeZone, rules calendarRules: TimeZoneRules?) -> String {
    guard let start, calendarZone != zone || calendarRules != rules else { return text }
    let utf8 = text.utf8
    let head = utf8.index(utf8.startIndex, offsetBy: times.lowerBound)
    let tail = utf8.index(utf8.startIndex, offsetBy: times.upperBound)
    return String(text[..<head])
      + ICalendarWriter.timeLines(start: start, end: end, zone: calendarZone, rules: calendarRules)
      + String(text[tail...])
  }

  public static func == (a: PreparedEvent, b: PreparedEvent) -> Bool {
    a === b
      || a.zone == b.zone && a.rules == b.rules && a.language == b.language && a.text == b.text
        && a.start == b.start && a.end == b.end && a.times == b.times
  }
}

/// Writes an `ICalendar` as an RFC 5545 text, byte-identical for identical input.
public enum ICalendarWriter {
  /// The whole calendar, with CRLF line ends and lines folded at 75 octets.
  ///
  /// Timed events are written in the calendar's zone with one VTIMEZONE of yearly rules; when the
  /// zone's changes in the events' years fit no yearly rule they are written in UTC instead.
  public static func render(_ calendar: ICalendar, prepared: [PreparedEvent] = []) -> String {
    let parts = renderParts(calendar, prepared: prepared)
    var out = ""
    // A site's calendar runs to tens of megabytes: grow the string once, not by doubling.
    out.reserveCapacity(parts.reduce(0) { $0 + $1.utf8.count })
    for part in parts { out += part }
    return out
  }

  /// The calendar as pieces to be written one after the other: the same bytes as `render`, without
  /// copying the prepared events' text into one string (a site's calendar of 10,000 plans is 39 MB).
  public static func renderParts(_ calendar: ICalendar, prepared: [PreparedEvent] = []) -> [String] {
    let zone = calendar.timeZone
    let rules = TimeZoneRules.derive(
      for: zone, covering: calendar.events.flatMap(instants) + prepared.flatMap(\.instants))
    let language = calendar.language.map { ";LANGUAGE=" + ICalendarText.parameter($0) } ?? ""
    let hours = max(1, calendar.refreshInterval)

    var lines = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:" + ICalendarText.escape(calendar.productID),
      "CALSCALE:GREGORIAN",
      "NAME\(language):" + ICalendarText.escape(calendar.name),
      "X-WR-CALNAME:" + ICalendarText.escape(calendar.name),
    ]
    if let description = calendar.description {
      lines.append("DESCRIPTION\(language):" + ICalendarText.escape(description))
      lines.append("X-WR-CALDESC:" + ICalendarText.escape(description))
    }
    lines += [
      "REFRESH-INTERVAL;VALUE=DURATION:PT\(hours)H",
      "X-PUBLISHED-TTL:PT\(hours)H",
      "X-WR-TIMEZONE:" + ICalendarText.escape(zone.identifier),
    ]
    if let rules { lines += rules.lines(tzid: zone.identifier) }

    var parts = [lines.map { ICalendarText.fold($0) + "\r\n" }.joined()]
    parts.reserveCapacity(calendar.events.count + prepared.count + 2)
    for event in calendar.events {
      parts.append(eventText(event, zone: zone, rules: rules, language: language).text)
    }
    for event in prepared {
      // The language is on several lines and changes how they fold; a site has one.
      precondition(event.language == language, "events prepared for a calendar of another language")
      // All-day events are written without the zone's rules, so only timed ones may need new times.
      parts.append(event.text(zone: zone, rules: rules))
    }
    parts.append("END:VCALENDAR\r\n")
    return parts
  }

  /// One VEVENT, folded, with CRLF line ends.
  /// With the range of its DTSTART and DTEND lines in UTF-8 offsets when the event is timed (those
  /// are the lines that depend on the zone and its rules).
  static func eventText(_ event: CalendarEvent, zone: TimeZone, rules: TimeZoneRules?, language: String)
    -> (text: String, times: Range<Int>)
  {
    // Written line by line into bytes, values escaped and lines folded in place, and made a string
    // once at the end (appending to a string cost several times more). The string is of its exact
    // size: it is kept until every calendar holding the event is written (hundreds of thousands of
    // events for a large site).
    var text: [UInt8] = []
    text.reserveCapacity(1_024)
    var line: [UInt8] = []
    line.reserveCapacity(256)
    func add(_ name: String, _ value: String = "", escaped: Bool = true) {
      line.removeAll(keepingCapacity: true)
      line.append(contentsOf: name.utf8)
      if escaped {
        ICalendarText.appendEscaped(value, to: &line)
      } else {
        line.append(contentsOf: value.utf8)
      }
      ICalendarText.appendLine(line, to: &text)
    }
    add("BEGIN:VEVENT")
    add("UID:", event.uid)
    add("DTSTAMP:", DateText.utcDateTime(event.stamp), escaped: false)
    if let modified = event.lastModified {
      add("LAST-MODIFIED:", DateText.utcDateTime(modified), escaped: false)
    }
    add("SEQUENCE:", String(max(0, event.sequence)), escaped: false)
    let timesStart = text.count
    var timesEnd = timesStart
    switch (event.start, event.end) {
    case (.date(let y, let m, let d), let end):
      let first = day(y, m, d)
      var last = day(y, m, d, adding: 1)
      if case .date(let y2, let m2, let d2) = end, day(y2, m2, d2) > first { last = day(y2, m2, d2) }
      add("DTSTART;VALUE=DATE:", first, escaped: false)
      add("DTEND;VALUE=DATE:", last, escaped: false)
    case (.dateTime, _):
      let instants = instants(of: event)
      text.append(
        contentsOf: timeLines(
          start: instants[0], end: instants.count > 1 ? instants[1] : nil, zone: zone, rules: rules
        ).utf8)
      timesEnd = text.count
    }
    add("SUMMARY\(language):", event.summary)
    if let value = event.description { add("DESCRIPTION\(language):", value) }
    if let value = event.location { add("LOCATION\(language):", value) }
    if let geo = event.geo, let value = geoText(geo) { add("GEO:", value, escaped: false) }
    if let url = event.url { add("URL:", ICalendarText.stripControls(url), escaped: false) }
    let categories = event.categories.filter { !$0.isEmpty }
    if !categories.isEmpty {
      line.removeAll(keepingCapacity: true)
      line.append(contentsOf: "CATEGORIES\(language):".utf8)
      for (n, category) in categories.enumerated() {
        if n > 0 { line.append(UInt8(ascii: ",")) }
        ICalendarText.appendEscaped(category, to: &line)
      }
      ICalendarText.appendLine(line, to: &text)
    }
    add(event.cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED")
    if case .date = event.start { add("TRANSP:TRANSPARENT") }
    add("END:VEVENT")
    return (String(decoding: text, as: UTF8.self), timesStart..<timesEnd)
  }

  /// The DTSTART and DTEND lines of a timed event, folded, with CRLF line ends.
  static func timeLines(start: Date, end: Date?, zone: TimeZone, rules: TimeZoneRules?) -> String {
    var lines = ICalendarText.fold("DTSTART" + dateTime(start, in: zone, rules: rules)) + "\r\n"
    if let end { lines += ICalendarText.fold("DTEND" + dateTime(end, in: zone, rules: rules)) + "\r\n" }
    return lines
  }

  /// Renders events once for use in several calendars of the same zone and language; a calendar whose
  /// time-zone rules come out differently renders them again, so the output is the same either way.
  public static func prepare(
    _ events: [CalendarEvent], timeZone: TimeZone, language: String?, covering instants: [Date]
  )
    -> [PreparedEvent]
  {
    let rules = TimeZoneRules.derive(for: timeZone, covering: instants + events.flatMap(Self.instants))
    let lang = language.map { ";LANGUAGE=" + ICalendarText.parameter($0) } ?? ""
    return events.map { event in
      let (text, times) = eventText(event, zone: timeZone, rules: rules, language: lang)
      let written = Self.instants(of: event)
      return PreparedEvent(
        zone: timeZone, rules: rules, language: lang, text: text, start: written.first,
        end: written.count > 1 ? written[1] : nil, times: times)
    }
  }

  /// The instants an event writes (start, and end if usable), so the VTIMEZONE covers exactly those.
  public static func instants(of event: CalendarEvent) -> [Date] {
    guard case .dateTime(let start) = event.start else { return [] }
    if case .dateTime(let end) = event.end, end > start { return [start, end] }
    return [start]
  }
  /// `;TZID=zone:local` in the zone's wall time, or `:utcZ` without rules. The second pass of a
  /// repeated hour (clocks going back) is also written in UTC, because RFC 5545 reads an
  /// ambiguous wall time as its first occurrence.
  private static func dateTime(_ date: Date, in zone: TimeZone, rules: TimeZoneRules?) -> String {
    guard let rules else { return ":" + DateText.utcDateTime(date) }
    let offset = zone.secondsFromGMT(for: date)
    let wall = date.addingTimeInterval(TimeInterval(offset))
    for other in rules.offsets where other != offset {
      let earlier = wall.addingTimeInterval(TimeInterval(-other))
      if earlier < date, zone.secondsFromGMT(for: earlier) == other {
        return ":" + DateText.utcDateTime(date)
      }
    }
    return ";TZID=\(ICalendarText.parameter(zone.identifier)):" + DateText.basicDateTime(date, offset: offset)
  }

  /// A DATE value, normalized as the calendar does so that, say, 31 April cannot be written.
  private static func day(_ year: Int, _ month: Int, _ day: Int, adding days: Int = 0) -> String {
    let d = DateText.day(year: year, month: month, day: day, adding: days)
    return DateText.basicDate(year: d.year, month: d.month, day: d.day)
  }

  /// `lat;lon` with at most six decimals (about 0.1 m); nil for a point that is not on Earth.
  private static func geoText(_ geo: GeoPoint) -> String? {
    guard (-90...90).contains(geo.latitude), (-180...180).contains(geo.longitude) else { return nil }
    func decimal(_ value: Double) -> String {
      let micro = Int((value * 1_000_000).rounded())
      var fraction = DateText.pad(Int(micro.magnitude % 1_000_000), 6)
      while fraction.hasSuffix("0") { fraction.removeLast() }
      let whole = (micro < 0 ? "-" : "") + String(micro.magnitude / 1_000_000)
      return fraction.isEmpty ? whole : whole + "." + fraction
    }
    return decimal(geo.latitude) + ";" + decimal(geo.longitude)
  }
}

/// RFC 5545 text rules: escaping, parameter values and line folding.
enum ICalendarText {
  /// Escapes a TEXT value. Every newline form becomes `\n`; other CONTROL characters (RFC 5545
  /// allows tab) are dropped, as they cannot be written.
  static func escape(_ text: String) -> String {
    // Most values have nothing to escape.
    if !needsEscaping(text) { return text }
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count + 16)
    appendEscaped(text, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  private static func needsEscaping(_ text: String) -> Bool { text.utf8.contains(where: isEscapedOrDropped) }

  /// A byte TEXT escapes (backslash, semicolon, comma, line breaks) or drops (other controls).
  private static func isEscapedOrDropped(_ byte: UInt8) -> Bool {
    byte < 0x20 || byte == 0x7F || byte == 0x5C || byte == 0x3B || byte == 0x2C
  }

  /// `escape(text)`, appended to `out`: the bytes between those escaped or dropped are copied in
  /// runs (a byte at a time cost more than the rest of an event's text).
  static func appendEscaped(_ text: String, to out: inout [UInt8]) {
    var text = text
    text.withUTF8 { bytes in
      // Every byte that matters is ASCII, so bytes stand for scalars here.
      var run = 0
      var afterCR = false
      for i in 0..<bytes.count {
        let byte = bytes[i]
        let previousWasCR = afterCR
        afterCR = byte == 0x0D
        guard isEscapedOrDropped(byte) else { continue }
        if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
        run = i + 1
        switch byte {
        case 0x5C, 0x3B, 0x2C:
          out.append(0x5C)
          out.append(byte)
        case 0x0D:
          out.append(0x5C)
          out.append(0x6E)
        case 0x0A:
          if !previousWasCR {
            out.append(0x5C)
            out.append(0x6E)
          }
        case 0x09: out.append(byte)
        default: break
        }
      }
      if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count])) }
    }
  }

  /// Drops CONTROL characters (tab included) from a value that is not TEXT, such as a URI, where a
  /// newline would otherwise end the property.
  static func stripControls(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
    var out = ""
    for scalar in text.unicodeScalars where !(scalar.value < 0x20 || scalar.value == 0x7F) {
      out.unicodeScalars.append(scalar)
    }
    return out
  }

  /// A parameter value, quoted when it holds `:`, `;` or `,`; quotes themselves cannot be written.
  static func parameter(_ value: String) -> String {
    if !value.utf8.contains(where: {
      $0 < 0x20 || $0 == 0x7F || $0 == 0x22 || $0 == 0x3A || $0 == 0x3B || $0 == 0x2C
    }) {
      return value
    }
    let clean = stripControls(value).replacingOccurrences(of: "\"", with: "")
    return clean.contains(where: { ":;,".contains($0) }) ? "\"\(clean)\"" : clean
  }

  /// Folds a line at 75 octets with CRLF and one space, breaking between characters so that no
  /// UTF-8 sequence (nor, where it fits, a grapheme) is split.
  static func fold(_ line: String) -> String {
    guard line.utf8.count > foldLimit else { return line }
    var out: [UInt8] = []
    appendFolded(Array(line.utf8), to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// The octets a line may have before it is folded.
  static let foldLimit = 75

  /// `fold` by grapheme, for any line.
  static func foldGraphemes(_ line: String, limit: Int) -> String {
    var out = ""
    var used = 0
    func append<S: StringProtocol>(_ piece: S, octets: Int) {
      // Pieces are at most 74 octets, so a fresh continuation line always has room.
      if used + octets > limit {
        out += "\r\n "
        used = 1
      }
      out += piece
      used += octets
    }
    for character in line {
      let octets = character.utf8.count
      if octets <= limit - 1 {
        append(String(character), octets: octets)
      } else {
        // A grapheme too long for any line (a long emoji sequence) is broken between its scalars.
        for scalar in character.unicodeScalars { append(String(scalar), octets: scalar.utf8.count) }
      }
    }
    return out
  }
  /// `fold` for lines in which every scalar is a grapheme of its own (Latin, Cyrillic without
  /// combining marks, general punctuation and currency signs; no CR): breaks between scalars, byte by byte. Nil for any other line.
  static func foldSimple(_ line: String, limit: Int) -> String? {
    var line = line
    return line.withUTF8 { bytes -> String? in
      var out: [UInt8] = []
      out.reserveCapacity(bytes.count + bytes.count / 24 * 3 + 3)
      guard appendFoldedSimple(bytes, limit: limit, to: &out) else { return nil }
      return String(decoding: out, as: UTF8.self)
    }
  }

  /// `foldSimple` of the line `bytes`, appended to `out`; false (and `out` as it was) for a line
  /// it does not fold.
  static func appendFoldedSimple(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int, to out: inout [UInt8])
    -> Bool
  {
    let start = out.count
    // What was appended goes again when the line turns out not to be simple.
    func refuse() -> Bool {
      out.removeSubrange(start...)
      return false
    }
    var used = 0
    var i = 0
    var runStart = 0
    while i < bytes.count {
      let lead = bytes[i]
      let octets: Int
      if lead < 0x80 {
        if lead == 0x0D { return refuse() }
        octets = 1
      } else if lead & 0xE0 == 0xC0, i + 1 < bytes.count {
        let scalar = (UInt32(lead & 0x1F) << 6) | UInt32(bytes[i + 1] & 0x3F)
        // Below U+0300 nothing combines; Cyrillic letters outside U+0483–U+0489 do not either.
        guard scalar < 0x300 || (0x400..<0x483).contains(scalar) || (0x48A..<0x530).contains(scalar) else {
          return refuse()
        }
        octets = 2
      } else if lead & 0xF0 == 0xE0, i + 2 < bytes.count {
        let scalar =
          (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[i + 1] & 0x3F) << 6) | UInt32(bytes[i + 2] & 0x3F)
        // Dashes, quotes, bullets and currency signs (not the zero-width and direction marks).
        guard
          (0x2010...0x2027).contains(scalar) || (0x2030...0x205E).contains(scalar)
            || (0x20A0...0x20CF).contains(scalar)
        else { return refuse() }
        octets = 3
      } else {
        return refuse()
      }
      if used + octets > limit {
        // The bytes since the last break go out in one piece, then the break.
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
        out.append(0x0D)
        out.append(0x0A)
        out.append(0x20)
        runStart = i
        used = 1
      }
      used += octets
      i += octets
    }
    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    return true
  }

  /// The line `bytes` (valid UTF-8), folded as `fold` does, and CRLF, appended to `out`.
  static func appendLine(_ bytes: [UInt8], to out: inout [UInt8]) {
    appendFolded(bytes, to: &out)
    out.append(0x0D)
    out.append(0x0A)
  }

  /// The line `bytes` (valid UTF-8), folded at `foldLimit` octets: byte by byte where every scalar
  /// is a grapheme of its own, else by grapheme.
  private static func appendFolded(_ bytes: [UInt8], to out: inout [UInt8]) {
    if bytes.count <= foldLimit {
      out.append(contentsOf: bytes)
    } else if !bytes.withUnsafeBufferPointer({ appendFoldedSimple($0, limit: foldLimit, to: &out) }) {
      out.append(contentsOf: foldGraphemes(String(decoding: bytes, as: UTF8.self), limit: foldLimit).utf8)
    }
  }

}
