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

  /// Writes the event, its rendered text and what the text was rendered for.
  public func encode(into w: inout ByteWriter) {
    event.encode(into: &w)
    w.put(zone.identifier)
    w.put(rules != nil)
    if let rules { rules.encode(into: &w) }
    w.put(language)
    w.put(text)
  }

  public convenience init(from r: inout ByteReader) throws {
    let event = try CalendarEvent(from: &r)
    guard let zone = Self.zone(try r.string()) else { throw ByteReader.Damaged() }
    let rules = try r.bool() ? try TimeZoneRules(from: &r) : nil
    self.init(event: event, zone: zone, rules: rules, language: try r.string(), text: try r.string())
  }
}

extension CalendarEvent {
  func encode(into w: inout ByteWriter) {
    w.put(uid)
    w.put(stamp)
    w.put(lastModified != nil)
    if let lastModified { w.put(lastModified) }
    w.put(sequence)
    w.put(summary)
    w.put(description)
    w.put(location)
    w.put(geo != nil)
    if let geo {
      w.put(geo.latitude)
      w.put(geo.longitude)
    }
    w.put(url)
    start.encode(into: &w)
    w.put(end != nil)
    if let end { end.encode(into: &w) }
    w.put(cancelled)
    w.put(categories)
  }

  init(from r: inout ByteReader) throws {
    let uid = try r.string()
    let stamp = try r.date()
    let lastModified = try r.bool() ? try r.date() : nil
    let sequence = try r.int()
    let summary = try r.string()
    let description = try r.optionalString()
    let location = try r.optionalString()
    let geo = try r.bool() ? GeoPoint(latitude: try r.double(), longitude: try r.double()) : nil
    let url = try r.optionalString()
    let start = try EventTime(from: &r)
    let end = try r.bool() ? try EventTime(from: &r) : nil
    self.init(
      uid: uid, stamp: stamp, lastModified: lastModified, sequence: sequence, summary: summary,
      description: description, location: location, geo: geo, url: url, start: start, end: end,
      cancelled: try r.bool(), categories: try r.strings())
  }
}

extension EventTime {
  func encode(into w: inout ByteWriter) {
    switch self {
    case .date(let y, let m, let d):
      w.put(false)
      w.put(y)
      w.put(m)
      w.put(d)
    case .dateTime(let date):
      w.put(true)
      w.put(date)
    }
  }

  init(from r: inout ByteReader) throws {
    if try r.bool() {
      self = .dateTime(try r.date())
    } else {
      self = .date(year: try r.int(), month: try r.int(), day: try r.int())
    }
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
