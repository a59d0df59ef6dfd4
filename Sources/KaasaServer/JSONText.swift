/// Writes the small flat JSON objects the endpoint answers with, keys in the order given.
enum JSONText {
  enum Value {
    case string(String?)
    case int(Int)
  }

  static func object(_ members: [(String, Value)]) -> String {
    var out = "{"
    for (i, (key, value)) in members.enumerated() {
      if i > 0 { out += "," }
      out += quoted(key) + ":"
      switch value {
      case .string(let s?): out += quoted(s)
      case .string(nil): out += "null"
      case .int(let n): out += String(n)
      }
    }
    return out + "}"
  }

  static func quoted(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      // U+2028/2029 are valid JSON but break JavaScript string literals; escape them like controls.
      case _ where c.value < 0x20 || c.value == 0x2028 || c.value == 0x2029:
        let hex = String(c.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(c)
      }
    }
    return out + "\""
  }
}
