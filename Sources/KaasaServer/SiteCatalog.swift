import Foundation
import KaasaCore

/// What the endpoint needs from the built site: `site.json` and `plans.json`.
public struct SiteCatalog: Sendable {
  /// The site's own settings as written by the build.
  public var site: PublishedSite
  /// Every plan in the built site, by id.
  public var plans: [String: PublishedPlan]

  public init(site: PublishedSite, plans: [PublishedPlan]) {
    self.site = site
    self.plans = Dictionary(plans.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// Reads `site.json` and `plans.json` from a built site folder.
  public static func load(from folder: URL) throws(SiteCatalogError) -> SiteCatalog {
    let site = try decode(PublishedSite.self, file: folder.appendingPathComponent("site.json"))
    let plans = try decode([PublishedPlan].self, file: folder.appendingPathComponent("plans.json"))
    return SiteCatalog(site: site, plans: plans)
  }

  private static func decode<T: Decodable>(_ type: T.Type, file: URL) throws(SiteCatalogError) -> T {
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw .unreadable(file.path)
    }
    do {
      return try JSONDecoder().decode(T.self, from: data)
    } catch {
      throw .invalid(file.path, SiteCatalogError.explain(error))
    }
  }
}

/// Why the built site could not be read.
public enum SiteCatalogError: Error, Sendable, CustomStringConvertible {
  case unreadable(String)
  case invalid(String, String)

  public var description: String {
    switch self {
    case .unreadable(let path):
      return "cannot read \(path): is --site the folder that kaasa build writes (output/)?"
    case .invalid(let path, let why):
      return "\(path) is not what kaasa build writes: \(why)"
    }
  }

  static func explain(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return String(describing: error) }
    func path(_ keys: [any CodingKey]) -> String {
      let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
      return text.isEmpty ? "the top level" : text
    }
    switch error {
    case .keyNotFound(let key, let c): return "'\(key.stringValue)' is missing at \(path(c.codingPath))"
    case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
      return "\(c.debugDescription) (at \(path(c.codingPath)))"
    @unknown default: return String(describing: error)
    }
  }
}

/// `site.json` of the built site.
public struct PublishedSite: Sendable, Decodable {
  public var title: String
  /// Always ends in `/`.
  public var baseURL: URL
  /// `et`, `en` or `ru`: the `lang` of the pages this server writes.
  public var language: String
  public var timeZone: TimeZone

  public init(title: String, baseURL: URL, language: String = "et", timeZone: TimeZone) {
    self.title = title
    self.baseURL = PublishedSite.withTrailingSlash(baseURL)
    self.language = language
    self.timeZone = timeZone
  }

  enum CodingKeys: String, CodingKey {
    case title, baseURL, language, timezone
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
    let base = try c.decode(String.self, forKey: .baseURL)
    guard let url = URL(string: base), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", url.host != nil
    else {
      throw DecodingError.dataCorruptedError(
        forKey: .baseURL, in: c, debugDescription: "'\(base)' is not an absolute http(s) address")
    }
    baseURL = PublishedSite.withTrailingSlash(url)
    let lang = try c.decodeIfPresent(String.self, forKey: .language) ?? "et"
    // The value lands in an HTML attribute: keep it to a language tag.
    language = lang.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "-") } && !lang.isEmpty ? lang : "et"
    let zoneName = try c.decodeIfPresent(String.self, forKey: .timezone) ?? "Europe/Tallinn"
    guard let zone = TimeZone(identifier: zoneName) else {
      throw DecodingError.dataCorruptedError(
        forKey: .timezone, in: c, debugDescription: "unknown time zone '\(zoneName)'")
    }
    timeZone = zone
  }

  /// `https://plaanid.example.ee`: what a browser sends as `Origin` from pages of this site.
  public var origin: String { PublishedSite.origin(of: baseURL) ?? "" }

  static func withTrailingSlash(_ url: URL) -> URL {
    url.absoluteString.hasSuffix("/") ? url : URL(string: url.absoluteString + "/")!
  }

  /// Scheme, host and a non-default port, lowercased, as in an `Origin` header.
  public static func origin(of url: URL) -> String? {
    guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else {
      return nil
    }
    var origin = "\(scheme)://\(host)"
    if let port = url.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
      origin += ":\(port)"
    }
    return origin
  }
}

/// One entry of `plans.json`: only what feedback needs.
public struct PublishedPlan: Sendable, Decodable, Hashable {
  public var id: String
  public var title: String
  public var url: URL
  public var municipality: String
  public var municipalityName: String
  public var villages: [PublishedVillage]
  /// The villages the form offers: the plan's, or every village of its municipality for a plan of the
  /// whole municipality (`feedbackVillages` in plans.json).
  public var feedbackVillages: [PublishedVillage]
  /// Nil when the plan takes no feedback.
  public var feedback: PublishedWindow?
  /// `JÕG` for Jõgeva vald: the start of this plan's feedback references, worked out once per load.
  public var referencePrefix: String

  public init(
    id: String, title: String, url: URL, municipality: String, municipalityName: String,
    villages: [PublishedVillage] = [], feedback: PublishedWindow?
  ) {
    self.id = id
    self.title = title
    self.url = url
    self.municipality = municipality
    self.municipalityName = municipalityName
    self.villages = villages
    self.feedbackVillages = villages
    self.feedback = feedback
    referencePrefix = FeedbackReference.prefix(
      municipalityName: municipalityName, municipalityID: municipality)
  }

  enum CodingKeys: String, CodingKey {
    case id, title, url, municipality, municipalityName, villages, feedbackVillages, feedback
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decode(String.self, forKey: .id)
    title = try c.decodeIfPresent(String.self, forKey: .title) ?? id
    url = try c.decode(URL.self, forKey: .url)
    municipality = try c.decode(String.self, forKey: .municipality)
    municipalityName = try c.decodeIfPresent(String.self, forKey: .municipalityName) ?? municipality
    villages = try c.decodeIfPresent([PublishedVillage].self, forKey: .villages) ?? []
    feedbackVillages = try c.decodeIfPresent([PublishedVillage].self, forKey: .feedbackVillages) ?? villages
    feedback = try c.decodeIfPresent(PublishedWindow.self, forKey: .feedback)
    referencePrefix = FeedbackReference.prefix(
      municipalityName: municipalityName, municipalityID: municipality)
  }

  /// The village with `id`, if the form may name it.
  public func village(_ id: String) -> PublishedVillage? { feedbackVillages.first { $0.id == id } }
}

/// A village a plan touches.
public struct PublishedVillage: Sendable, Decodable, Hashable {
  public var id: String
  public var name: String

  public init(id: String, name: String) {
    self.id = id
    self.name = name
  }
}

/// A plan's feedback window as exact instants; `closesAt` is exclusive.
public struct PublishedWindow: Sendable, Decodable, Hashable {
  /// The first day as written (site-local), for messages.
  public var opens: String
  /// The last day as written (site-local, inclusive), for messages.
  public var closes: String
  public var opensAt: Date
  public var closesAt: Date

  public init(opens: String, closes: String, opensAt: Date, closesAt: Date) {
    self.opens = opens
    self.closes = closes
    self.opensAt = opensAt
    self.closesAt = closesAt
  }

  enum CodingKeys: String, CodingKey {
    case opens, closes, opensAt, closesAt
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func instant(_ key: CodingKeys) throws -> Date {
      let text = try c.decode(String.self, forKey: key)
      guard case .instant(let date)? = try? EventDate.parse(text) else {
        throw DecodingError.dataCorruptedError(
          forKey: key, in: c, debugDescription: "'\(text)' is not a time with Z or an offset")
      }
      return date
    }
    opensAt = try instant(.opensAt)
    closesAt = try instant(.closesAt)
    opens = try c.decodeIfPresent(String.self, forKey: .opens) ?? ""
    closes = try c.decodeIfPresent(String.self, forKey: .closes) ?? ""
  }

  /// Where `now` lies relative to the window.
  public func state(at now: Date) -> FeedbackState {
    if now < opensAt { return .upcoming }
    if now < closesAt { return .open }
    return .closed
  }
}
