import Foundation

/// The text forms of instants the endpoint stores and exports.
enum Timestamp {
  /// `2026-12-05T12:03:22.123Z`: fixed width, so text order is time order in SQL.
  static func utc(_ date: Date) -> String {
    let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    var seconds = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
    let fraction = Int(millis - Int64(seconds) * 1000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    // Written by hand: String(format:) costs microseconds on Linux, and this runs for every submission.
    var out: [UInt8] = []
    out.reserveCapacity(24)
    func digits(_ value: Int, _ width: Int) {
      var divisor = 1
      for _ in 1..<width { divisor *= 10 }
      var v = value
      while divisor > 0 {
        out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
        v %= divisor
        divisor /= 10
      }
    }
    digits(Int(parts.tm_year) + 1900, 4)
    out.append(UInt8(ascii: "-"))
    digits(Int(parts.tm_mon) + 1, 2)
    out.append(UInt8(ascii: "-"))
    digits(Int(parts.tm_mday), 2)
    out.append(UInt8(ascii: "T"))
    digits(Int(parts.tm_hour), 2)
    out.append(UInt8(ascii: ":"))
    digits(Int(parts.tm_min), 2)
    out.append(UInt8(ascii: ":"))
    digits(Int(parts.tm_sec), 2)
    out.append(UInt8(ascii: "."))
    digits(fraction, 3)
    out.append(UInt8(ascii: "Z"))
    return String(decoding: out, as: UTF8.self)
  }

  /// Reads what `utc` writes (also without the fraction).
  static func parseUTC(_ text: String) -> Date? {
    let s = Array(text.utf8)
    guard s.count >= 20, s.last == UInt8(ascii: "Z") else { return nil }
    func number(_ from: Int, _ width: Int) -> Int? {
      var v = 0
      for i in from..<(from + width) {
        guard i < s.count, s[i] >= 48, s[i] <= 57 else { return nil }
        v = v * 10 + Int(s[i] - 48)
      }
      return v
    }
    guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2),
      let mi = number(14, 2), let se = number(17, 2)
    else { return nil }
    var millis = 0
    if s.count == 24, let f = number(20, 3) { millis = f }
    var parts = tm()
    parts.tm_year = Int32(y - 1900)
    parts.tm_mon = Int32(mo - 1)
    parts.tm_mday = Int32(d)
    parts.tm_hour = Int32(h)
    parts.tm_min = Int32(mi)
    parts.tm_sec = Int32(se)
    let seconds = timegm(&parts)
    return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(millis) / 1000)
  }

  /// `2026-12-05 14:03:22`: local wall time in `zone`, a form spreadsheets read as a date and time.
  static func local(_ date: Date, in zone: TimeZone) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    return String(
      format: "%04d-%02d-%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
  }
}
