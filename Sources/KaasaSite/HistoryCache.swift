import Foundation
import KaasaBytes
import KaasaCore

/// Keeps `CommittedHistory` between builds in `<cache>/history`: fields separated by NUL, which
/// git allows in none of them. Anything unexpected makes the cache count as absent, and the history
/// is read from git again.
enum HistoryCache {
  /// Bump when what is stored, or how plan versions are read, changes.
  static let header = "kaasa-history 1\n"

  static func file(in folder: URL) -> URL { folder.appendingPathComponent("history") }

  static func load(from folder: URL) -> CommittedHistory? {
    guard let bytes = CacheFile.read(file(in: folder)) else { return nil }
    return decode(bytes)
  }

  /// Writes the cache beside a `.gitignore` that keeps it out of commits; failures only cost speed.
  static func save(_ history: CommittedHistory, to folder: URL) {
    CacheFile.write(encode(history), to: file(in: folder))
  }

  static func encode(_ h: CommittedHistory) -> [UInt8] {
    var out = Array(header.utf8)
    out.reserveCapacity(h.commits.count * 120 + h.plans.count * 400)
    func put(_ s: String) {
      for b in s.utf8 where b != 0 { out.append(b) }
      out.append(0)
    }
    func put(_ n: Int64) { put(String(n)) }
    func put(_ date: Date) { put(Int64(date.timeIntervalSince1970.rounded(.down))) }
    put(h.head)
    put(h.prefix)
    put(Int64(h.commits.count))
    for c in h.commits {
      put(c.hash)
      put(c.time)
      put(c.subject)
    }
    put(Int64(h.plans.count))
    for id in h.plans.keys.sorted() {
      let p = h.plans[id]!
      put(id)
      put(p.published.map(String.init) ?? "")
      put(Int64(p.events.count))
      for e in p.events {
        put(Int64(e.commit))
        put(e.path)
      }
      put(Int64(p.revisions.states.count))
      for key in p.revisions.states.keys.sorted() {
        let s = p.revisions.states[key]!
        put(key)
        put(Int64(s.sequence))
        put(s.lastModified)
        put(text(s.value.facts.date))
        put(s.value.facts.end.map(text) ?? "")
        put(s.value.facts.location ?? "")
        put(s.value.status?.rawValue ?? "")
      }
      if let f = p.revisions.feedback {
        put("1")
        put(Int64(f.sequence))
        put(f.lastModified)
        put(day(f.value.window.opens))
        put(day(f.value.window.closes))
        put(f.value.status?.rawValue ?? "")
      } else {
        put("")
      }
    }
    return out
  }

  static func decode(_ bytes: [UInt8]) -> CommittedHistory? {
    let head = Array(header.utf8)
    guard bytes.starts(with: head) else { return nil }
    var reader = FieldReader(bytes: bytes, position: head.count)
    guard let headCommit = reader.text(), let prefix = reader.text(), let commitCount = reader.int() else {
      return nil
    }
    var h = CommittedHistory(head: headCommit, prefix: prefix)
    h.commits.reserveCapacity(commitCount)
    for _ in 0..<commitCount {
      guard let hash = reader.text(), let time = reader.int64(), let subject = reader.text() else {
        return nil
      }
      h.commits.append(.init(hash: hash, time: time, subject: subject))
    }
    guard let planCount = reader.int() else { return nil }
    for _ in 0..<planCount {
      guard let id = reader.text(), let published = reader.text(), let eventCount = reader.int() else {
        return nil
      }
      var p = CommittedHistory.PlanState()
      p.published = published.isEmpty ? nil : Int64(published)
      p.events.reserveCapacity(eventCount)
      for _ in 0..<eventCount {
        guard let commit = reader.int(), commit < h.commits.count, let path = reader.text() else {
          return nil
        }
        p.events.append((commit, path))
      }
      guard let stateCount = reader.int() else { return nil }
      for _ in 0..<stateCount {
        guard let key = reader.text(), let sequence = reader.int(), let modified = reader.int64(),
          let date = reader.text().flatMap(eventDate), let end = reader.text(), let location = reader.text(),
          let status = reader.text()
        else { return nil }
        let facts = EntryFacts(
          date: date, end: end.isEmpty ? nil : eventDate(end), location: location.isEmpty ? nil : location)
        p.revisions.states[key] = .init(
          value: EntryVersion(facts: facts, status: Stage(rawValue: status)), sequence: sequence,
          lastModified: Date(timeIntervalSince1970: TimeInterval(modified)))
      }
      guard let hasFeedback = reader.text() else { return nil }
      if !hasFeedback.isEmpty {
        guard let sequence = reader.int(), let modified = reader.int64(),
          case .day(let opens)? = reader.text().flatMap(eventDate),
          case .day(let closes)? = reader.text().flatMap(eventDate), let status = reader.text()
        else { return nil }
        p.revisions.feedback = .init(
          value: FeedbackVersion(
            window: FeedbackWindow(opens: opens, closes: closes), status: Stage(rawValue: status)),
          sequence: sequence, lastModified: Date(timeIntervalSince1970: TimeInterval(modified)))
      }
      h.plans[id] = p
    }
    return reader.atEnd ? h : nil
  }

  /// A day, a local time, or `@seconds` for an instant: read back to the same value.
  static func text(_ d: EventDate) -> String {
    switch d {
    case .day(let d): return day(d)
    case .local(let t):
      return
        "\(day(t.date))T\(Digits.padded(t.hour, 2)):\(Digits.padded(t.minute, 2)):\(Digits.padded(t.second, 2))"
    case .instant(let i): return "@\(Int64(i.timeIntervalSince1970.rounded(.down)))"
    }
  }

  static func eventDate(_ s: String) -> EventDate? {
    if s.hasPrefix("@") {
      return Int64(s.dropFirst()).map { .instant(Date(timeIntervalSince1970: TimeInterval($0))) }
    }
    return (try? EventDate.parse(s)) ?? nil
  }

  private static func day(_ d: LocalDate) -> String { d.description }

  private struct FieldReader {
    let bytes: [UInt8]
    var position: Int

    var atEnd: Bool { position == bytes.count }

    mutating func text() -> String? {
      guard position < bytes.count, let end = bytes[position...].firstIndex(of: 0) else { return nil }
      let s = String(decoding: bytes[position..<end], as: UTF8.self)
      position = end + 1
      return s
    }

    mutating func int64() -> Int64? { text().flatMap { Int64($0) } }
    mutating func int() -> Int? { text().flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil } }
  }
}
