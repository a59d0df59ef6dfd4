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
  /// ASCII lowercase; header tokens such as media types are ASCII.
  static func asciiLowercased(_ text: some StringProtocol) -> String {
    String(
      decoding: text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 },
      as: UTF8.self)
  }
}
