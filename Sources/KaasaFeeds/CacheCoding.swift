import Foundation
import KaasaBytes
import Synchronization

extension PreparedEvent {
  /// Zones by identifier: a cache holds tens of thousands of events of one or two zones, and
  /// TimeZone(identifier:) is not cheap.
  private static let zones = Mutex<[String: TimeZone]>([:])

  private static func zone(_ identifier: String) -> TimeZone? {
    if let known = zones.withLock({ $0[identifier] }) { return known }
    guard let zone = TimeZone(identifier: identifier) else { return nil }
    zones.withLock { $0[identifier] = zone }
    return zone
  }

  /// Writes the rendered text, what it was rendered for and where its times are.
  public func encode(into w: inout ByteWriter) {
    w.put(zone.identifier)
    w.put(rules != nil)
    if let rules { rules.encode(into: &w) }
    w.put(language)
    w.put(text)
    w.put(start != nil)
    if let start { w.put(start) }
    w.put(end != nil)
    if let end { w.put(end) }
    w.put(times.lowerBound)
    w.put(times.upperBound)
  }

  public convenience init(from r: inout ByteReader) throws {
    guard let zone = Self.zone(try r.string()) else { throw ByteReader.Damaged() }
    let rules = try r.bool() ? try TimeZoneRules(from: &r) : nil
    let language = try r.string()
    let text = try r.string()
    let start = try r.bool() ? try r.date() : nil
    let end = try r.bool() ? try r.date() : nil
    let lower = try r.int()
    let upper = try r.int()
    guard 0 <= lower, lower <= upper, upper <= text.utf8.count, start != nil || lower == upper,
      end == nil || start != nil
    else { throw ByteReader.Damaged() }
    self.init(
      zone: zone, rules: rules, language: language, text: text, start: start, end: end, times: lower..<upper)
  }
}

extension TimeZoneRules {
  func encode(into w: inout ByteWriter) {
    w.put(observances.count)
    for o in observances {
      w.put(o.isDaylight)
      w.put(o.offsetFrom)
      w.put(o.offsetTo)
      w.put(o.rule != nil)
      if let rule = o.rule {
        w.put(rule.month)
        w.put(rule.weekday)
        w.put(rule.ordinal)
        w.put(rule.secondsIntoDay)
      }
    }
  }

  init(from r: inout ByteReader) throws {
    let n = try r.count()
    var observances: [Observance] = []
    for _ in 0..<n {
      let isDaylight = try r.bool()
      let from = try r.int()
      let to = try r.int()
      let rule =
        try r.bool()
        ? YearlyRule(
          month: try r.int(), weekday: try r.int(), ordinal: try r.int(), secondsIntoDay: try r.int())
        : nil
      observances.append(Observance(isDaylight: isDaylight, offsetFrom: from, offsetTo: to, rule: rule))
    }
    self.init(observances: observances)
  }
}
