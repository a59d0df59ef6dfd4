import Synchronization

/// Mustache templates by name, rendered with dictionary contexts (`[String: Any]`, arrays of them,
/// strings, numbers and booleans).
///
/// Written for speed: a page is rendered into one byte buffer, values are escaped byte by byte, and
/// the common context types are recognised by their exact type rather than by protocol casts.
/// Sections, inverted sections, partials, parents and blocks behave as in swift-mustache 2 (and the
/// Mustache spec); transforms, lambdas and pragmas are not supported and are rejected when parsing.
public struct TemplateLibrary: Sendable {
  private var templates: [String: [TemplateNode]] = [:]
  private var sources: [String: String] = [:]
  /// Parsed copies of the templates not in use. Rendering retains and releases every node it passes
  /// (and the arrays that hold them); two threads doing so on the same nodes fought over their
  /// reference counts, which took a sixth of a large site's build. Each render takes a copy of its
  /// own: the templates as registered first, then, when none is free, ones parsed anew (one per
  /// thread rendering at once).
  private var spares = Spares([:])

  private final class Spares: Sendable {
    let free: Mutex<[[String: [TemplateNode]]]>
    init(_ first: [String: [TemplateNode]]) { free = Mutex([first]) }
  }

  public init() {}

  /// Parses and adds a template; a template of the same name is replaced.
  public mutating func register(_ text: String, named name: String) throws(TemplateError) {
    templates[name] = try TemplateParser.parse(text)
    sources[name] = text
    spares = Spares(templates)
  }

  /// How deep partials and parents may nest: deeper is a partial that includes itself.
  public static let maximumDepth = 64

  /// The template `name` rendered with `context`, or nil if there is no such template; throws
  /// when partials include each other without end.
  public func render(_ context: Any, template name: String) throws(TemplateNestingError) -> String? {
    try renderBytes(context, template: name).map { String(decoding: $0, as: UTF8.self) }
  }

  /// `render` as UTF-8 bytes, for text that goes straight to a file: the templates and the values
  /// are strings, so the bytes are valid UTF-8 and need no second look.
  public func renderBytes(_ context: Any, template name: String) throws(TemplateNestingError) -> [UInt8]? {
    let own = spares.free.withLock { $0.popLast() } ?? copy()
    defer { spares.free.withLock { $0.append(own) } }
    guard let nodes = own[name] else { return nil }
    var renderer = Renderer(templates: own, stack: [context], chain: [name])
    renderer.out.reserveCapacity(16_384)
    renderer.render(nodes, indentation: nil, blocks: nil)
    if let chain = renderer.tooDeep { throw TemplateNestingError(chain: chain) }
    return renderer.out
  }

  /// The templates parsed again: nodes of their own, shared with no other render.
  private func copy() -> [String: [TemplateNode]] {
    sources.compactMapValues { try? TemplateParser.parse($0) }
  }
}

/// Partials or parents that include each other without end, such as a partial that includes itself.
public struct TemplateNestingError: Error, Sendable, CustomStringConvertible {
  /// The templates entered, outermost first, up to where rendering stopped.
  public let chain: [String]

  public var description: String {
    let loop = chain.suffix(6).joined(separator: " → ")
    return "partials nest more than \(TemplateLibrary.maximumDepth) deep (… → \(loop)): "
      + "a partial includes itself, directly or through others; remove the inclusion that closes the loop"
  }
}

/// A context value that is not a dictionary but has named children.
public protocol TemplateParent {
  func templateChild(named name: String) -> Any?
}

extension Dictionary: TemplateParent where Key == String {
  public func templateChild(named name: String) -> Any? { self[name] as Any? }
}

/// A context value rendered as a list: every element in turn.
public protocol TemplateSequence {
  var templateElements: [Any] { get }
}

extension Array: TemplateSequence {
  public var templateElements: [Any] { map { $0 as Any } }
}

private let anyDictionary = ObjectIdentifier([String: Any].self)
private let stringDictionary = ObjectIdentifier([String: String].self)
private let dictionaryArray = ObjectIdentifier([[String: Any]].self)
private let anyArray = ObjectIdentifier([Any].self)
private let stringArray = ObjectIdentifier([String].self)
private let stringType = ObjectIdentifier(String.self)
private let boolType = ObjectIdentifier(Bool.self)
private let intType = ObjectIdentifier(Int.self)

/// `value` as `T`, which its type has been seen to be (`type(of: value) == T.self`): the runtime's
/// cast (`as!`), even of a value of exactly that type, cost ten times the rest of a template look-up.
/// For code that, like the renderer, tells context values apart by their exact type.
@inlinable
public func exactly<T>(_ value: Any, as _: T.Type) -> T {
  // A value boxed twice (an `Any` made from a generic value that was an `Any`) opens to `Any`:
  // the runtime's cast unboxes it.
  func open<V>(_ v: V) -> T { V.self == T.self ? unsafeBitCast(v, to: T.self) : v as! T }
  return _openExistential(value, do: open)
}

private struct Renderer {
  let templates: [String: [TemplateNode]]
  var stack: [Any]
  /// The partials and parents entered, outermost first.
  var chain: [String]
  var out: [UInt8] = []
  /// Set, with the chain, when nesting went past `maximumDepth`; rendering then stops.
  var tooDeep: [String]?

  /// Renders `nodes`. With a non-empty `indentation` (a standalone partial), every token that starts
  /// a new line of this render is indented.
  mutating func render(_ nodes: [TemplateNode], indentation: [UInt8]?, blocks: [String: [TemplateNode]]?) {
    guard let indentation, !indentation.isEmpty else {
      for node in nodes { renderNode(node, indentation: indentation, blocks: blocks) }
      return
    }
    let start = out.count
    for node in nodes {
      let before = out.count
      renderNode(node, indentation: indentation, blocks: blocks)
      if out.count > before, before > start, out[before - 1] == UInt8(ascii: "\n") {
        out.insert(contentsOf: indentation, at: before)
      }
    }
  }

  mutating func renderNode(_ node: TemplateNode, indentation: [UInt8]?, blocks: [String: [TemplateNode]]?) {
    switch node {
    case .text(let bytes):
      out.append(contentsOf: bytes)

    case .variable(let name, let escaped):
      guard let value = lookup(name) else { return }
      write(value, escaped: escaped)

    case .section(let name, let inverted, let body):
      let value = lookup(name)
      if inverted {
        invertedSection(value, body: body, indentation: indentation, blocks: blocks)
      } else {
        section(value, body: body, indentation: indentation, blocks: blocks)
      }

    case .partial(let name, let indented):
      guard let nodes = templates[name], enter(name) else { return }
      render(nodes, indentation: join(indentation, indented), blocks: blocks)
      chain.removeLast()

    case .parent(let name, let indented, let overrides):
      guard let nodes = templates[name], enter(name) else { return }
      // Blocks given further out win over the parent's own, as the spec's inheritance requires.
      let merged = blocks.map { $0.merging(overrides) { outer, _ in outer } } ?? overrides
      render(nodes, indentation: join(indentation, indented), blocks: merged)
      chain.removeLast()

    case .block(let name, let indented, let body):
      render(blocks?[name] ?? body, indentation: join(indentation, indented), blocks: blocks)

    case .blockDefinition:
      break
    }
  }

  /// Enters a partial or parent, unless nesting is already too deep (then rendering stops).
  private mutating func enter(_ name: String) -> Bool {
    guard tooDeep == nil else { return false }
    chain.append(name)
    if chain.count > TemplateLibrary.maximumDepth {
      tooDeep = chain
      chain.removeLast()
      return false
    }
    return true
  }

  private func join(_ outer: [UInt8]?, _ inner: [UInt8]?) -> [UInt8]? {
    guard let inner else { return outer }
    return (outer ?? []) + inner
  }

  private mutating func section(
    _ value: Any?, body: [TemplateNode], indentation: [UInt8]?, blocks: [String: [TemplateNode]]?
  ) {
    guard let value else { return }
    let type = ObjectIdentifier(Swift.type(of: value))
    if type == dictionaryArray {
      for element in exactly(value, as: [[String: Any]].self) {
        renderPushing(element, body, indentation, blocks)
      }
    } else if type == boolType {
      if exactly(value, as: Bool.self) { render(body, indentation: indentation, blocks: blocks) }
    } else if type == stringType || type == anyDictionary || type == stringDictionary || type == intType {
      renderPushing(value, body, indentation, blocks)
    } else if type == anyArray {
      for element in exactly(value, as: [Any].self) { renderPushing(element, body, indentation, blocks) }
    } else if type == stringArray {
      for element in exactly(value, as: [String].self) { renderPushing(element, body, indentation, blocks) }
    } else if let list = value as? any TemplateSequence {
      for element in list.templateElements { renderPushing(element, body, indentation, blocks) }
    } else {
      renderPushing(value, body, indentation, blocks)
    }
  }

  private mutating func renderPushing(
    _ value: Any, _ body: [TemplateNode], _ indentation: [UInt8]?, _ blocks: [String: [TemplateNode]]?
  ) {
    stack.append(value)
    render(body, indentation: indentation, blocks: blocks)
    stack.removeLast()
  }

  /// Renders an inverted section's body for nil, `false` and an empty list; the empty list is
  /// pushed on the stack, as swift-mustache does.
  private mutating func invertedSection(
    _ value: Any?, body: [TemplateNode], indentation: [UInt8]?, blocks: [String: [TemplateNode]]?
  ) {
    guard let value else { return render(body, indentation: indentation, blocks: blocks) }
    let type = ObjectIdentifier(Swift.type(of: value))
    if type == boolType {
      if !exactly(value, as: Bool.self) { render(body, indentation: indentation, blocks: blocks) }
    } else if type == stringType || type == anyDictionary || type == stringDictionary || type == intType {
      return
    } else if type == dictionaryArray {
      if (exactly(value, as: [[String: Any]].self)).isEmpty {
        renderPushing(value, body, indentation, blocks)
      }
    } else if let list = value as? any TemplateSequence, list.templateElements.isEmpty {
      renderPushing(value, body, indentation, blocks)
    }
  }

  private func lookup(_ name: TagName) -> Any? {
    if name.current || name.parts.isEmpty { return stack.last }
    let first = name.parts[0]
    // The objects are handed to `child` where they lie in the stack: taken out one by one (as a
    // loop over the stack does), each was copied and destroyed, a third of a look-up.
    var found: Any? = stack.withUnsafeBufferPointer { stack in
      if name.anchored { return child(first, of: stack[stack.count - 1]) }
      var i = stack.count - 1
      while i >= 0 {
        if let value = child(first, of: stack[i]) { return value }
        i -= 1
      }
      return nil
    }
    var i = 1
    while i < name.parts.count, let object = found {
      found = child(name.parts[i], of: object)
      i += 1
    }
    return found
  }

  private func child(_ name: String, of object: Any) -> Any? {
    let type = ObjectIdentifier(Swift.type(of: object))
    if type == anyDictionary { return exactly(object, as: [String: Any].self)[name] }
    if type == stringDictionary { return exactly(object, as: [String: String].self)[name] }
    if type == stringType || type == boolType || type == intType || type == dictionaryArray { return nil }
    return (object as? any TemplateParent)?.templateChild(named: name)
  }

  private mutating func write(_ value: Any, escaped: Bool) {
    let type = ObjectIdentifier(Swift.type(of: value))
    if type == stringType {
      let s = exactly(value, as: String.self)
      if escaped { escape(s) } else { out.append(contentsOf: s.utf8) }
      return
    }
    let text: String
    if type == boolType {
      text = exactly(value, as: Bool.self) ? "true" : "false"
    } else if type == intType {
      text = String(exactly(value, as: Int.self))
    } else {
      text = String(describing: value)
    }
    if escaped { escape(text) } else { out.append(contentsOf: text.utf8) }
  }

  private mutating func escape(_ s: String) {
    var s = s
    s.withUTF8 { bytes in
      var runStart = 0
      for i in 0..<bytes.count {
        let replacement: StaticString
        switch bytes[i] {
        case UInt8(ascii: "<"): replacement = "&lt;"
        case UInt8(ascii: ">"): replacement = "&gt;"
        case UInt8(ascii: "&"): replacement = "&amp;"
        case UInt8(ascii: "\""): replacement = "&quot;"
        case UInt8(ascii: "'"): replacement = "&#39;"
        default: continue
        }
        if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
        out.append(
          contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
        runStart = i + 1
      }
      if runStart < bytes.count {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
      }
    }
  }
}
