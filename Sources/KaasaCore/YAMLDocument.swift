import Foundation

/// Reads a YAML tree into typed values, recording a diagnostic for every problem with its position.
///
/// One reader serves one file on one thread; it is cheap to make.
final class YAMLReader {
  let file: String
  /// Added to Yams' line numbers: the front matter of a plan starts on the file's second line.
  let lineOffset: Int
  private(set) var diagnostics: [Diagnostic] = []

  init(file: String, lineOffset: Int = 0) {
    self.file = file
    self.lineOffset = lineOffset
  }

  func position(_ node: YAMLNode?) -> SourcePosition {
    guard let mark = node?.mark else { return SourcePosition(line: 1 + lineOffset, column: 1) }
    return SourcePosition(line: mark.line + lineOffset, column: mark.column)
  }

  func error(_ node: YAMLNode?, _ message: String) {
    diagnostics.append(.error(file, position(node), message))
  }

  func error(at position: SourcePosition, _ message: String) {
    diagnostics.append(.error(file, position, message))
  }

  func warning(_ node: YAMLNode?, _ message: String) {
    diagnostics.append(.warning(file, position(node), message))
  }

  /// Composes `text`; a syntax error becomes a diagnostic at libyaml's line and column.
  func compose(_ text: String) -> YAMLNode? {
    do {
      return try YAMLNode.parse(text)
    } catch {
      switch error {
      case .syntax(let problem, let at, let context, let contextMark):
        var message = "YAML syntax error: \(problem)"
        if let context, let contextMark {
          message += " (\(context) at line \(contextMark.line + lineOffset))"
        }
        message +=
          ". Check indentation, the colon after each key, and quote values that contain ': ' or start with [ { # & * ! | > ' \" % @"
        diagnostics.append(
          .error(file, SourcePosition(line: at.line + lineOffset, column: at.column), message))
      case .duplicateKeys(let keys, let at):
        diagnostics.append(
          .error(
            file, SourcePosition(line: at.line + lineOffset, column: at.column),
            "duplicate key \(keys.map { "'\($0)'" }.joined(separator: ", ")): write each key once"))
      case .unreadable(let problem, let offset):
        diagnostics.append(
          .error(
            file, position(ofByte: offset, in: text),
            "YAML cannot be read here: \(problem). Remove the character or save the file as plain UTF-8 text")
        )
      }
      return nil
    }
  }

  /// The line and column of a byte of `text`.
  func position(ofByte offset: Int, in text: String) -> SourcePosition {
    let before = text.utf8.prefix(offset)
    let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    let lineStart =
      before.lastIndex(of: UInt8(ascii: "\n")).map { before.index(after: $0) } ?? before.startIndex
    let column = String(decoding: before[lineStart...], as: UTF8.self).unicodeScalars.count + 1
    return SourcePosition(line: line + lineOffset, column: column)
  }

  // MARK: - Mappings

  /// A mapping's entries by key, after warning about unknown keys (with a suggestion).
  func mapping(_ node: YAMLNode?, what: String, allowed: [String]) -> Mapping? {
    guard let node else { return nil }
    guard case .mapping(let m, _) = node else {
      error(node, "\(what) must be a mapping of 'key: value' lines, not \(describe(node))")
      return nil
    }
    var entries = Entries()
    for (k, v) in m {
      guard let name = k.scalar?.string else {
        error(k, "keys in \(what) must be plain words")
        continue
      }
      // Keys are unique: the tree refuses a mapping that repeats one (`YAMLError.duplicateKeys`).
      entries.list.append((name, k, v))
      if !allowed.contains(name) {
        warning(
          k,
          "unknown key '\(name)' in \(what) is ignored.\(Suggestion.hint(for: name, in: allowed)) Known keys: \(allowed.joined(separator: ", "))"
        )
      }
    }
    return Mapping(node: node, entries: entries, what: what, reader: self)
  }

  func describe(_ node: YAMLNode) -> String {
    switch node {
    case .scalar(let s): return s.string.isEmpty ? "an empty value" : "'\(s.string)'"
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    }
  }

  /// A mapping's entries by name, found by a linear search: the accessors ask for a fixed set of known
  /// keys, and a content file's mappings hold a dozen at most, where hashing each name cost more.
  struct Entries {
    var list: [(name: String, key: YAMLNode, value: YAMLNode)] = []

    subscript(name: String) -> (key: YAMLNode, value: YAMLNode)? {
      for entry in list where entry.name == name { return (entry.key, entry.value) }
      return nil
    }
  }

  /// A mapping node's entries with typed accessors that report problems.
  struct Mapping {
    let node: YAMLNode
    let entries: Entries
    let what: String
    unowned let reader: YAMLReader

    subscript(key: String) -> YAMLNode? {
      guard let v = entries[key]?.value else { return nil }
      return v.isNull ? nil : v
    }

    func keyNode(_ key: String) -> YAMLNode? { entries[key]?.key }

    func missing(_ key: String, hint: String) {
      let where_ = entries[key]?.key ?? node
      if entries[key] != nil {
        reader.error(where_, "'\(key)' in \(what) is empty: \(hint)")
      } else {
        reader.error(where_, "\(what) is missing the required key '\(key)': \(hint)")
      }
    }

    /// A non-empty string; numbers and booleans are taken as written.
    func string(_ key: String, required: String? = nil) -> String? {
      guard let v = self[key] else {
        if let required { missing(key, hint: required) }
        return nil
      }
      guard case .scalar(let s) = v else {
        reader.error(v, "'\(key)' in \(what) must be text, not \(reader.describe(v))")
        return nil
      }
      let text = s.string.trimmed
      if text.isEmpty {
        if let required { missing(key, hint: required) }
        return nil
      }
      return text
    }

    func located(_ key: String, required: String? = nil) -> Located<String>? {
      guard let s = string(key, required: required) else { return nil }
      return Located(s, at: reader.position(self[key]))
    }

    func bool(_ key: String) -> Bool? {
      guard let v = self[key] else { return nil }
      switch v.scalar?.string.lowercased() {
      case "true", "yes", "on": return true
      case "false", "no", "off": return false
      default:
        reader.error(v, "'\(key)' in \(what) must be true or false, not \(reader.describe(v))")
        return nil
      }
    }

    func int(_ key: String, range: ClosedRange<Int>? = nil) -> Int? {
      guard let v = self[key] else { return nil }
      guard let text = v.scalar?.string, let n = Int(text) else {
        reader.error(v, "'\(key)' in \(what) must be a whole number, not \(reader.describe(v))")
        return nil
      }
      if let range, !range.contains(n) {
        reader.error(
          v, "'\(key)' in \(what) must be between \(range.lowerBound) and \(range.upperBound), not \(n)")
        return nil
      }
      return n
    }

    func double(_ key: String) -> Double? {
      guard let v = self[key] else { return nil }
      guard let text = v.scalar?.string, let n = Double(text), n.isFinite else {
        reader.error(v, "'\(key)' in \(what) must be a number, not \(reader.describe(v))")
        return nil
      }
      return n
    }

    /// A list; a single scalar is accepted as a list of one.
    func list(_ key: String) -> [YAMLNode]? {
      guard let v = self[key] else { return nil }
      switch v {
      case .sequence(let s, _): return s
      case .scalar: return [v]
      default:
        reader.error(v, "'\(key)' in \(what) must be a list, such as [a, b], not \(reader.describe(v))")
        return nil
      }
    }

    func stringList(_ key: String) -> [Located<String>] {
      (list(key) ?? []).compactMap { item in
        guard case .scalar(let s) = item, !s.string.trimmed.isEmpty else {
          reader.error(item, "each item of '\(key)' in \(what) must be a word, not \(reader.describe(item))")
          return nil
        }
        return Located(s.string.trimmed, at: reader.position(item))
      }
    }

    /// A value from a closed set, with a suggestion and the allowed values when it is unknown.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type, required: String? = nil)
      -> T?
    where T.RawValue == String {
      guard let s = string(key, required: required) else { return nil }
      if let v = T(rawValue: s) { return v }
      let allowed = T.allCases.map(\.rawValue)
      reader.error(
        self[key],
        "unknown \(key) '\(s)'.\(Suggestion.hint(for: s, in: allowed)) Use one of: \(allowed.joined(separator: ", "))"
      )
      return nil
    }

    func date(_ key: String, required: String? = nil) -> EventDate? {
      guard let s = string(key, required: required) else { return nil }
      do {
        if let d = try EventDate.parse(s) { return d }
        reader.error(
          self[key],
          "'\(key)' in \(what) is not a date: write 2026-12-01, a local time 2026-12-01T18:00, or a time with offset 2026-12-01T18:00+02:00"
        )
      } catch {
        if case .impossible(let text) = error {
          reader.error(
            self[key], "'\(key)' \(text) is not a real date or time: check the day of the month and the hour")
        }
      }
      return nil
    }

    func email(_ key: String) -> String? {
      guard let s = string(key) else { return nil }
      guard EmailAddress.isValid(s) else {
        reader.error(self[key], "'\(s)' is not an e-mail address: write it as name@example.ee")
        return nil
      }
      return s
    }

    func url(_ key: String, required: String? = nil) -> URL? {
      guard let s = string(key, required: required) else { return nil }
      guard let u = URL(string: s), let scheme = u.scheme?.lowercased(),
        scheme == "http" || scheme == "https",
        let host = u.host, !host.isEmpty
      else {
        reader.error(
          self[key],
          "'\(key)' must be an absolute http(s) address such as https://www.example.ee/, not '\(s)'")
        return nil
      }
      return u
    }

    func geo(_ key: String, allowed: [String] = ["lat", "lon"]) -> (GeoPoint?, Mapping?) {
      guard let m = reader.mapping(self[key], what: "'\(key)'", allowed: allowed) else { return (nil, nil) }
      let lat = m.double("lat")
      let lon = m.double("lon")
      var ok = true
      if let lat, !(-90...90).contains(lat) {
        reader.error(
          m["lat"],
          "latitude \(lat) is out of range: it must lie between -90 and 90 (Estonia is about 57.5 to 59.7)")
        ok = false
      }
      if let lon, !(-180...180).contains(lon) {
        reader.error(
          m["lon"],
          "longitude \(lon) is out of range: it must lie between -180 and 180 (Estonia is about 21.7 to 28.2)"
        )
        ok = false
      }
      if (lat == nil) != (lon == nil), m["lat"] == nil || m["lon"] == nil {
        reader.error(m.node, "'\(key)' needs both lat and lon")
        ok = false
      }
      guard ok, let lat, let lon else { return (nil, m) }
      return (GeoPoint(latitude: lat, longitude: lon), m)
    }
  }
}

extension String {
  /// `trimmed` without a walk over characters when neither end can be a space: nearly every value.
  var trimmed: String {
    let bytes = utf8
    guard let first = bytes.first, let last = bytes.last else { return "" }
    // A space byte, or a byte of U+00A0 (C2 A0), at either end takes the character-wise path.
    func mayBeSpace(_ b: UInt8) -> Bool {
      b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0xC2 || b == 0xA0
    }
    if !mayBeSpace(first) && !mayBeSpace(last) { return self }
    return self[...].trimmed
  }
}

extension StringProtocol {
  /// Trims spaces, tabs and line ends without a round trip through NSString.
  var trimmed: String {
    let isSpace: (Character) -> Bool = {
      $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{00A0}"
    }
    guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
    let last = lastIndex(where: { !isSpace($0) })!
    return String(self[first...last])
  }
}

/// E-mail syntax good enough to catch typos; delivery is the mail server's business.
public enum EmailAddress {
  public static func isValid(_ s: String) -> Bool {
    s.utf8.allSatisfy { $0 < 0x80 } ? isValidASCII(s) : isValidScalars(s)
  }

  /// `isValid` scalar by scalar, for any address.
  static func isValidScalars(_ s: String) -> Bool {
    let parts = s.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64, s.count <= 254 else { return false }
    let local = parts[0]
    let domain = parts[1]
    guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
    let specials = Set("!#$%&'*+/=?^_`{|}~.-".unicodeScalars)
    guard
      local.unicodeScalars.allSatisfy({
        ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || specials.contains($0)
          || $0.value > 127
      })
    else { return false }
    let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
    guard labels.count >= 2 else { return false }
    for label in labels {
      guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else {
        return false
      }
      guard
        label.unicodeScalars.allSatisfy({
          $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "-"
        })
      else {
        return false
      }
    }
    return labels.last!.count >= 2 && !labels.last!.allSatisfy(\.isNumber)
  }

  /// `isValid` for an ASCII address (nearly every one), by bytes: the same rules without Unicode
  /// property lookups, which every plan's contact paid for.
  static func isValidASCII(_ s: String) -> Bool {
    let bytes = Array(s.utf8)
    guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), !bytes[(at + 1)...].contains(UInt8(ascii: "@"))
    else { return false }
    let local = bytes[..<at]
    let domain = bytes[(at + 1)...]
    guard !local.isEmpty, local.count <= 64, bytes.count <= 254 else { return false }
    let dot = UInt8(ascii: ".")
    guard local.first != dot, local.last != dot else { return false }
    func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    let specials = Array("!#$%&'*+/=?^_`{|}~.-".utf8)
    var previous: UInt8 = 0
    for b in local {
      guard isLetter(b) || isDigit(b) || specials.contains(b), !(b == dot && previous == dot) else {
        return false
      }
      previous = b
    }
    let labels = domain.split(separator: dot, omittingEmptySubsequences: false)
    guard labels.count >= 2 else { return false }
    let hyphen = UInt8(ascii: "-")
    for label in labels {
      guard !label.isEmpty, label.count <= 63, label.first != hyphen, label.last != hyphen,
        label.allSatisfy({ isLetter($0) || isDigit($0) || $0 == hyphen })
      else { return false }
    }
    return labels.last!.count >= 2 && !labels.last!.allSatisfy(isDigit)
  }
}
