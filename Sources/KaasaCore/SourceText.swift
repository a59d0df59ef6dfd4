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
    if text.contains("\r") {
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
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let first = lines.first, first == "---" else {
      let hint =
        lines.first.map { $0.trimmingCharacters(in: .whitespaces) == "---" } == true
        ? "the first line must be exactly '---' with nothing before or after it"
        : "start the file with a line '---', then the front matter (title:, summary:, …), then another line '---'"
      return .failure(.error(file, .start, "missing front matter: \(hint)"))
    }
    guard let close = lines.dropFirst().firstIndex(where: { $0 == "---" }) else {
      return .failure(
        .error(
          file, .start,
          "the front matter that begins on line 1 is never closed: add a line that is exactly '---' after the last front-matter line"
        ))
    }
    let yaml = lines[1..<close].joined(separator: "\n")
    let body = lines[(close + 1)...].joined(separator: "\n")
    return .success(FrontMatterDocument(yaml: yaml, bodyLine: close + 2, body: body))
  }
}
