/// A template that failed to parse: what is wrong and where.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
  public let line: Int
  public let column: Int
  public let message: String

  public var description: String { "line \(line), column \(column): \(message)" }
}

/// A name in a tag: `.` (the current object), `a.b.c` (looked up through the context stack), or
/// `.a.b` (looked up in the current object only).
struct TagName: Sendable {
  let parts: [String]
  let current: Bool
  let anchored: Bool
  let text: String

  init(_ text: String) {
    self.text = text
    current = text == "."
    anchored = !current && text.hasPrefix(".")
    parts = current ? [] : text.split(separator: ".").map(String.init)
  }
}

/// A parsed template: text and tags as a tree.
indirect enum TemplateNode: Sendable {
  case text([UInt8])
  case variable(TagName, escaped: Bool)
  case section(TagName, inverted: Bool, body: [TemplateNode])
  /// `{{> name}}`; a standalone partial carries the whitespace before it, which indents every line.
  case partial(String, indentation: [UInt8]?)
  /// `{{< name}}…{{/name}}`: the named template with these blocks replaced.
  case parent(String, indentation: [UInt8], blocks: [String: [TemplateNode]])
  /// `{{$ name}}default{{/name}}` outside a parent: replaced by the block a child defined, if any.
  case block(String, indentation: [UInt8], body: [TemplateNode])
  /// `{{$ name}}…{{/name}}` directly inside a parent: one of the parent's replacements.
  case blockDefinition(String, body: [TemplateNode])
}

/// Parses Mustache (the spec's interpolation, sections, inverted sections, comments, partials,
/// set delimiters and inheritance) into `TemplateNode`s.
///
/// Whitespace follows the spec's standalone-line rules exactly as swift-mustache 2 applies them, so
/// themes written for it render byte for byte the same; `TemplateEngineTests` compares the two.
struct TemplateParser {
  private let bytes: [UInt8]
  private var position = 0

  private struct State {
    var sectionName: String?
    var newLine = true
    var inPartialDefinition = false
    var partialDefinitionTopLevel = false
    var open: [UInt8] = Array("{{".utf8)
    var close: [UInt8] = Array("}}".utf8)
    var partialDefinitionIndent: Int?

    func section(_ name: String, newLine: Bool) -> State {
      var s = self
      s.sectionName = name
      s.partialDefinitionTopLevel = false
      if !newLine { s.newLine = false }
      return s
    }

    func parentBody(_ name: String) -> State {
      var s = self
      s.sectionName = name
      s.newLine = true
      s.inPartialDefinition = true
      s.partialDefinitionTopLevel = true
      return s
    }
  }

  static func parse(_ text: String) throws(TemplateError) -> [TemplateNode] {
    var parser = TemplateParser(bytes: Array(text.utf8))
    return try parser.parse(State())
  }

  private init(bytes: [UInt8]) { self.bytes = bytes }

  private var atEnd: Bool { position >= bytes.count }
  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")
  private static let lf = UInt8(ascii: "\n")
  private static let cr = UInt8(ascii: "\r")

  /// Length of the line break at `i` ("\n" or "\r\n"), or 0.
  private func newlineLength(at i: Int) -> Int {
    guard i < bytes.count else { return 0 }
    if bytes[i] == Self.lf { return 1 }
    if bytes[i] == Self.cr, i + 1 < bytes.count, bytes[i + 1] == Self.lf { return 2 }
    return 0
  }

  private mutating func readBlanks() -> ArraySlice<UInt8> {
    let start = position
    while position < bytes.count, bytes[position] == Self.space || bytes[position] == Self.tab {
      position += 1
    }
    return bytes[start..<position]
  }

  private mutating func skipWhitespace() {
    while position < bytes.count, isWhitespace(bytes[position]) { position += 1 }
  }

  private func isWhitespace(_ b: UInt8) -> Bool {
    b == Self.space || b == Self.tab || b == Self.lf || b == Self.cr || b == 0x0B || b == 0x0C
  }

  private func matches(_ s: [UInt8], at i: Int) -> Bool {
    guard i + s.count <= bytes.count else { return false }
    for k in 0..<s.count where bytes[i + k] != s[k] { return false }
    return true
  }

  private func error(_ message: String, at offset: Int? = nil) -> TemplateError {
    let end = min(offset ?? position, bytes.count)
    var line = 1
    var lineStart = 0
    for i in 0..<end where bytes[i] == Self.lf {
      line += 1
      lineStart = i + 1
    }
    let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
    return TemplateError(line: line, column: column, message: message)
  }

  /// Text up to the next opening delimiter (consumed; `tag` is true) or line break (not consumed).
  private mutating func readText(_ state: State) -> (text: ArraySlice<UInt8>, tag: Bool) {
    let start = position
    while position < bytes.count {
      if newlineLength(at: position) > 0 { return (bytes[start..<position], false) }
      if bytes[position] == state.open[0], matches(state.open, at: position) {
        let text = bytes[start..<position]
        position += state.open.count
        return (text, true)
      }
      position += 1
    }
    return (bytes[start..<position], false)
  }

  /// After a tag: if only blanks and a line break (or the end) follow, consumes them.
  private mutating func lineFinished() -> Bool {
    if atEnd { return true }
    var i = position
    while i < bytes.count, bytes[i] == Self.space || bytes[i] == Self.tab { i += 1 }
    let n = newlineLength(at: i)
    guard n > 0 else { return false }
    position = i + n
    return true
  }

  private mutating func standalone(_ state: State) -> Bool { state.newLine && lineFinished() }

  private static let nameCharacters: Set<UInt8> = Set(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?*".utf8)

  private mutating func readName(_ state: State, partial: Bool = false) throws(TemplateError) -> String {
    skipWhitespace()
    let start = position
    while position < bytes.count,
      Self.nameCharacters.contains(bytes[position]) || (partial && bytes[position] == UInt8(ascii: "/"))
    {
      position += 1
    }
    let name = String(decoding: bytes[start..<position], as: UTF8.self)
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "(") {
      throw error("“\(name)(…)”: transforms are not supported; give the value in the context instead")
    }
    guard matches(state.close, at: position) else {
      throw error(
        "the tag is not closed with “\(String(decoding: state.close, as: UTF8.self))”, or its name has a character names cannot have"
      )
    }
    position += state.close.count
    return name
  }

  private mutating func parse(_ initial: State) throws(TemplateError) -> [TemplateNode] {
    var nodes: [TemplateNode] = []
    var state = initial
    var blanksBefore: ArraySlice<UInt8> = []

    func flushBlanks() {
      if !blanksBefore.isEmpty { nodes.append(.text(Array(blanksBefore))) }
      blanksBefore = []
    }

    while !atEnd {
      if state.newLine {
        let blanks = readBlanks()
        if state.inPartialDefinition && !state.partialDefinitionTopLevel {
          // Inside a block of a parent, the first line's indentation is the block's own and is removed
          // from every line.
          if let indent = state.partialDefinitionIndent {
            blanksBefore = blanks.dropFirst(indent)
          } else {
            state.partialDefinitionIndent = blanks.count
          }
        } else {
          blanksBefore = blanks
        }
      }
      let (text, tag) = readText(state)
      let nl = newlineLength(at: position)
      if nl > 0 {
        nodes.append(.text(Array(blanksBefore) + Array(text) + Array(bytes[position..<position + nl])))
        position += nl
        state.newLine = true
        continue
      }
      if !text.isEmpty {
        nodes.append(.text(Array(blanksBefore) + Array(text)))
        blanksBefore = []
        state.newLine = false
      }
      guard tag else { break }
      if atEnd { throw error("the template ends inside a tag") }
      let tagOffset = position - state.open.count
      var setNewLine = false
      let sigil = bytes[position]
      switch sigil {
      case UInt8(ascii: "#"), UInt8(ascii: "^"):
        position += 1
        let name = try readName(state)
        if standalone(state) {
          setNewLine = true
        } else {
          flushBlanks()
        }
        let body = try parse(state.section(name, newLine: setNewLine))
        nodes.append(.section(TagName(name), inverted: sigil == UInt8(ascii: "^"), body: body))

      case UInt8(ascii: "/"):
        position += 1
        let name = try readName(state)
        guard let open = state.sectionName else {
          throw error("“{{/\(name)}}” closes a section that was not opened", at: tagOffset)
        }
        guard name == open else {
          throw error("“{{/\(name)}}” closes “\(open)”; close it with “{{/\(open)}}”", at: tagOffset)
        }
        if !standalone(state) { flushBlanks() }
        return nodes

      case UInt8(ascii: "!"):
        position += 1
        while !atEnd && !matches(state.close, at: position) { position += 1 }
        guard !atEnd else { throw error("the comment is not closed", at: tagOffset) }
        position += state.close.count
        setNewLine = standalone(state)

      case UInt8(ascii: "{"):
        flushBlanks()
        position += 1
        let name = try readName(state)
        guard position < bytes.count, bytes[position] == UInt8(ascii: "}") else {
          throw error("“{{{\(name)”: close it with “}}}”", at: tagOffset)
        }
        position += 1
        nodes.append(.variable(TagName(name), escaped: false))

      case UInt8(ascii: "&"):
        flushBlanks()
        position += 1
        nodes.append(.variable(TagName(try readName(state)), escaped: false))

      case UInt8(ascii: ">"):
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "*") {
          throw error("dynamic partial names are not supported", at: tagOffset)
        }
        let name = try readName(state, partial: true)
        let blanks = blanksBefore
        flushBlanks()
        if standalone(state) {
          setNewLine = true
          nodes.append(.partial(name, indentation: Array(blanks)))
        } else {
          nodes.append(.partial(name, indentation: nil))
        }

      case UInt8(ascii: "<"):
        position += 1
        skipWhitespace()
        let name = try readName(state, partial: true)
        if name.hasPrefix("*") { throw error("dynamic parent names are not supported", at: tagOffset) }
        let blanks = blanksBefore
        flushBlanks()
        if standalone(state) { setNewLine = true }
        var blocks: [String: [TemplateNode]] = [:]
        for node in try parse(state.parentBody(name)) {
          switch node {
          case .blockDefinition(let block, let body): blocks[block] = body
          case .text: break
          default:
            throw error("inside “{{<\(name)}}” only blocks “{{$name}}…{{/name}}” may stand", at: tagOffset)
          }
        }
        nodes.append(.parent(name, indentation: Array(blanks), blocks: blocks))

      case UInt8(ascii: "$"):
        position += 1
        let name = try readName(state)
        if state.partialDefinitionTopLevel {
          if standalone(state) { setNewLine = true }
          let body = try parse(state.section(name, newLine: setNewLine))
          nodes.append(.blockDefinition(name, body: body))
        } else {
          let blanks = blanksBefore
          flushBlanks()
          if standalone(state) { setNewLine = true }
          let body = try parse(state.section(name, newLine: setNewLine))
          nodes.append(.block(name, indentation: Array(blanks), body: body))
        }

      case UInt8(ascii: "="):
        position += 1
        state = try setDelimiters(state, tagOffset: tagOffset)
        setNewLine = standalone(state)

      case UInt8(ascii: "%"):
        throw error("pragmas such as “{{%…}}” are not supported", at: tagOffset)

      default:
        flushBlanks()
        nodes.append(.variable(TagName(try readName(state)), escaped: true))
      }
      state.newLine = setNewLine
    }
    if let open = state.sectionName {
      throw error("“\(open)” is opened but never closed; add “{{/\(open)}}”")
    }
    return nodes
  }

  private mutating func setDelimiters(_ state: State, tagOffset: Int) throws(TemplateError) -> State {
    func word(_ stop: (UInt8) -> Bool) -> [UInt8] {
      let start = position
      while position < bytes.count, !stop(bytes[position]) { position += 1 }
      return Array(bytes[start..<position])
    }
    skipWhitespace()
    let open = word { self.isWhitespace($0) }
    skipWhitespace()
    let close = word { self.isWhitespace($0) || $0 == UInt8(ascii: "=") }
    skipWhitespace()
    guard !open.isEmpty, !close.isEmpty, position < bytes.count, bytes[position] == UInt8(ascii: "=")
    else {
      throw error("set delimiters as “{{=<% %>=}}”", at: tagOffset)
    }
    position += 1
    guard matches(state.close, at: position) else {
      throw error("set delimiters as “{{=<% %>=}}”", at: tagOffset)
    }
    position += state.close.count
    var s = state
    s.open = open
    s.close = close
    s.partialDefinitionTopLevel = false
    return s
  }
}
