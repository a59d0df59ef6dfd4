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
    // Written as bytes, made a string once: appending to a string cost several times more.
    var out: [UInt8] = []
    out.reserveCapacity(2048)
    write(value, depth: 0, prefix: Array(prefix.utf8), into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  private static func newline(_ depth: Int, _ prefix: [UInt8], _ out: inout [UInt8]) {
    out.append(UInt8(ascii: "\n"))
    out.append(contentsOf: prefix)
    for _ in 0..<depth {
      out.append(UInt8(ascii: " "))
      out.append(UInt8(ascii: " "))
    }
  }

  private static func write(_ value: Any, depth: Int, prefix: [UInt8], into out: inout [UInt8]) {
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
      return out.append(contentsOf: (exactly(value, as: Bool.self) ? "true" : "false").utf8)
    }
    if type == intType { return out.append(contentsOf: String(exactly(value, as: Int.self)).utf8) }
    if type == nullType { return out.append(contentsOf: "null".utf8) }
    switch value {
    case let b as Bool: out.append(contentsOf: (b ? "true" : "false").utf8)
    case let n as Int: out.append(contentsOf: String(n).utf8)
    case is NSNull: out.append(contentsOf: "null".utf8)
    case let o as [String: Any]: object(o, depth, prefix, &out)
    case let a as [Any]: array(a, depth, prefix, &out)
    default: quote(String(describing: value), into: &out)
    }
  }

  private static func object<V>(_ object: [String: V], _ depth: Int, _ prefix: [UInt8], _ out: inout [UInt8])
  {
    out.append(UInt8(ascii: "{"))
    if object.isEmpty {
      out.append(UInt8(ascii: "\n"))
      out.append(contentsOf: prefix)
    }
    for (i, key) in object.keys.sorted().enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      newline(depth + 1, prefix, &out)
      quote(key, into: &out)
      out.append(contentsOf: " : ".utf8)
      write(object[key]!, depth: depth + 1, prefix: prefix, into: &out)
    }
    newline(depth, prefix, &out)
    out.append(UInt8(ascii: "}"))
  }

  private static func array<T>(_ array: [T], _ depth: Int, _ prefix: [UInt8], _ out: inout [UInt8]) {
    out.append(UInt8(ascii: "["))
    if array.isEmpty {
      out.append(UInt8(ascii: "\n"))
      out.append(contentsOf: prefix)
    }
    for (i, element) in array.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      newline(depth + 1, prefix, &out)
      write(element, depth: depth + 1, prefix: prefix, into: &out)
    }
    newline(depth, prefix, &out)
    out.append(UInt8(ascii: "]"))
  }

  /// A JSON string. Everything escaped is ASCII, so the UTF-8 bytes are looked at one by one and
  /// those between the escaped ones copied in runs.
  private static func quote(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var s = s
    s.withUTF8 { bytes in
      var run = 0
      for i in 0..<bytes.count {
        let byte = bytes[i]
        guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
        if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
        run = i + 1
        switch byte {
        case 0x22: out.append(contentsOf: #"\""#.utf8)
        case 0x5C: out.append(contentsOf: #"\\"#.utf8)
        case 0x0A: out.append(contentsOf: #"\n"#.utf8)
        case 0x0D: out.append(contentsOf: #"\r"#.utf8)
        case 0x09: out.append(contentsOf: #"\t"#.utf8)
        case 0x08: out.append(contentsOf: #"\b"#.utf8)
        case 0x0C: out.append(contentsOf: #"\f"#.utf8)
        default:
          let hex = String(byte, radix: 16)
          out.append(contentsOf: #"\u"#.utf8)
          out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 4 - hex.utf8.count))
          out.append(contentsOf: hex.utf8)
        }
      }
      if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count])) }
    }
    out.append(UInt8(ascii: "\""))
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
