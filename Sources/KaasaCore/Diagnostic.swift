import Foundation

/// A place in a source file: 1-based line and column (columns count Unicode scalars).
public struct SourcePosition: Sendable, Hashable, Comparable, Codable {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public static let start = SourcePosition(line: 1, column: 1)

  public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }
}

/// A value together with the position it was read from.
public struct Located<Value: Sendable>: Sendable {
  public var value: Value
  public var position: SourcePosition

  public init(_ value: Value, at position: SourcePosition) {
    self.value = value
    self.position = position
  }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}

/// How serious a diagnostic is: errors stop the build, warnings do not.
public enum Severity: String, Sendable, Codable, Comparable {
  case error
  case warning

  public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
}

/// One problem found in the content, pointing at the file, line and column.
public struct Diagnostic: Error, Sendable, Hashable, Codable {
  /// Path relative to the site folder, e.g. `content/plans/torma-kool.md`.
  public var file: String
  public var position: SourcePosition
  public var severity: Severity
  public var message: String

  public init(file: String, position: SourcePosition, severity: Severity, message: String) {
    self.file = file
    self.position = position
    self.severity = severity
    self.message = message
  }

  public static func error(_ file: String, _ position: SourcePosition, _ message: String) -> Diagnostic {
    Diagnostic(file: file, position: position, severity: .error, message: message)
  }

  public static func warning(_ file: String, _ position: SourcePosition, _ message: String) -> Diagnostic {
    Diagnostic(file: file, position: position, severity: .warning, message: message)
  }
}

extension Diagnostic: Comparable {
  /// Diagnostics sort by file, then position, then severity and message, so reports are stable.
  public static func < (a: Diagnostic, b: Diagnostic) -> Bool {
    if a.file != b.file { return a.file < b.file }
    if a.position != b.position { return a.position < b.position }
    if a.severity != b.severity { return a.severity < b.severity }
    return a.message < b.message
  }
}

extension Array where Element == Diagnostic {
  public var hasErrors: Bool { contains { $0.severity == .error } }
  public var errorCount: Int { count { $0.severity == .error } }
  public var warningCount: Int { count { $0.severity == .warning } }
}

/// Output formats for diagnostics: plain text, a JSON array, GitHub Actions annotations, or a GitLab
/// code quality report (which GitLab shows in merge requests with file and line).
public enum DiagnosticFormat: String, Sendable, CaseIterable {
  case text
  case json
  case github
  case gitlab

  /// Formats diagnostics; `pathPrefix` is prepended to each file (the site folder as the user typed it).
  public func render(_ diagnostics: [Diagnostic], pathPrefix: String = "") -> String {
    func path(_ d: Diagnostic) -> String {
      if pathPrefix.isEmpty || pathPrefix == "." { return d.file }
      return pathPrefix.hasSuffix("/") ? pathPrefix + d.file : pathPrefix + "/" + d.file
    }
    switch self {
    case .text:
      return diagnostics.map {
        "\(path($0)):\($0.position.line):\($0.position.column): \($0.severity.rawValue): \($0.message)\n"
      }.joined()
    case .json:
      struct Row: Encodable {
        var file: String
        var line: Int
        var column: Int
        var severity: String
        var message: String
      }
      let rows = diagnostics.map {
        Row(
          file: path($0), line: $0.position.line, column: $0.position.column,
          severity: $0.severity.rawValue, message: $0.message)
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      let data = (try? encoder.encode(rows)) ?? Data("[]".utf8)
      return String(decoding: data, as: UTF8.self) + "\n"
    case .github:
      // Workflow commands need %, CR and LF escaped in the message and also , and : in properties.
      func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
          .replacingOccurrences(of: "\n", with: "%0A")
      }
      func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
      }
      return diagnostics.map {
        "::\($0.severity.rawValue) file=\(escapeProperty(path($0))),line=\($0.position.line),col=\($0.position.column)::\(escapeData($0.message))\n"
      }.joined()
    case .gitlab:
      // The Code Climate subset GitLab reads; the fingerprint tells findings apart between pipelines.
      struct Lines: Encodable { var begin: Int }
      struct Location: Encodable {
        var path: String
        var lines: Lines
      }
      struct Finding: Encodable {
        var description: String
        var check_name: String
        var fingerprint: String
        var severity: String
        var location: Location
      }
      let findings = diagnostics.map { d in
        Finding(
          description: d.message, check_name: "kaasa-check",
          fingerprint: fingerprint(
            "\(d.file):\(d.position.line):\(d.position.column):\(d.severity.rawValue):\(d.message)"),
          severity: d.severity == .error ? "blocker" : "minor",
          location: Location(path: path(d), lines: Lines(begin: d.position.line)))
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      let data = (try? encoder.encode(findings)) ?? Data("[]".utf8)
      return String(decoding: data, as: UTF8.self) + "\n"
    }
  }

  /// FNV-1a, 64 bits, as hex: stable across runs and machines, unlike `Hasher`.
  private func fingerprint(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    return String(hash, radix: 16)
  }
}
