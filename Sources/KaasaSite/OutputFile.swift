import Foundation

/// One file of the built site: where it goes under output/ and what it holds.
public struct OutputFile: Sendable, Hashable {
  /// Path relative to the output folder, with `/` separators, e.g. `plans/torma/index.html`.
  public var path: String
  public var content: Content

  public enum Content: Sendable, Hashable {
    /// Bytes as rendered (pages are rendered into byte arrays; one `Data` per page was a copy of
    /// every page).
    case bytes([UInt8])
    /// Text written piece after piece: large calendars, whose events are shared with other files.
    case parts([String])
    /// A file copied as it is (content/files); the writer copies it, so large documents are never held in memory.
    case copy(from: String)
    /// The file of the same path in the output folder, left by the previous build and unchanged:
    /// an update leaves it, a new folder hard-links it.
    case previous
    /// Already handed to the output on disk; only its path is kept.
    case written
  }

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.content = .bytes(bytes)
  }

  public init(path: String, bytes: Data) {
    self.init(path: path, bytes: [UInt8](bytes))
  }

  public init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }

  public init(path: String, parts: [String]) {
    self.path = path
    self.content = .parts(parts)
  }

  public init(path: String, copyOf source: String) {
    self.path = path
    self.content = .copy(from: source)
  }

  init(reusing path: String) {
    self.path = path
    self.content = .previous
  }

  /// What a build keeps of a file once it is on disk.
  static func written(_ path: String) -> OutputFile {
    OutputFile(path: path, content: .written)
  }

  private init(path: String, content: Content) {
    self.path = path
    self.content = content
  }

  public var text: String? {
    switch content {
    case .bytes(let d): return String(decoding: d, as: UTF8.self)
    case .parts(let parts): return parts.joined()
    default: return nil
    }
  }
}

/// Absolute and root-relative addresses of the site's pages.
public struct SiteURLs: Sendable {
  public let baseURL: URL
  /// The path part of baseURL, always ending in `/` (e.g. `/` or `/plaanid/`).
  public let basePath: String
  /// `baseURL` as text, and in its `webcal://` form when it has a scheme: worked out once, as a
  /// build writes tens of thousands of addresses.
  private let absoluteBase: String
  private let webcalBase: String?

  public init(baseURL: URL) {
    var s = baseURL.absoluteString
    if !s.hasSuffix("/") { s += "/" }
    self.baseURL = URL(string: s)!
    var p = self.baseURL.path
    if p.isEmpty { p = "/" }
    if !p.hasSuffix("/") { p += "/" }
    self.basePath = p
    let absolute = self.baseURL.absoluteString
    absoluteBase = absolute
    webcalBase = absolute.range(of: "://").map { "webcal://" + absolute[$0.upperBound...] }
  }

  /// Root-relative link for use inside pages: `/plaanid/plans/x/`.
  public func link(_ path: String) -> String { basePath + path }

  /// Absolute URL for feeds, sitemap and canonical links.
  public func absolute(_ path: String) -> String { absoluteBase + path }

  /// `webcal://` form of an absolute http(s) URL, which calendar apps open as a subscription.
  public func webcal(_ path: String) -> String {
    // A base without a scheme has no subscription form: the address stays as it is.
    guard let webcalBase else { return absolute(path) }
    return webcalBase + path
  }

  /// Percent-encodes everything but ASCII letters, digits and `-._~` (each byte of UTF-8 outside
  /// them), for a query value.
  public static func queryValue(_ text: String) -> String {
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

  public static func plan(_ id: String) -> String { "plans/\(id)/" }
  public static func municipality(_ id: String) -> String { "\(id)/" }
  public static func village(_ m: String, _ v: String) -> String { "\(m)/\(v)/" }
}
