import Foundation

/// Writes stored feedback for officials: CSV that spreadsheets open with Estonian letters intact, or JSON.
public enum FeedbackExport {
  public enum Format: String, Sendable, CaseIterable {
    case csv
    case json
  }

  public static let csvHeader = [
    "reference", "plan", "municipality", "village", "received", "name", "email", "message",
  ]

  /// UTF-8 with a byte order mark (so Excel reads it as UTF-8), CRLF line ends and RFC 4180 quoting.
  /// Times are local to `zone`. Cells that a spreadsheet would run as a formula are neutralised.
  public static func csv(_ rows: [StoredFeedback], zone: TimeZone) -> Data {
    var text = "\u{FEFF}" + csvHeader.map(csvCell).joined(separator: ",") + "\r\n"
    for row in rows {
      let received =
        Timestamp.parseUTC(row.receivedAt).map { Timestamp.local($0, in: zone) } ?? row.receivedAt
      let cells = [
        row.reference, row.plan, row.municipalityName, row.villageName ?? row.village ?? "", received,
        row.name ?? "", row.email ?? "", row.message,
      ]
      text += cells.map(csvCell).joined(separator: ",") + "\r\n"
    }
    return Data(text.utf8)
  }

  /// One cell: a leading `= + - @`, tab or CR gets a `'` in front, so the text stays text; then quoted
  /// when it holds a comma, semicolon, quote or line break. Line breaks inside a cell become CRLF like the rows.
  public static func csvCell(_ value: String) -> String {
    var cell = value.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
      .replacingOccurrences(of: "\n", with: "\r\n")
    if let first = cell.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
      cell = "'" + cell
    }
    if cell.contains(where: {
      $0 == "," || $0 == "\"" || $0 == "\r\n" || $0 == "\n" || $0 == "\r" || $0 == ";"
    }) {
      cell = "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return cell
  }

  /// An array of objects with ids, names, UTC and local times; keys sorted so the output is stable.
  public static func json(_ rows: [StoredFeedback], zone: TimeZone) throws -> Data {
    struct Item: Encodable {
      var reference: String
      var plan: String
      var municipality: String
      var municipalityName: String
      var village: String?
      var villageName: String?
      var receivedAt: String
      var receivedLocal: String
      var name: String?
      var email: String?
      var message: String

      func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reference, forKey: .reference)
        try c.encode(plan, forKey: .plan)
        try c.encode(municipality, forKey: .municipality)
        try c.encode(municipalityName, forKey: .municipalityName)
        try c.encode(village, forKey: .village)
        try c.encode(villageName, forKey: .villageName)
        try c.encode(receivedAt, forKey: .receivedAt)
        try c.encode(receivedLocal, forKey: .receivedLocal)
        try c.encode(name, forKey: .name)
        try c.encode(email, forKey: .email)
        try c.encode(message, forKey: .message)
      }

      enum CodingKeys: String, CodingKey {
        case reference, plan, municipality, municipalityName, village, villageName, receivedAt, receivedLocal
        case name, email, message
      }
    }
    let items = rows.map { row in
      Item(
        reference: row.reference, plan: row.plan, municipality: row.municipality,
        municipalityName: row.municipalityName, village: row.village, villageName: row.villageName,
        receivedAt: row.receivedAt,
        receivedLocal: Timestamp.parseUTC(row.receivedAt).map { Timestamp.local($0, in: zone) }
          ?? row.receivedAt,
        name: row.name, email: row.email, message: row.message)
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(items)
    data.append(UInt8(ascii: "\n"))
    return data
  }
}
