import Foundation
import KaasaTemplate

/// Pretty-printed JSON with sorted keys, in the layout `JSONSerialization` gives with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` (so plans.json keeps its form), written
/// straight into a string: JSONSerialization took a tenth of a build of 10,000 plans.
///
/// Values: `[String: Any]`, arrays, `String`, `Int`, `Bool`, `NSNull` (null). Keys are sorted by code
/// point; JSONSerialization sorts them case-insensitively and numerically, which orders the keys
/// kaasa writes (lower camel case, no digits) the same way.
enum PrettyJSON {
  /// `value` as text; every line after the first starts with `prefix` (for nesting in an array).
  static func text(_ value: Any, prefix: String = "") -> String {
    var out = ""
    out.reserveCapacity(1024)
    write(value, depth: 0, prefix: prefix, into: &out)
    return out
  }

  private static func newline(_ depth: Int, _ prefix: String, _ out: inout String) {
    out += "\n"
    out += prefix
    for _ in 0..<depth { out += "  " }
  }

  private static func write(_ value: Any, depth: Int, prefix: String, into out: inout String) {
    // Exact types first: a dynamic cast per value (`as? String`, `as? [String: Any]`…) cost more
    // than the writing.
    // A failed cast is the dearest: `as? Bool` of a dictionary of strings, or `is NSNull` (which
    // bridges it to Foundation first), were a twentieth of a build, so every type kaasa writes is
    // looked for by identity.
    let type = ObjectIdentifier(Swift.type(of: value))
    if type == stringType { return quote(exactly(value, as: String.self), into: &out) }
    if type == anyDictionary { return object(exactly(value, as: [String: Any].self), depth, prefix, &out) }
    if type == stringDictionary {
      return object(exactly(value, as: [String: String].self), depth, prefix, &out)
    }
    if type == dictionaryArray { return array(exactly(value, as: [[String: Any]].self), depth, prefix, &out) }
    if type == stringDictionaryArray {
      return array(exactly(value, as: [[String: String]].self), depth, prefix, &out)
    }
    if type == boolType {
      out += exactly(value, as: Bool.self) ? "true" : "false"
      return
    }
    if type == intType {
      out += String(exactly(value, as: Int.self))
      return
    }
    if type == nullType {
      out += "null"
      return
    }
    switch value {
    case let b as Bool: out += b ? "true" : "false"
    case let n as Int: out += String(n)
    case is NSNull: out += "null"
    case let o as [String: Any]: object(o, depth, prefix, &out)
    case let a as [Any]: array(a, depth, prefix, &out)
    default: quote(String(describing: value), into: &out)
    }
  }

  private static func object<V>(_ object: [String: V], _ depth: Int, _ prefix: String, _ out: inout String) {
    out += "{"
    if object.isEmpty { out += "\n" + prefix }
    for (i, key) in object.keys.sorted().enumerated() {
      if i > 0 { out += "," }
      newline(depth + 1, prefix, &out)
      quote(key, into: &out)
      out += " : "
      write(object[key]!, depth: depth + 1, prefix: prefix, into: &out)
    }
    newline(depth, prefix, &out)
    out += "}"
  }

  private static func array<T>(_ array: [T], _ depth: Int, _ prefix: String, _ out: inout String) {
    out += "["
    if array.isEmpty { out += "\n" + prefix }
    for (i, element) in array.enumerated() {
      if i > 0 { out += "," }
      newline(depth + 1, prefix, &out)
      write(element, depth: depth + 1, prefix: prefix, into: &out)
    }
    newline(depth, prefix, &out)
    out += "]"
  }

  private static func quote(_ s: String, into out: inout String) {
    out += "\""
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
      out += s
      out += "\""
      return
    }
    var run = s.unicodeScalars.startIndex
    let scalars = s.unicodeScalars
    var i = run
    while i != scalars.endIndex {
      let c = scalars[i]
      let escaped: String?
      switch c {
      case "\"": escaped = "\\\""
      case "\\": escaped = "\\\\"
      case "\n": escaped = "\\n"
      case "\r": escaped = "\\r"
      case "\t": escaped = "\\t"
      case "\u{08}": escaped = "\\b"
      case "\u{0C}": escaped = "\\f"
      case _ where c.value < 0x20:
        let hex = String(c.value, radix: 16)
        escaped = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: escaped = nil
      }
      if let escaped {
        out.unicodeScalars.append(contentsOf: scalars[run..<i])
        out += escaped
        run = scalars.index(after: i)
      }
      i = scalars.index(after: i)
    }
    out.unicodeScalars.append(contentsOf: scalars[run..<scalars.endIndex])
    out += "\""
  }
}

private let stringType = ObjectIdentifier(String.self)
private let anyDictionary = ObjectIdentifier([String: Any].self)
private let dictionaryArray = ObjectIdentifier([[String: Any]].self)
private let stringDictionary = ObjectIdentifier([String: String].self)
private let stringDictionaryArray = ObjectIdentifier([[String: String]].self)
private let boolType = ObjectIdentifier(Bool.self)
private let intType = ObjectIdentifier(Int.self)
private let nullType = ObjectIdentifier(NSNull.self)
