import Foundation

/// A compact binary form for what a build cache keeps between runs: little-endian integers and
/// length-prefixed UTF-8. Much faster than JSON for the megabytes of feed text a large site has.
public struct ByteWriter: Sendable {
  public private(set) var bytes: [UInt8] = []

  public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

  public mutating func put(_ n: Int64) {
    withUnsafeBytes(of: n.littleEndian) { bytes.append(contentsOf: $0) }
  }
  public mutating func put(_ n: Int) { put(Int64(n)) }
  public mutating func put(_ b: Bool) { bytes.append(b ? 1 : 0) }
  public mutating func put(_ d: Double) { put(Int64(bitPattern: d.bitPattern)) }
  public mutating func put(_ date: Date) { put(date.timeIntervalSinceReferenceDate) }
  public mutating func put(_ s: String) {
    var s = s
    s.withUTF8 { utf8 in
      put(utf8.count)
      bytes.append(contentsOf: utf8)
    }
  }
  public mutating func put(_ s: String?) {
    put(s != nil)
    if let s { put(s) }
  }
  public mutating func put(_ list: [String]) {
    put(list.count)
    for s in list { put(s) }
  }
}

/// Reads what `ByteWriter` wrote; every read checks bounds and throws on anything unexpected, so a
/// damaged cache is noticed and ignored, never trusted.
public struct ByteReader {
  public struct Damaged: Error {
    public init() {}
  }

  let bytes: [UInt8]
  var offset = 0

  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  public var atEnd: Bool { offset == bytes.count }

  public mutating func int64() throws -> Int64 {
    guard bytes.count - offset >= 8 else { throw Damaged() }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
    offset += 8
    return Int64(bitPattern: n)
  }
  public mutating func int() throws -> Int {
    let n = try int64()
    guard let i = Int(exactly: n) else { throw Damaged() }
    return i
  }
  /// A count of things that follow, which can never exceed the bytes left.
  public mutating func count() throws -> Int {
    let n = try int()
    guard n >= 0, n <= bytes.count - offset else { throw Damaged() }
    return n
  }
  public mutating func bool() throws -> Bool {
    guard offset < bytes.count, bytes[offset] <= 1 else { throw Damaged() }
    defer { offset += 1 }
    return bytes[offset] == 1
  }
  public mutating func double() throws -> Double { Double(bitPattern: UInt64(bitPattern: try int64())) }
  public mutating func date() throws -> Date { Date(timeIntervalSinceReferenceDate: try double()) }
  public mutating func string() throws -> String {
    let n = try count()
    defer { offset += n }
    return try bytes.withUnsafeBufferPointer { buffer in
      guard
        let s = String(validating: UnsafeBufferPointer(rebasing: buffer[offset..<offset + n]), as: UTF8.self)
      else { throw Damaged() }
      return s
    }
  }
  public mutating func optionalString() throws -> String? { try bool() ? try string() : nil }
  public mutating func strings() throws -> [String] {
    let n = try count()
    return try (0..<n).map { _ in try string() }
  }
}

extension PreparedEvent {
  /// Writes the event, its rendered text and what the text was rendered for.
  public func encode(into w: inout ByteWriter) {
    event.encode(into: &w)
    w.put(zone.identifier)
    w.put(rules != nil)
    if let rules { rules.encode(into: &w) }
    w.put(language)
    w.put(text)
  }

  public init(from r: inout ByteReader) throws {
    let event = try CalendarEvent(from: &r)
    guard let zone = TimeZone(identifier: try r.string()) else { throw ByteReader.Damaged() }
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
