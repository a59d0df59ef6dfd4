import Foundation

/// A content file's text after the checks every file gets: valid UTF-8, BOM dropped, CRLF made LF.
public struct SourceText: Sendable {
  public var text: String

  /// Decodes `data`, or returns a diagnostic that says where the first byte that is not UTF-8 is.
  public static func decode(_ data: Data, file: String) -> Result<SourceText, Diagnostic> {
    var bytes = [UInt8](data)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
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
    var text = String(decoding: bytes, as: UTF8.self)
    if bytes.contains(13) {
      text = text.replacingOccurrences(of: "\r\n", with: "\n")
    }
    return .success(SourceText(text: text))
  }
}

/// A Markdown file split into its YAML front matter and body.
public struct FrontMatterDocument: Sendable {
  public var yaml: String
  /// The body's first line in the file.
  public var bodyLine: Int
  public var body: String

  /// Splits on lines that are exactly `---`: the first line of the file, and the next such line.
  public static func split(_ text: String, file: String) -> Result<FrontMatterDocument, Diagnostic> {
    // Lines are found on the UTF-8 bytes: splitting a String by Character is needlessly slow here.
    let utf8 = text.utf8
    var lineStarts: [String.Index] = [utf8.startIndex]
    var i = utf8.startIndex
    while i < utf8.endIndex {
      if utf8[i] == 10 { lineStarts.append(utf8.index(after: i)) }
      i = utf8.index(after: i)
    }
    func line(_ n: Int) -> Substring {
      let start = lineStarts[n]
      let end = n + 1 < lineStarts.count ? utf8.index(before: lineStarts[n + 1]) : utf8.endIndex
      return text[start..<end]
    }
    guard line(0) == "---" else {
      let hint =
        line(0).trimmed == "---"
        ? "the first line must be exactly '---' with nothing before or after it"
        : "start the file with a line '---', then the front matter (title:, summary:, …), then another line '---'"
      return .failure(.error(file, .start, "missing front matter: \(hint)"))
    }
    guard let close = (1..<lineStarts.count).first(where: { line($0) == "---" }) else {
      return .failure(
        .error(
          file, .start,
          "the front matter that begins on line 1 is never closed: add a line that is exactly '---' after the last front-matter line"
        ))
    }
    let yaml = String(text[lineStarts[1]..<lineStarts[close]])
    let body = close + 1 < lineStarts.count ? String(text[lineStarts[close + 1]...]) : ""
    return .success(FrontMatterDocument(yaml: yaml, bodyLine: close + 2, body: body))
  }
}
