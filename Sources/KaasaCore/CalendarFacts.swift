import Foundation

/// What calendars need from one version of a plan: when and where each timeline entry happens, the
/// feedback window, and whether the plan is cancelled. Comparing the facts of successive versions tells
/// which events changed, so their iCalendar `SEQUENCE` can rise.
public struct CalendarFacts: Sendable, Hashable {
  /// By entry key.
  public var entries: [String: EntryFacts]
  public var feedback: FeedbackWindow?
  /// The plan's `status:`, or `cancelled` when a timeline entry has that stage: what decides whether
  /// calendars show the plan's events as cancelled.
  public var status: Stage?
  public var draft: Bool

  public init(entries: [String: EntryFacts], feedback: FeedbackWindow?, status: Stage?, draft: Bool) {
    self.entries = entries
    self.feedback = feedback
    self.status = status
    self.draft = draft
  }

  /// The facts of a loaded plan: the working copy, as the build renders it.
  public init(plan: Plan) {
    var entries: [String: EntryFacts] = [:]
    for e in plan.timeline { entries[e.key] = EntryFacts(date: e.date, end: e.end, location: e.location) }
    self.init(
      entries: entries, feedback: plan.feedback,
      status: plan.statusOverride ?? (plan.timeline.contains { $0.stage == .cancelled } ? .cancelled : nil),
      draft: plan.draft)
  }

  /// Reads the facts from a plan file's bytes as the loader would; nil when the file has no readable
  /// front matter. Common front matter is read by a small scanner for the YAML that plans use; anything
  /// it does not recognise goes through the YAML parser, so both ways agree.
  public static func read(_ file: UnsafeBufferPointer<UInt8>, slugs: inout [String: String]) -> CalendarFacts?
  {
    guard let yaml = frontMatter(file) else { return nil }
    let raw: RawFacts
    if let fast = FrontMatterScanner(UnsafeBufferPointer(rebasing: file[yaml])).scan() {
      raw = fast
    } else {
      guard let parsed = RawFacts(yaml: String(decoding: file[yaml], as: UTF8.self)) else { return nil }
      raw = parsed
    }
    return raw.facts(slugs: &slugs)
  }

  /// The same for text, through the YAML parser only; tests compare it with the scanner.
  static func readWithYAMLParser(_ text: String) -> CalendarFacts? {
    var slugs: [String: String] = [:]
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { b -> CalendarFacts? in
      guard let yaml = frontMatter(b) else { return nil }
      return RawFacts(yaml: String(decoding: b[yaml], as: UTF8.self))?.facts(slugs: &slugs)
    }
  }

  /// The byte range of the front matter: after a first line that is exactly `---` (after an optional
  /// byte order mark; CRLF allowed) up to the next such line.
  static func frontMatter(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    var i = 0
    if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
    guard let first = fence(b, at: i) else { return nil }
    let start = first
    var lineStart = start
    while lineStart < b.count {
      if let after = fence(b, at: lineStart) {
        _ = after
        return start..<lineStart
      }
      guard let newline = (lineStart..<b.count).first(where: { b[$0] == 10 }) else { return nil }
      lineStart = newline + 1
    }
    return nil
  }

  /// When a line that is exactly `---` starts at `i`, the index after its line end.
  private static func fence(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
    guard i + 3 <= b.count, b[i] == 45, b[i + 1] == 45, b[i + 2] == 45 else { return nil }
    if i + 3 == b.count { return i + 3 }
    if b[i + 3] == 10 { return i + 4 }
    if b[i + 3] == 13, i + 4 < b.count, b[i + 4] == 10 { return i + 5 }
    return nil
  }
}

/// When and where a timeline entry happens.
public struct EntryFacts: Sendable, Hashable {
  public var date: EventDate
  public var end: EventDate?
  public var location: String?

  public init(date: EventDate, end: EventDate?, location: String?) {
    self.date = date
    self.end = end
    self.location = location
  }
}

/// Front-matter values as written, before they are read as dates, stages and keys.
struct RawFacts {
  struct Entry {
    var date: String?
    var end: String?
    var location: String?
    var title: String?
    var id: String?
    var stage: String?
  }

  var status: String?
  var draft: String?
  var opens: String?
  var closes: String?
  var entries: [Entry] = []

  init() {}

  /// Through the YAML tree, reading values as `YAMLReader` does; nil when the YAML does not parse.
  init?(yaml: String) {
    guard let root = try? YAMLNode.parse(yaml), case .mapping(let m, _) = root else { return nil }
    // As `YAMLReader` reads values.
    func scalar(_ node: YAMLNode) -> String? {
      guard case .scalar(let s) = node, !node.isNull else { return nil }
      return s.string
    }
    for (k, v) in m {
      switch k.scalar?.string {
      case "status": status = scalar(v)
      case "draft": draft = scalar(v)
      case "feedback":
        guard case .mapping(let f, _) = v else { continue }
        for (fk, fv) in f {
          switch fk.scalar?.string {
          case "opens": opens = scalar(fv)
          case "closes": closes = scalar(fv)
          default: break
          }
        }
      case "timeline":
        guard case .sequence(let list, _) = v else { continue }
        for node in list {
          guard case .mapping(let em, _) = node else { continue }
          var e = Entry()
          for (ek, ev) in em {
            switch ek.scalar?.string {
            case "date": e.date = scalar(ev)
            case "end": e.end = scalar(ev)
            case "location": e.location = scalar(ev)
            case "title": e.title = scalar(ev)
            case "id": e.id = scalar(ev)
            case "stage": e.stage = scalar(ev)
            default: break
            }
          }
          entries.append(e)
        }
      default: break
      }
    }
  }

  /// Reads the values as `Decoding` does: trimmed text, empty as missing, entries without a date or
  /// title left out, keys from ids or titles.
  func facts(slugs: inout [String: String]) -> CalendarFacts {
    // Trimmed as `YAMLReader` trims text.
    func text(_ s: String?) -> String? {
      guard let t = s?.trimmed, !t.isEmpty else { return nil }
      return t
    }
    func date(_ s: String?) -> EventDate? {
      guard let t = text(s) else { return nil }
      return (try? EventDate.parse(t)) ?? nil
    }
    var ids: [String?] = []
    var titles: [String] = []
    var kept: [EntryFacts] = []
    var cancelled = false
    for e in entries {
      guard let d = date(e.date), let title = text(e.title) else { continue }
      ids.append(text(e.id))
      titles.append(title)
      kept.append(EntryFacts(date: d, end: date(e.end), location: text(e.location)))
      if text(e.stage) == Stage.cancelled.rawValue { cancelled = true }
    }
    let keys = TimelineEntry.keys(ids: ids, titles: titles) { title in
      if let known = slugs[title] { return known }
      let s = Slug.make(title)
      slugs[title] = s
      return s
    }
    var byKey: [String: EntryFacts] = [:]
    for (key, e) in zip(keys, kept) { byKey[key] = e }
    var feedback: FeedbackWindow?
    if case .day(let o)? = date(opens), case .day(let c)? = date(closes), !(c < o) {
      feedback = FeedbackWindow(opens: o, closes: c)
    }
    let override = text(status).flatMap(Stage.init(rawValue:))
    let isDraft = ["true", "yes", "on"].contains(text(draft)?.lowercased() ?? "")
    return CalendarFacts(
      entries: byKey, feedback: feedback, status: override ?? (cancelled ? .cancelled : nil), draft: isDraft)
  }
}

/// Reads `status`, `draft`, `feedback` and `timeline` from front matter written in the plain YAML that
/// plans use: `key: value` lines, one-line `{ … }` mappings, plain or simply quoted scalars. It returns
/// nil for anything else (block scalars, anchors, escapes, tabs, duplicate keys…), and the caller then
/// asks the YAML parser, so the scanner never has to be right about YAML it does not know.
struct FrontMatterScanner {
  let b: UnsafeBufferPointer<UInt8>
  /// Each line's start and end, without the line break (and without a CR before it).
  private var lines: [(start: Int, end: Int)] = []

  private static let space: UInt8 = 32
  private static let hash: UInt8 = 35
  private static let dash: UInt8 = 45
  private static let colon: UInt8 = 58
  private static let comma: UInt8 = 44
  private static let openBrace: UInt8 = 123
  private static let closeBrace: UInt8 = 125
  private static let doubleQuote: UInt8 = 34
  private static let singleQuote: UInt8 = 39
  private static let backslash: UInt8 = 92

  init(_ b: UnsafeBufferPointer<UInt8>) {
    self.b = b
    var start = 0
    for i in 0..<b.count where b[i] == 10 {
      lines.append((start, i > start && b[i - 1] == 13 ? i - 1 : i))
      start = i + 1
    }
    if start < b.count { lines.append((start, b[b.count - 1] == 13 ? b.count - 1 : b.count)) }
  }

  func scan() -> RawFacts? {
    for i in 0..<b.count where b[i] == 9 || (b[i] == 13 && (i + 1 == b.count || b[i + 1] != 10)) {
      return nil
    }
    var raw = RawFacts()
    var seen: [ArraySlice<UInt8>] = []
    var i = 0
    while i < lines.count {
      let line = lines[i]
      if isBlankOrComment(line) {
        i += 1
        continue
      }
      guard let (keyEnd, valueStart) = key(in: line, at: line.start) else { return nil }
      let name = Array(b[line.start..<keyEnd])[...]
      if seen.contains(name) { return nil }
      seen.append(name)
      // The key's value continues on following lines that are indented, list items, blank or comments.
      var j = i + 1
      while j < lines.count {
        let l = lines[j]
        if l.start == l.end || b[l.start] == Self.space || b[l.start] == Self.dash || b[l.start] == Self.hash
        {
          j += 1
        } else {
          break
        }
      }
      let region = (i + 1)..<j
      let hasBlock = region.contains { !isBlankOrComment(lines[$0]) }
      let keyName = String(decoding: name, as: UTF8.self)
      switch keyName {
      case "status", "draft":
        guard !hasBlock, let (value, _) = scalar(valueStart, line.end, flow: false) else { return nil }
        if keyName == "status" { raw.status = value } else { raw.draft = value }
      case "feedback":
        var values: [(String, String?)] = []
        if let start = firstNonSpace(valueStart, line.end), b[start] == Self.openBrace {
          guard !hasBlock, let flow = flowMapping(start, line.end) else { return nil }
          values = flow
        } else {
          guard firstNonSpace(valueStart, line.end) == nil, let block = blockMapping(region) else {
            return nil
          }
          values = block
        }
        for (k, v) in values {
          if k == "opens" { raw.opens = v } else if k == "closes" { raw.closes = v }
        }
      case "timeline":
        guard firstNonSpace(valueStart, line.end) == nil, let entries = sequence(region) else { return nil }
        raw.entries = entries
      default:
        // Other values are not read, but the opening of a multi-line flow value must stay inside its region.
        if let start = firstNonSpace(valueStart, line.end), [91, 123, 34, 39].contains(b[start]), !hasBlock {
          guard closesOnItsLine(start, line.end) else { return nil }
        }
      }
      i = j
    }
    return raw
  }

  // MARK: Lines

  private func isBlankOrComment(_ line: (start: Int, end: Int)) -> Bool {
    guard let p = firstNonSpace(line.start, line.end) else { return true }
    return b[p] == Self.hash
  }

  private func firstNonSpace(_ from: Int, _ end: Int) -> Int? {
    var p = from
    while p < end, b[p] == Self.space { p += 1 }
    return p < end ? p : nil
  }

  private func indent(_ line: (start: Int, end: Int)) -> Int {
    var p = line.start
    while p < line.end, b[p] == Self.space { p += 1 }
    return p - line.start
  }

  /// A plain key (`[A-Za-z0-9_-]+`) at `p`, followed by `:` and a space or the line end: the key's end
  /// and where its value begins.
  private func key(in line: (start: Int, end: Int), at p: Int) -> (Int, Int)? {
    var q = p
    while q < line.end, isKeyByte(b[q]) { q += 1 }
    guard q > p, q < line.end, b[q] == Self.colon else { return nil }
    if q + 1 == line.end { return (q, q + 1) }
    guard b[q + 1] == Self.space else { return nil }
    return (q, q + 1)
  }

  private func isKeyByte(_ c: UInt8) -> Bool {
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95 || c == Self.dash
  }

  // MARK: Values

  /// A scalar from `p` to the end of the value: plain (up to ` #` or, in flow, `,` `}`), or quoted
  /// without escapes. Returns the value (nil when there is none) and where reading stopped.
  private func scalar(_ from: Int, _ end: Int, flow: Bool) -> (String?, Int)? {
    guard let p = firstNonSpace(from, end) else { return (nil, end) }
    let c = b[p]
    if c == Self.hash { return flow ? nil : (nil, end) }
    if c == Self.doubleQuote || c == Self.singleQuote {
      var q = p + 1
      var bytes: [UInt8] = []
      while true {
        guard q < end else { return nil }
        if c == Self.doubleQuote && b[q] == Self.backslash { return nil }
        if b[q] == c {
          if c == Self.singleQuote, q + 1 < end, b[q + 1] == Self.singleQuote {
            bytes.append(c)
            q += 2
            continue
          }
          break
        }
        bytes.append(b[q])
        q += 1
      }
      q += 1
      // After the closing quote: spaces, then (in flow) `,` or `}`, or (in a block) the end or a comment.
      let next = firstNonSpace(q, end)
      if let n = next {
        if flow {
          guard b[n] == Self.comma || b[n] == Self.closeBrace else { return nil }
        } else {
          guard b[n] == Self.hash, b[n - 1] == Self.space else { return nil }
        }
      }
      return (String(decoding: bytes, as: UTF8.self), next ?? end)
    }
    // Indicators that begin something other than a plain scalar.
    if [91, 93, 123, 125, 44, 38, 42, 33, 124, 62, 37, 64, 96].contains(c) { return nil }
    if c == Self.dash || c == 63 || c == Self.colon {
      if p + 1 == end || b[p + 1] == Self.space { return nil }
    }
    var q = p
    var last = p
    while q < end {
      let x = b[q]
      if x == Self.hash && b[q - 1] == Self.space { break }
      if x == Self.colon && (q + 1 == end || b[q + 1] == Self.space) { return nil }
      if flow {
        if x == Self.comma || x == Self.closeBrace { break }
        if [91, 93, 123].contains(x) { return nil }
        if x == Self.colon && (b[q + 1] == Self.comma || b[q + 1] == Self.closeBrace) { return nil }
      }
      if x != Self.space { last = q + 1 }
      q += 1
    }
    // A plain `~` or `null` is no value, as the loader reads it (YAML's core schema).
    let text = String(decoding: UnsafeBufferPointer(rebasing: b[p..<last]), as: UTF8.self)
    if ["~", "null", "Null", "NULL"].contains(text) { return (nil, q) }
    return (text, q)
  }

  /// `{ key: value, … }` closed on the same line, with scalar values only.
  private func flowMapping(_ open: Int, _ end: Int) -> [(String, String?)]? {
    var out: [(String, String?)] = []
    var p = open + 1
    while true {
      guard let s = firstNonSpace(p, end) else { return nil }
      if b[s] == Self.closeBrace {
        p = s + 1
        break
      }
      var q = s
      while q < end, isKeyByte(b[q]) { q += 1 }
      guard q > s, q + 1 < end, b[q] == Self.colon, b[q + 1] == Self.space else { return nil }
      let name = String(decoding: UnsafeBufferPointer(rebasing: b[s..<q]), as: UTF8.self)
      if out.contains(where: { $0.0 == name }) { return nil }
      guard let (value, stop) = scalar(q + 1, end, flow: true), stop < end else { return nil }
      out.append((name, value))
      p = stop + 1
      if b[stop] == Self.closeBrace { break }
      guard b[stop] == Self.comma else { return nil }
    }
    if let rest = firstNonSpace(p, end), b[rest] != Self.hash || b[rest - 1] != Self.space { return nil }
    return out
  }

  /// Lines `key: scalar` at one indentation.
  private func blockMapping(_ region: Range<Int>) -> [(String, String?)]? {
    var out: [(String, String?)] = []
    var column: Int?
    for i in region where !isBlankOrComment(lines[i]) {
      let line = lines[i]
      let ind = indent(line)
      guard ind > 0, column == nil || column == ind else { return nil }
      column = ind
      guard let pair = keyValue(line, at: line.start + ind), !out.contains(where: { $0.0 == pair.0 }) else {
        return nil
      }
      out.append(pair)
    }
    return out
  }

  private func keyValue(_ line: (start: Int, end: Int), at p: Int) -> (String, String?)? {
    guard let (keyEnd, valueStart) = key(in: line, at: p),
      let (value, _) = scalar(valueStart, line.end, flow: false)
    else { return nil }
    return (String(decoding: UnsafeBufferPointer(rebasing: b[p..<keyEnd]), as: UTF8.self), value)
  }

  /// A block list of entries, each a one-line `{ … }` or `key: scalar` lines aligned after `- `.
  private func sequence(_ region: Range<Int>) -> [RawFacts.Entry]? {
    var entries: [RawFacts.Entry] = []
    var itemColumn: Int?
    var keyColumn: Int?
    var current: [(String, String?)]?
    func finish() {
      guard let pairs = current else { return }
      var e = RawFacts.Entry()
      for (k, v) in pairs {
        switch k {
        case "date": e.date = v
        case "end": e.end = v
        case "location": e.location = v
        case "title": e.title = v
        case "id": e.id = v
        case "stage": e.stage = v
        default: break
        }
      }
      entries.append(e)
      current = nil
    }
    for i in region where !isBlankOrComment(lines[i]) {
      let line = lines[i]
      let ind = indent(line)
      let p = line.start + ind
      if itemColumn == nil {
        guard b[p] == Self.dash else { return nil }
        itemColumn = ind
      }
      if ind == itemColumn, b[p] == Self.dash {
        guard p + 1 < line.end, b[p + 1] == Self.space, let start = firstNonSpace(p + 1, line.end) else {
          return nil
        }
        finish()
        if b[start] == Self.openBrace {
          guard let pairs = flowMapping(start, line.end) else { return nil }
          current = pairs
          keyColumn = nil
        } else {
          guard let pair = keyValue(line, at: start) else { return nil }
          current = [pair]
          keyColumn = start - line.start
        }
      } else if ind == keyColumn, current != nil {
        guard let pair = keyValue(line, at: p), !current!.contains(where: { $0.0 == pair.0 }) else {
          return nil
        }
        current!.append(pair)
      } else {
        return nil
      }
    }
    finish()
    return entries
  }

  /// Whether a flow collection or quoted scalar that opens at `p` closes on the same line.
  private func closesOnItsLine(_ p: Int, _ end: Int) -> Bool {
    let open = b[p]
    if open == Self.doubleQuote || open == Self.singleQuote {
      var q = p + 1
      while q < end {
        if open == Self.doubleQuote, b[q] == Self.backslash {
          q += 2
          continue
        }
        if b[q] == open {
          if open == Self.singleQuote, q + 1 < end, b[q + 1] == Self.singleQuote {
            q += 2
            continue
          }
          return true
        }
        q += 1
      }
      return false
    }
    var depth = 0
    var quote: UInt8?
    var q = p
    while q < end {
      let c = b[q]
      if let qc = quote {
        if qc == Self.doubleQuote, c == Self.backslash {
          q += 2
          continue
        }
        if c == qc { quote = nil }
      } else if c == Self.doubleQuote || c == Self.singleQuote {
        quote = c
      } else if c == 91 || c == Self.openBrace {
        depth += 1
      } else if c == 93 || c == Self.closeBrace {
        depth -= 1
        if depth == 0 { return true }
      }
      q += 1
    }
    return false
  }
}
