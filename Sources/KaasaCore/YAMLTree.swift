import CYAML

/// A position in YAML text: line and column, both from 1.
public struct YAMLMark: Sendable, Hashable {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  init(_ mark: yaml_mark_t) {
    line = Int(mark.line) + 1
    column = Int(mark.column) + 1
  }
}

/// A scalar as written: its text (every scalar is text; the decoding reads numbers, booleans and dates
/// itself), whether it was written plain (unquoted), and where it starts.
public struct YAMLScalar: Sendable {
  public var string: String
  public var isPlain: Bool
  public var mark: YAMLMark
}

/// A YAML node as libyaml reads it, with nothing resolved: the tree the decoding walks.
///
/// libyaml's events are turned straight into this tree; a general-purpose tree (tags, resolvers,
/// hashable nodes, a dictionary per mapping to find duplicate keys) cost more than reading the YAML.
public enum YAMLNode: Sendable {
  case scalar(YAMLScalar)
  case sequence([YAMLNode], YAMLMark)
  /// Pairs in the order written; keys are unique where they are scalars.
  case mapping([(key: YAMLNode, value: YAMLNode)], YAMLMark)

  public var mark: YAMLMark {
    switch self {
    case .scalar(let s): s.mark
    case .sequence(_, let mark), .mapping(_, let mark): mark
    }
  }

  public var scalar: YAMLScalar? {
    if case .scalar(let s) = self { return s }
    return nil
  }

  /// The text of a scalar; nil for a list or a mapping.
  public var string: String? { scalar?.string }

  /// A plain `~`, `null` or nothing, as YAML's core schema reads them.
  public var isNull: Bool {
    guard case .scalar(let s) = self, s.isPlain else { return false }
    switch s.string {
    case "", "~", "null", "Null", "NULL": return true
    default: return false
    }
  }

  /// The value under `key` of a mapping, compared as written (so `on:` stays a key, not a boolean).
  public subscript(key: String) -> YAMLNode? {
    guard case .mapping(let pairs, _) = self else { return nil }
    return pairs.first { $0.key.string == key }?.value
  }

  /// The single document in `text`, or nil when it holds none (empty, or only comments).
  public static func parse(_ text: String) throws(YAMLError) -> YAMLNode? {
    // An empty buffer has no address to give libyaml.
    if text.isEmpty { return nil }
    var text = text
    let result = text.withUTF8 { bytes in
      Result { () throws(YAMLError) in try YAMLEventReader(bytes).singleDocument() }
    }
    return try result.get()
  }
}

/// Why YAML text could not be read, with libyaml's own words and positions.
public enum YAMLError: Error, Sendable, CustomStringConvertible {
  /// A syntax error: the problem, where it is, and what was being read (with where that began).
  case syntax(problem: String, at: YAMLMark, context: String?, contextMark: YAMLMark?)
  /// Keys written twice in one mapping, at the first of them.
  case duplicateKeys([String], at: YAMLMark)
  /// Text libyaml will not read at all (control characters, broken encoding), at a byte offset.
  case unreadable(problem: String, offset: Int)

  public var description: String {
    switch self {
    case .syntax(let problem, let at, let context, let contextMark):
      var text = "\(problem) at line \(at.line), column \(at.column)"
      if let context, let contextMark { text += " (\(context) at line \(contextMark.line))" }
      return text
    case .duplicateKeys(let keys, let at):
      return "duplicate key \(keys.map { "'\($0)'" }.joined(separator: ", ")) at line \(at.line)"
    case .unreadable(let problem, let offset):
      return "\(problem) (byte \(offset))"
    }
  }
}

/// libyaml's parser over one UTF-8 buffer, composing its events into `YAMLNode`s.
private final class YAMLEventReader {
  private var parser = yaml_parser_t()
  private var event = yaml_event_t()
  private var anchors: [String: YAMLNode] = [:]
  private var depth = 0
  /// Deeper nesting than any content file needs; it keeps a hostile file from exhausting the stack.
  private static let depthLimit = 256

  init(_ bytes: UnsafeBufferPointer<UInt8>) {
    yaml_parser_initialize(&parser)
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
    // libyaml reads from the pointer as it goes; the caller keeps the buffer alive until `self` is done.
    yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
  }

  deinit {
    yaml_event_delete(&event)
    yaml_parser_delete(&parser)
  }

  /// Moves to the next event; the previous one is released.
  private func next() throws(YAMLError) {
    yaml_event_delete(&event)
    guard yaml_parser_parse(&parser, &event) == 1 else { throw error() }
  }

  private var startMark: YAMLMark { YAMLMark(event.start_mark) }

  private func error() -> YAMLError {
    let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
    switch parser.error {
    case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
      return .syntax(
        problem: problem, at: YAMLMark(parser.problem_mark),
        context: parser.context.map { String(cString: $0) },
        contextMark: parser.context == nil ? nil : YAMLMark(parser.context_mark))
    case YAML_MEMORY_ERROR:
      return .unreadable(problem: "out of memory", offset: 0)
    default:
      return .unreadable(problem: problem, offset: Int(parser.problem_offset))
    }
  }

  func singleDocument() throws(YAMLError) -> YAMLNode? {
    try next()  // stream start
    try next()
    if event.type == YAML_STREAM_END_EVENT { return nil }
    try next()  // past the document start
    let root = try node()
    try next()  // document end
    try next()
    if event.type != YAML_STREAM_END_EVENT {
      throw .syntax(
        problem: "but found another document", at: startMark,
        context: "expected a single document in the stream", contextMark: YAMLMark(line: 1, column: 1))
    }
    return root
  }

  /// The node that starts at the current event; the current event is then its last.
  private func node() throws(YAMLError) -> YAMLNode {
    let mark = startMark
    switch event.type {
    case YAML_SCALAR_EVENT:
      let s = event.data.scalar
      let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
      let node = YAMLNode.scalar(
        YAMLScalar(string: text, isPlain: s.style == YAML_PLAIN_SCALAR_STYLE, mark: mark))
      remember(s.anchor.map { String(cString: $0) }, node)
      return node
    case YAML_ALIAS_EVENT:
      let name = String(cString: event.data.alias.anchor)
      guard let node = anchors[name] else {
        throw .syntax(problem: "found undefined alias '\(name)'", at: mark, context: nil, contextMark: nil)
      }
      return node
    case YAML_SEQUENCE_START_EVENT:
      let anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
      try deeper(mark)
      var items: [YAMLNode] = []
      try next()
      while event.type != YAML_SEQUENCE_END_EVENT {
        items.append(try node())
        try next()
      }
      depth -= 1
      let node = YAMLNode.sequence(items, mark)
      remember(anchor, node)
      return node
    case YAML_MAPPING_START_EVENT:
      let anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
      try deeper(mark)
      var pairs: [(key: YAMLNode, value: YAMLNode)] = []
      try next()
      while event.type != YAML_MAPPING_END_EVENT {
        let key = try node()
        try next()
        let value = try node()
        pairs.append((key, value))
        try next()
      }
      depth -= 1
      try Self.checkDuplicates(pairs)
      let node = YAMLNode.mapping(pairs, mark)
      remember(anchor, node)
      return node
    default:
      throw .syntax(problem: "unexpected YAML event", at: mark, context: nil, contextMark: nil)
    }
  }

  /// A collection's anchor is read from its start event, before the events of its items replace it.
  private func remember(_ anchor: String?, _ node: YAMLNode) {
    if let anchor { anchors[anchor] = node }
  }

  private func deeper(_ mark: YAMLMark) throws(YAMLError) {
    depth += 1
    if depth > Self.depthLimit {
      throw .syntax(
        problem: "lists and mappings are nested more than \(Self.depthLimit) deep", at: mark, context: nil,
        contextMark: nil)
    }
  }

  /// Scalar keys written more than once: all of them, sorted, at the first place the first is written.
  private static func checkDuplicates(_ pairs: [(key: YAMLNode, value: YAMLNode)]) throws(YAMLError) {
    guard pairs.count > 1 else { return }
    var duplicates: Set<String> = []
    if pairs.count <= 16 {
      for i in pairs.indices {
        guard let a = pairs[i].key.string else { continue }
        for j in pairs.index(after: i)..<pairs.endIndex where pairs[j].key.string == a {
          duplicates.insert(a)
          break
        }
      }
    } else {
      var seen: Set<String> = []
      for pair in pairs {
        if let key = pair.key.string, !seen.insert(key).inserted { duplicates.insert(key) }
      }
    }
    guard !duplicates.isEmpty else { return }
    let sorted = duplicates.sorted()
    let first = pairs.first { $0.key.string == sorted[0] }!.key.mark
    throw .duplicateKeys(sorted, at: first)
  }
}
