import Foundation
import KaasaBytes
import Synchronization

/// What parsing each plan file gave (the plan, or nothing, and the file's own diagnostics), by the
/// SHA-256 of the file's bytes, kept between runs in the site's `.kaasa-cache` so that a rebuild
/// parses only the files that changed. Checks across files (unknown villages, duplicate ids…) are
/// not kept: they run on every load.
///
/// Entries are written by the kaasa binary that parsed them and trusted only by the same binary,
/// since another version may parse differently.
public struct ParseCache: CacheContents, Sendable {
  public struct Entry: Sendable {
    public let digest: String
    public let plan: Plan?
    public let diagnostics: [Diagnostic]
    /// The file as `stat` saw it just before it was read, when that was long enough after its last
    /// change to tell a later change apart. A load that trusts stamps reuses the entry without
    /// reading the file while the stamp holds, as git does with its index.
    public var stamp: FileStamp? = nil
    /// The plan and diagnostics as this entry's file holds them, when it was read from one: the
    /// next cache holds them unchanged for every plan parsed before, so they are copied rather than
    /// encoded again (after editing one plan of 10,000, encoding them all was the largest part of
    /// writing the cache).
    var encoded: ArraySlice<UInt8>? = nil
    /// Whether the plan is kept without its body (the Markdown after the front matter), as always on
    /// disk: the body is in the file, and it was four fifths of the cache.
    public var bodyOmitted: Bool { plan?.bodyUnread == true }
  }

  static let header = "kaasa-parsed 6"
  /// The kaasa binary that wrote it (`CacheFile.program`).
  let program: String
  public var entries: [String: Entry]
  /// Names what these entries hold, new for every cache whose files, digests or plans differ from
  /// the one it was made from (`ContentLoader` keeps the token otherwise, new stamps included). A
  /// build cache that records it knows that its plans were keyed on exactly these digests.
  public internal(set) var token: String

  public init(entries: [String: Entry] = [:]) {
    self.program = CacheFile.program
    self.entries = entries
    self.token = UUID().uuidString
  }

  public static func file(in folder: URL) -> URL { folder.appendingPathComponent("parsed-plans") }

  /// Whether a plan file came or went, or a plan's front matter (all that lists show of it) differs
  /// from what `other` parsed. `parsed` names the files parsed anew since `other`: every other entry
  /// was taken from it, so only those are compared (not all 10,000 plans after one edit).
  public func hasOtherFrontMatters(than other: ParseCache, parsed: [String]) -> Bool {
    entries.count != other.entries.count
      || parsed.contains { file in
        other.entries[file].map { $0.plan?.frontMatterDigest != entries[file]?.plan?.frontMatterDigest }
          ?? true
      }
  }

  /// The cache in `file`, or nil if there is none, it is damaged, or another kaasa wrote it.
  public static func load(from file: URL) -> ParseCache? {
    guard let bytes = CacheFile.read(file), let cache = try? decode(bytes),
      cache.program == CacheFile.program
    else { return nil }
    return cache
  }

  /// Entries are written in sections of this many, each with its length, so that they can be
  /// decoded on all cores: decoding 10,000 plans on one was a sixth of a rebuild after an edit.
  static let section = 1024

  public func encode(into w: inout ByteWriter) {
    w.put(Self.header)
    w.put(program)
    w.put(token)
    w.put(entries.count)
    // The names are sorted, not the entries: moving entries was a third of the sorting.
    let files = entries.keys.sorted()
    for start in stride(from: 0, to: files.count, by: Self.section) {
      let names = files[start..<min(files.count, start + Self.section)]
      var section = ByteWriter(capacity: names.count * 2048)
      for file in names { encode(file, entries[file]!, into: &section) }
      w.put(names.count)
      w.put(section.bytes.count)
      w.put(raw: section.bytes)
    }
  }

  private func encode(_ file: String, _ entry: Entry, into w: inout ByteWriter) {
    w.put(file)
    w.put(entry.digest)
    w.put(entry.stamp != nil)
    entry.stamp?.encode(into: &w)
    if let encoded = entry.encoded {
      w.put(raw: encoded)
      return
    }
    w.put(entry.plan != nil)
    entry.plan?.encode(into: &w)
    w.put(entry.diagnostics.count)
    for d in entry.diagnostics {
      w.put(d.file)
      d.position.encode(into: &w)
      w.put(d.severity == .error)
      w.put(d.message)
    }
  }

  public static func decode(_ bytes: [UInt8]) throws -> ParseCache {
    var r = ByteReader(bytes)
    guard try r.string() == header else { throw ByteReader.Damaged() }
    let program = try r.string()
    let token = try r.string()
    let count = try r.count()
    var sections: [(count: Int, bytes: Range<Int>)] = []
    var listed = 0
    while listed < count {
      let n = try r.count()
      let length = try r.count()
      guard n > 0 else { throw ByteReader.Damaged() }
      sections.append((n, r.position..<r.position + length))
      try r.skip(length)
      listed += n
    }
    guard listed == count, r.atEnd else { throw ByteReader.Damaged() }
    let sectionsFound = sections
    let decoded = Mutex<[[(String, Entry)]?]>(Array(repeating: nil, count: sections.count))
    DispatchQueue.concurrentPerform(iterations: sections.count) { i in
      var reader = ByteReader(bytes, range: sectionsFound[i].bytes)
      var out: [(String, Entry)] = []
      out.reserveCapacity(sectionsFound[i].count)
      do {
        for _ in 0..<sectionsFound[i].count { out.append(try decodeEntry(&reader)) }
        guard reader.atEnd else { return }
      } catch {
        return
      }
      decoded.withLock { $0[i] = out }
    }
    // Sized once (growing it was a tenth of the decoding); a damaged count asks for no more than a
    // million, and the reading fails at the end of the bytes.
    var entries = [String: Entry](minimumCapacity: min(count, 1 << 20))
    for section in decoded.withLock({ $0 }) {
      guard let section else { throw ByteReader.Damaged() }
      for (file, entry) in section { entries[file] = entry }
    }
    return ParseCache(program: program, entries: entries, token: token)
  }

  private static func decodeEntry(_ r: inout ByteReader) throws -> (String, Entry) {
    let file = try r.string()
    let digest = try r.string()
    let stamp = try r.bool() ? try FileStamp(from: &r) : nil
    let start = r.position
    var plan = try r.bool() ? try Plan(from: &r) : nil
    plan?.bodyUnread = true
    var diagnostics: [Diagnostic] = []
    for _ in 0..<(try r.count()) {
      let f = try r.string()
      let position = try SourcePosition(from: &r)
      let severity: Severity = try r.bool() ? .error : .warning
      diagnostics.append(
        Diagnostic(file: f, position: position, severity: severity, message: try r.string()))
    }
    let entry = Entry(
      digest: digest, plan: plan, diagnostics: diagnostics, stamp: stamp, encoded: r.bytes(since: start))
    return (file, entry)
  }

  init(program: String, entries: [String: Entry], token: String) {
    self.program = program
    self.entries = entries
    self.token = token
  }
}

// MARK: The plan in bytes

extension FileStamp {
  func encode(into w: inout ByteWriter) {
    w.put(Int64(bitPattern: device))
    w.put(Int64(bitPattern: inode))
    w.put(size)
    w.put(modified)
    w.put(changed)
  }

  init(from r: inout ByteReader) throws {
    device = UInt64(bitPattern: try r.int64())
    inode = UInt64(bitPattern: try r.int64())
    size = try r.int64()
    modified = try r.int64()
    changed = try r.int64()
  }
}

extension SourcePosition {
  func encode(into w: inout ByteWriter) {
    w.put(line)
    w.put(column)
  }

  init(from r: inout ByteReader) throws { self.init(line: try r.int(), column: try r.int()) }
}

extension LocalDate {
  func encode(into w: inout ByteWriter) {
    w.put(year)
    w.put(month)
    w.put(day)
  }

  init(from r: inout ByteReader) throws { self.init(year: try r.int(), month: try r.int(), day: try r.int()) }
}

extension EventDate {
  func encode(into w: inout ByteWriter) {
    switch self {
    case .day(let d):
      w.put(0)
      d.encode(into: &w)
    case .local(let t):
      w.put(1)
      t.date.encode(into: &w)
      w.put(t.hour)
      w.put(t.minute)
      w.put(t.second)
    case .instant(let date):
      w.put(2)
      w.put(date)
    }
  }

  init(from r: inout ByteReader) throws {
    switch try r.int() {
    case 0: self = .day(try LocalDate(from: &r))
    case 1:
      self = .local(
        LocalDateTime(
          date: try LocalDate(from: &r), hour: try r.int(), minute: try r.int(), second: try r.int()))
    case 2: self = .instant(try r.date())
    default: throw ByteReader.Damaged()
    }
  }
}

extension ByteReader {
  /// A value of a `RawRepresentable` enum, or nil where none was written.
  mutating func optional<T: RawRepresentable>(_: T.Type) throws -> T? where T.RawValue == String {
    guard let raw = try optionalString() else { return nil }
    guard let value = T(rawValue: raw) else { throw Damaged() }
    return value
  }
}

extension Plan {
  func encode(into w: inout ByteWriter) {
    w.put(id)
    w.put(file)
    w.put(title)
    w.put(summary)
    w.put(municipality.value)
    municipality.position.encode(into: &w)
    w.put(villages.count)
    for v in villages {
      w.put(v.value)
      v.position.encode(into: &w)
    }
    w.put(type.rawValue)
    w.put(tags)
    w.put(statusOverride?.rawValue)
    w.put(budget != nil)
    if let budget {
      w.put(budget.amount)
      w.put(budget.currency)
    }
    w.put(contact != nil)
    if let contact {
      w.put(contact.name)
      w.put(contact.email)
      w.put(contact.phone)
    }
    w.put(location != nil)
    if let location {
      w.put(location.point != nil)
      if let point = location.point {
        w.put(point.latitude)
        w.put(point.longitude)
      }
      w.put(location.address)
    }
    w.put(feedback != nil)
    if let feedback {
      feedback.opens.encode(into: &w)
      feedback.closes.encode(into: &w)
    }
    w.put(documents.count)
    for d in documents {
      w.put(d.title)
      w.put(d.url)
      d.position.encode(into: &w)
    }
    w.put(timeline.count)
    for e in timeline {
      w.put(e.key)
      e.date.encode(into: &w)
      w.put(e.end != nil)
      e.end?.encode(into: &w)
      w.put(e.stage?.rawValue)
      w.put(e.kind?.rawValue)
      w.put(e.title)
      w.put(e.location)
      e.position.encode(into: &w)
    }
    w.put(draft)
    // Not the body nor its line: see `ParseCache.Entry.bodyOmitted`.
    w.put(frontMatterDigest)
  }

  init(from r: inout ByteReader) throws {
    let id = try r.string()
    let file = try r.string()
    let title = try r.string()
    let summary = try r.string()
    let municipality = Located(try r.string(), at: try SourcePosition(from: &r))
    var villages: [Located<String>] = []
    for _ in 0..<(try r.count()) {
      villages.append(Located(try r.string(), at: try SourcePosition(from: &r)))
    }
    guard let type = PlanType(rawValue: try r.string()) else { throw ByteReader.Damaged() }
    let tags = try r.strings()
    let statusOverride = try r.optional(Stage.self)
    let budget = try r.bool() ? Budget(amount: try r.double(), currency: try r.string()) : nil
    let contact =
      try r.bool()
      ? Contact(name: try r.optionalString(), email: try r.optionalString(), phone: try r.optionalString())
      : nil
    var location: PlanLocation?
    if try r.bool() {
      let point = try r.bool() ? GeoPoint(latitude: try r.double(), longitude: try r.double()) : nil
      location = PlanLocation(point: point, address: try r.optionalString())
    }
    let feedback =
      try r.bool() ? FeedbackWindow(opens: try LocalDate(from: &r), closes: try LocalDate(from: &r)) : nil
    var documents: [PlanDocument] = []
    for _ in 0..<(try r.count()) {
      documents.append(
        PlanDocument(title: try r.string(), url: try r.string(), position: try SourcePosition(from: &r)))
    }
    var timeline: [TimelineEntry] = []
    for _ in 0..<(try r.count()) {
      let key = try r.string()
      let date = try EventDate(from: &r)
      let end = try r.bool() ? try EventDate(from: &r) : nil
      timeline.append(
        TimelineEntry(
          key: key, date: date, end: end, stage: try r.optional(Stage.self),
          kind: try r.optional(EntryKind.self),
          title: try r.string(), location: try r.optionalString(), position: try SourcePosition(from: &r)))
    }
    self.init(
      id: id, file: file, title: title, summary: summary, municipality: municipality, villages: villages,
      type: type, tags: tags, statusOverride: statusOverride, budget: budget, contact: contact,
      location: location, feedback: feedback, documents: documents, timeline: timeline, draft: try r.bool(),
      body: "", bodyLine: 0, frontMatterDigest: try r.string())
  }
}
