import Foundation
import KaasaBytes

/// A content file's text after the checks every file gets: valid UTF-8, BOM dropped, CRLF made LF.
public struct SourceText: Sendable {
  public var text: String

  /// Decodes `data`, or returns a diagnostic that says where the first byte that is not UTF-8 is.
  public static func decode(_ data: [UInt8], file: String) -> Result<SourceText, Diagnostic> {
    var bytes = data
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    // The standard library validates fast; only a file that fails is walked again for the position.
    if let valid = bytes.withUnsafeBufferPointer({ String(validUTF8: $0) }) {
      // memchr: a loop over the array looking for a carriage return cost as much as the validation.
      let hasCR = bytes.withUnsafeBytes { raw in
        raw.baseAddress.map { memchr($0, 13, raw.count) != nil } ?? false
      }
      return .success(
        SourceText(text: hasCR ? valid.replacingOccurrences(of: "\r\n", with: "\n") : valid))
    }
    var iterator = bytes.makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    var offset = 0
    var line = 1
    var column = 1
    loop: while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded):
        offset += encoded.count
        if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") {
          line += 1
          column = 1
        } else {
          column += 1
        }
      case .emptyInput:
        break loop
      case .error(let length):
        let byte = bytes[offset]
        _ = length
        return .failure(
          .error(
            file, SourcePosition(line: line, column: column),
            String(
              format:
                "the file is not UTF-8: byte 0x%02X at offset %d cannot be read. Save the file as UTF-8 (in most editors: Save as… → Encoding: UTF-8)",
              byte, offset)))
      }
    }
    // Not reached: the walk finds the byte the standard library refused.
    return .failure(.error(file, .start, "the file is not UTF-8: save it as UTF-8"))
  }
}

/// A Markdown file split into its YAML front matter and body.
public struct FrontMatterDocument: Sendable {
  public var yaml: String
  /// The body's first line in the file.
  public var bodyLine: Int
  public var body: String

  /// A content file's bytes decoded (`SourceText.decode`) and split (`split`).
  public static func read(_ bytes: [UInt8], file: String) -> Result<FrontMatterDocument, Diagnostic> {
    SourceText.decode(bytes, file: file).flatMap { split($0.text, file: file) }
  }

  /// Splits on lines that are exactly `---`: the first line of the file, and the next such line.
  public static func split(_ text: String, file: String) -> Result<FrontMatterDocument, Diagnostic> {
    // Lines are found on the UTF-8 bytes, and only as far as the closing line.
    var text = text
    let found = text.withUTF8 { bytes -> (yaml: Range<Int>, body: Int, bodyLine: Int)? in
      func lineEnd(_ start: Int) -> Int {
        var i = start
        while i < bytes.count && bytes[i] != 10 { i += 1 }
        return i
      }
      func isDashes(_ start: Int, _ end: Int) -> Bool {
        end - start == 3 && bytes[start] == 45 && bytes[start + 1] == 45 && bytes[start + 2] == 45
      }
      let firstEnd = lineEnd(0)
      guard isDashes(0, firstEnd) else { return nil }
      var line = 1
      var start = firstEnd + 1
      while start <= bytes.count && firstEnd < bytes.count {
        let end = lineEnd(start)
        if isDashes(start, end) {
          return ((firstEnd + 1)..<start, min(end + 1, bytes.count), line + 2)
        }
        if end >= bytes.count { break }
        line += 1
        start = end + 1
      }
      return (0..<0, -1, 0)
    }
    guard let found else {
      let first = text.prefix { $0 != "\n" }
      let hint =
        first.trimmed == "---"
        ? "the first line must be exactly '---' with nothing before or after it"
        : "start the file with a line '---', then the front matter (title:, summary:, …), then another line '---'"
      return .failure(.error(file, .start, "missing front matter: \(hint)"))
    }
    guard found.body >= 0 else {
      return .failure(
        .error(
          file, .start,
          "the front matter that begins on line 1 is never closed: add a line that is exactly '---' after the last front-matter line"
        ))
    }
    // The text is valid UTF-8 and the cuts follow line ends, so the parts are copied, not decoded again.
    let utf8 = text.utf8
    func index(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
    let yaml = String(text[index(found.yaml.lowerBound)..<index(found.yaml.upperBound)])
    let body = String(text[index(found.body)...])
    return .success(FrontMatterDocument(yaml: yaml, bodyLine: found.bodyLine, body: body))
  }

}
