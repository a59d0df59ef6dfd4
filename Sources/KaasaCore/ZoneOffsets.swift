import Foundation
import Synchronization

/// A time zone's offsets from UTC from 1970 to 2100, as a table of the instants where they change.
///
/// A build turns hundreds of thousands of wall times into instants and back, and each conversion
/// asked the zone several times; each question goes into ICU behind one lock, so two cores mostly
/// waited for each other. The table is read from the zone once per process and checked against it.
public struct ZoneOffsets: Sendable {
  /// Seconds since 1970 that the table covers: 1970-01-01 to 2100-01-01 UTC.
  public static let covered = 0..<4_102_444_800

  /// Instants (seconds since 1970) at which the offset changes, ascending.
  let changes: [Int]
  /// `offsets[0]` holds before `changes[0]`, `offsets[i + 1]` from `changes[i]` on.
  let offsets: [Int]

  /// The zone's table, or nil when the zone's changes could not be read reliably; made once per
  /// zone and process.
  public static func of(_ zone: TimeZone) -> ZoneOffsets? {
    let name = zone.identifier
    if let known = tables.withLock({ $0[name] }) { return known }
    let made = ZoneOffsets(reading: zone)
    tables.withLock { $0[name] = made }
    return made
  }

  private static let tables = Mutex<[String: ZoneOffsets?]>([:])

  /// Follows the zone's transitions through the covered years, then checks the table against the
  /// zone on both sides of every change and once a week: a change the zone did not report as a
  /// transition makes the table useless, and nil sends every conversion back to the zone.
  init?(reading zone: TimeZone) {
    var changes: [Int] = []
    var offsets = [zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))]
    var after = Date(timeIntervalSince1970: 0)
    var transitions = 0
    while let next = zone.nextDaylightSavingTimeTransition(after: after),
      next.timeIntervalSince1970 < Double(Self.covered.upperBound)
    {
      // Transitions come in order, on whole seconds, and a few a year at most.
      transitions += 1
      let second = Int(next.timeIntervalSince1970.rounded(.down))
      guard next > after, Double(second) == next.timeIntervalSince1970, transitions < 10_000 else {
        return nil
      }
      let offset = zone.secondsFromGMT(for: next)
      if offset != offsets.last {
        changes.append(second)
        offsets.append(offset)
      }
      after = next
    }
    self.changes = changes
    self.offsets = offsets
    for (i, change) in changes.enumerated() {
      guard zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(change - 1))) == offsets[i],
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(change))) == offsets[i + 1]
      else { return nil }
    }
    for second in stride(from: Self.covered.lowerBound, to: Self.covered.upperBound, by: 7 * 86_400) {
      guard zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second))) == offset(at: second)
      else { return nil }
    }
  }

  /// How many changes happen at or before `second`: the index of its offset.
  private func interval(_ second: Int) -> Int {
    var low = 0
    var high = changes.count
    while low < high {
      let middle = (low + high) / 2
      if changes[middle] <= second { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// The offset at `second` (seconds since 1970), or nil outside the covered years.
  public func offset(at second: Int) -> Int? {
    guard Self.covered.contains(second) else { return nil }
    return offsets[interval(second)]
  }

  /// The offset in force through the whole of `seconds`, or nil if it changes within them or they
  /// reach outside the covered years.
  public func steadyOffset(through seconds: ClosedRange<Int>) -> Int? {
    guard Self.covered.contains(seconds.lowerBound), Self.covered.contains(seconds.upperBound) else {
      return nil
    }
    let first = interval(seconds.lowerBound)
    return first == interval(seconds.upperBound) ? offsets[first] : nil
  }
}

extension TimeZone {
  /// `secondsFromGMT(for:)`, from the zone's table when it has one.
  public func secondsFromUTC(at instant: Date) -> Int {
    ZoneOffsets.of(self)?.offset(at: Int(instant.timeIntervalSince1970.rounded(.down)))
      ?? secondsFromGMT(for: instant)
  }
}
