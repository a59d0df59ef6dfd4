/// String helpers for the request path, in plain Swift: the Foundation equivalents go through NSString on
/// Linux and were a tenth of the server's time per post.
extension StringProtocol {
  /// Without leading and trailing white space (spaces, tabs, line breaks, no-break spaces…).
  var trimmed: String {
    let scalars = unicodeScalars
    if let head = scalars.first, let tail = scalars.last, !head.properties.isWhitespace,
      !tail.properties.isWhitespace
    {
      return String(self)
    }
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
      let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    return String(String.UnicodeScalarView(scalars[first...last]))
  }
}

enum Text {
  /// Percent-encodes everything but ASCII letters, digits and `-._~`, for a query value.
  static func queryValue(_ text: String) -> String {
    let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count * 3)
    for b in text.utf8 {
      switch b {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"):
        out.append(b)
      default:
        out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0x0F)]]
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// ASCII lowercase; header tokens such as media types are ASCII.
  static func asciiLowercased(_ text: some StringProtocol) -> String {
    String(
      decoding: text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 },
      as: UTF8.self)
  }
}
