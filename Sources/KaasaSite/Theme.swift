import Foundation
import KaasaCore
import KaasaTemplate

/// A theme: Mustache templates, UI translations and static assets.
///
/// Files in the site's `themes/<name>/` override those of the built-in default theme one by one,
/// so a site can replace a single template or translation and keep the rest.
public struct Theme: Sendable {
  public var library: TemplateLibrary
  public var strings: Translations
  /// Static files under `assets/`, by path relative to the theme (e.g. `assets/style.css`).
  public var assets: [(path: String, data: Data)]

  /// Every file of the theme by relative path, after overrides; kept for cache keys.
  public var files: [String: Data]
  /// SHA-256 over every file and translation override, for the build cache's key.
  public var fingerprint: String

  /// Loads the theme `name` for `language` from `siteDirectory/themes/`, over the built-in default.
  public static func load(name: String, language: SiteLanguage, siteDirectory: URL) throws(ThemeError)
    -> Theme
  {
    var files = DefaultTheme.files.mapValues { Data($0.utf8) }
    var translationLayers: [String: [Data]] = [:]
    let overrides = [
      siteDirectory.appendingPathComponent("themes/default"),
      siteDirectory.appendingPathComponent("themes/\(name)"),
    ]
    for dir in name == "default" ? [overrides[0]] : overrides {
      for rel in walk(dir) {
        guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(rel).path) else {
          continue
        }
        // Translations override key by key, so a site can change one sentence and keep the rest.
        if rel.hasPrefix("i18n/") && files[rel] != nil {
          translationLayers[rel, default: []].append(data)
        } else {
          files[rel] = data
        }
      }
    }
    return try Theme(files: files, language: language, translationLayers: translationLayers)
  }

  /// `translationLayers` are applied over the translation file of the same path, in order.
  public init(files: [String: Data], language: SiteLanguage, translationLayers: [String: [Data]] = [:])
    throws(ThemeError)
  {
    self.files = files
    var key = CacheKey()
    for (path, data) in files.sorted(by: { $0.key < $1.key }) {
      key.add(path)
      key.add(data)
    }
    for (path, layers) in translationLayers.sorted(by: { $0.key < $1.key }) {
      key.add("layers of " + path)
      for layer in layers { key.add(layer) }
    }
    self.fingerprint = key.finish()
    var library = TemplateLibrary()
    for (path, data) in files.sorted(by: { $0.key < $1.key })
    where path.hasPrefix("templates/") && path.hasSuffix(".mustache") {
      let name = String(path.dropFirst("templates/".count).dropLast(".mustache".count))
      do {
        try library.register(String(decoding: data, as: UTF8.self), named: name)
      } catch {
        throw .template(path, "\(error)")
      }
    }
    self.library = library
    func strings(_ path: String) throws(ThemeError) -> [String: TranslationValue] {
      guard let base = files[path] else { throw .missing(path) }
      var table = try Self.parseStrings(base, path: path)
      for layer in translationLayers[path] ?? [] {
        table.merge(try Self.parseStrings(layer, path: path)) { _, new in new }
      }
      return table
    }
    let fallback = try strings("i18n/et.yml")
    var table = try strings("i18n/\(language.rawValue).yml")
    // A key missing in a translation falls back to Estonian rather than leaving a hole in the page.
    for (k, v) in fallback where table[k] == nil { table[k] = v }
    self.strings = Translations(language: language, table: table)
    self.assets = files.filter { $0.key.hasPrefix("assets/") }.sorted { $0.key < $1.key }.map {
      ($0.key, $0.value)
    }
  }

  static func parseStrings(_ data: Data, path: String) throws(ThemeError) -> [String: TranslationValue] {
    let root: YAMLNode?
    do {
      root = try YAMLNode.parse(String(decoding: data, as: UTF8.self))
    } catch {
      throw .translation(path, error.description)
    }
    guard case .mapping(let pairs, _)? = root else { throw .translation(path, "expected key: value lines") }
    var out: [String: TranslationValue] = [:]
    // Values are taken as written: a translation is text, never a number or a boolean.
    for (key, value) in pairs {
      guard let k = key.string else {
        throw .translation(path, "line \(key.mark.line): a key must be a word")
      }
      switch value {
      case .scalar(let s): out[k] = .text(s.string)
      case .sequence(let items, _):
        out[k] = .list(
          try items.map { item throws(ThemeError) in
            guard let text = item.string else {
              throw .translation(path, "line \(item.mark.line): each item of '\(k)' must be text")
            }
            return text
          })
      case .mapping(_, let mark):
        throw .translation(path, "line \(mark.line): '\(k)' must be text or a list of texts, not a mapping")
      }
    }
    return out
  }

  public func render(_ template: String, _ context: [String: Any]) throws(ThemeError) -> String {
    String(decoding: try renderBytes(template, context), as: UTF8.self)
  }

  /// `render` as the UTF-8 bytes of a file.
  public func renderBytes(_ template: String, _ context: [String: Any]) throws(ThemeError) -> [UInt8] {
    let html: [UInt8]?
    do {
      html = try library.renderBytes(context, template: template)
    } catch {
      throw .rendering("templates/\(template).mustache", error.description)
    }
    guard let html else { throw .missing("templates/\(template).mustache") }
    return html
  }

  static func walk(_ dir: URL) -> [String] {
    let fm = FileManager.default
    guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { return [] }
    var out: [String] = []
    for name in names.sorted() where !name.hasPrefix(".") {
      var isDir: ObjCBool = false
      let full = dir.appendingPathComponent(name)
      guard fm.fileExists(atPath: full.path, isDirectory: &isDir) else { continue }
      if isDir.boolValue { out += walk(full).map { "\(name)/\($0)" } } else { out.append(name) }
    }
    return out
  }
}

/// A problem with a theme: the build stops and says which file.
public enum ThemeError: Error, Sendable, CustomStringConvertible {
  case missing(String)
  case template(String, String)
  /// The template parsed but cannot be rendered (its partials include each other without end).
  case rendering(String, String)
  case translation(String, String)

  public var description: String {
    switch self {
    case .missing(let p): return "the theme has no \(p): add it, or remove the override that hides it"
    case .template(let p, let e): return "\(p): the template cannot be read: \(e)"
    case .rendering(let p, let e): return "\(p): the page cannot be rendered: \(e)"
    case .translation(let p, let e): return "\(p): the translations cannot be read: \(e)"
    }
  }
}

/// A translation entry: a sentence, or a list such as month names.
public enum TranslationValue: Sendable, Hashable {
  case text(String)
  case list([String])
}

/// UI strings of one language, and the date formats that go with them.
public struct Translations: Sendable {
  public let language: SiteLanguage
  public let table: [String: TranslationValue]
  /// The flat text entries, for templates (`{{t.key}}`); made once, as every page needs them.
  public let templateStrings: [String: String]

  /// How `day` writes each form, worked out once: pages write dates by the thousand.
  private let days: [DayWriting]

  public init(language: SiteLanguage, table: [String: TranslationValue]) {
    self.language = language
    self.table = table
    var strings: [String: String] = [:]
    for (k, v) in table { if case .text(let s) = v { strings[k] = s } }
    self.templateStrings = strings
    days = DateForm.allCases.map { Self.dayWriting($0, table: table) }
  }

  public subscript(_ key: String) -> String { Self.text(key, in: table) }

  private static func text(_ key: String, in table: [String: TranslationValue]) -> String {
    if case .text(let s)? = table[key] { return s }
    return key
  }

  /// `"{date}"`-style placeholders filled in; unknown placeholders stay as they are.
  public func format(_ key: String, _ values: [String: String]) -> String {
    fill(self[key]) { values[String($0)] }
  }

  /// `pattern` with each `{name}` replaced by `value(name)`; names without a value stay as they are.
  func fill(_ pattern: String, _ value: (Substring) -> String?) -> String {
    guard pattern.utf8.contains(UInt8(ascii: "{")) else { return pattern }
    var out = ""
    Self.scan(pattern, text: { out += $0 }, name: { name, written in out += value(name) ?? String(written) })
    return out
  }

  /// Goes through `pattern`: the text between placeholders to `text`, and each `{name}` to `name`
  /// with the placeholder as it is written. A `{` without a `}` after it is text.
  private static func scan(
    _ pattern: String, text: (Substring) -> Void, name: (_ name: Substring, _ written: Substring) -> Void
  ) {
    var rest = Substring(pattern)
    while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
      text(rest[..<open])
      name(rest[rest.index(after: open)..<close], rest[open...close])
      rest = rest[rest.index(after: close)...]
    }
    text(rest)
  }

  /// Month-name forms: the plain date, "on" a date, "until" a date (Estonian and Russian inflect them).
  public enum DateForm: String, Sendable, CaseIterable {
    case plain = "months"
    case on = "months_on"
    case until = "months_until"
  }

  /// A day as the language writes it: "31. detsember 2026", "31 December 2026", "31 декабря 2026 г.".
  public func day(_ d: LocalDate, form: DateForm = .plain) -> String {
    let writing = days[DateForm.allCases.firstIndex(of: form)!]
    var out = ""
    for piece in writing.pattern {
      switch piece {
      case .text(let text): out += text
      case .day: out += String(d.day)
      case .month: out += writing.months.count == 12 ? writing.months[d.month - 1] : String(d.month)
      case .year: out += String(d.year)
      }
    }
    return out
  }

  /// A form's month names (12, or none: then months are numbers) and the date pattern in pieces,
  /// read as `fill` reads it: a name other than day, month and year stays as it is written.
  private struct DayWriting: Sendable {
    enum Piece: Sendable {
      case text(String)
      case day, month, year
    }
    let months: [String]
    let pattern: [Piece]
  }

  private static func dayWriting(_ form: DateForm, table: [String: TranslationValue]) -> DayWriting {
    func list(_ key: String) -> [String] {
      if case .list(let l)? = table[key] { return l }
      return []
    }
    var months = list(form.rawValue)
    if months.count != 12 { months = list("months") }
    var pattern: [DayWriting.Piece] = []
    func add(_ text: Substring) {
      guard !text.isEmpty else { return }
      if case .text(let before)? = pattern.last {
        pattern[pattern.count - 1] = .text(before + text)
      } else {
        pattern.append(.text(String(text)))
      }
    }
    scan(
      text("date_pattern", in: table), text: add,
      name: { name, written in
        switch name {
        case "day": pattern.append(.day)
        case "month": pattern.append(.month)
        case "year": pattern.append(.year)
        default: add(written)
        }
      })
    return DayWriting(months: months.count == 12 ? months : [], pattern: pattern)
  }

  /// "18:00"
  public func time(_ t: LocalDateTime) -> String {
    Digits.padded(t.hour, 2) + ":" + Digits.padded(t.minute, 2)
  }
}
