import Foundation
import KaasaCore

/// The fields of the feedback form as sent, before any check.
public struct FeedbackFields: Sendable, Equatable {
  public var plan: String?
  public var message: String?
  public var name: String?
  public var email: String?
  public var village: String?
  /// The honeypot: hidden from people, so only a bot fills it.
  public var website: String?

  public init(
    plan: String? = nil, message: String? = nil, name: String? = nil, email: String? = nil,
    village: String? = nil, website: String? = nil
  ) {
    self.plan = plan
    self.message = message
    self.name = name
    self.email = email
    self.village = village
    self.website = website
  }

  static let names = ["plan", "message", "name", "email", "village", "website"]

  init(_ values: [String: String]) {
    self.init(
      plan: values["plan"], message: values["message"], name: values["name"], email: values["email"],
      village: values["village"], website: values["website"])
  }

  /// Reads `application/x-www-form-urlencoded`; unknown fields are ignored, and of repeated ones the first counts.
  public static func parseForm(_ body: [UInt8]) throws(FeedbackProblem) -> FeedbackFields {
    var values: [String: String] = [:]
    for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
      let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
      let key = try text(percentDecoded(parts[0]))
      guard names.contains(key), values[key] == nil else { continue }
      values[key] = try text(percentDecoded(parts.count > 1 ? parts[1] : []))
    }
    return FeedbackFields(values)
  }

  /// Reads a JSON object whose values are strings (or null for an empty field).
  public static func parseJSON(_ body: [UInt8]) throws(FeedbackProblem) -> FeedbackFields {
    _ = try text(body[...])
    do {
      return try JSONDecoder().decode(JSONForm.self, from: Data(body)).fields
    } catch let problem as FeedbackProblem {
      throw problem
    } catch {
      throw FeedbackProblem(
        .badRequest, et: "Saadetud JSON ei ole loetav objekt.", en: "The JSON sent is not a readable object.")
    }
  }

  private struct JSONForm: Decodable {
    var fields = FeedbackFields()

    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      var values: [String: String] = [:]
      for key in c.allKeys where FeedbackFields.names.contains(key.stringValue) {
        if try c.decodeNil(forKey: key) { continue }
        guard let value = try? c.decode(String.self, forKey: key) else {
          throw FeedbackProblem.notText(key.stringValue)
        }
        values[key.stringValue] = value
      }
      fields = FeedbackFields(values)
    }
  }

  private static func hex(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
    default: return nil
    }
  }

  private static func percentDecoded(_ bytes: ArraySlice<UInt8>) throws(FeedbackProblem) -> ArraySlice<UInt8>
  {
    guard bytes.contains(UInt8(ascii: "%")) || bytes.contains(UInt8(ascii: "+")) else { return bytes }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = bytes.startIndex
    while i < bytes.endIndex {
      let b = bytes[i]
      if b == UInt8(ascii: "+") {
        out.append(UInt8(ascii: " "))
        i += 1
      } else if b == UInt8(ascii: "%") {
        guard i + 2 < bytes.endIndex, let hi = hex(bytes[i + 1]), let lo = hex(bytes[i + 2])
        else { throw .malformed }
        out.append(hi << 4 | lo)
        i += 3
      } else {
        out.append(b)
        i += 1
      }
    }
    return out[...]
  }

  /// The bytes as a string, refusing anything that is not valid UTF-8 (no silent U+FFFD repair).
  private static func text(_ bytes: ArraySlice<UInt8>) throws(FeedbackProblem) -> String {
    let string = String(decoding: bytes, as: UTF8.self)
    guard string.utf8.elementsEqual(bytes) else { throw .invalidUTF8 }
    return string
  }
}

/// A submission that passed every check.
public struct ValidFeedback: Sendable, Equatable {
  public var plan: PublishedPlan
  public var message: String
  public var name: String?
  public var email: String?
  public var village: PublishedVillage?
  /// What a bot put in the honeypot; nil for a person.
  public var honeypot: String?
}

/// The rules a submission must meet, in the order a person would want to hear about them.
public enum FeedbackRules {
  public static let messageLimit = 5_000
  public static let nameLimit = 200

  public static func check(_ fields: FeedbackFields, catalog: SiteCatalog, now: Date) throws(FeedbackProblem)
    -> ValidFeedback
  {
    guard let planID = clean(fields.plan), !planID.isEmpty else { throw .missingPlan }
    guard let plan = catalog.plans[planID] else { throw .unknownPlan(planID) }
    guard let window = plan.feedback else { throw .noWindow }
    switch window.state(at: now) {
    case .upcoming: throw .notYetOpen(window.opens.isEmpty ? Timestamp.utc(window.opensAt) : window.opens)
    case .closed: throw .closed(window.closes.isEmpty ? Timestamp.utc(window.closesAt) : window.closes)
    case .open: break
    }

    let raw = fields.message ?? ""
    let message = (raw.utf8.contains(13) ? raw.replacingOccurrences(of: "\r\n", with: "\n") : raw).trimmed
    guard !message.isEmpty else { throw .emptyMessage }
    let length = message.count
    guard length <= messageLimit else { throw .longMessage(length, limit: messageLimit) }
    guard !hasControl(message, allowingLineBreaks: true) else { throw .controlCharacters("message") }

    let name = clean(fields.name)
    if let name {
      guard name.count <= nameLimit else { throw .longName(limit: nameLimit) }
      guard !hasControl(name) else { throw .controlCharacters("name") }
    }

    let email = clean(fields.email)
    if let email, !EmailAddress.isValid(email) || hasControl(email) { throw .badEmail(email) }

    var village: PublishedVillage?
    if let id = clean(fields.village) {
      guard let v = plan.village(id) else { throw .unknownVillage(id) }
      village = v
    }

    let honeypot = clean(fields.website)
    return ValidFeedback(
      plan: plan, message: message, name: name, email: email, village: village, honeypot: honeypot)
  }

  /// Trimmed, and nil when nothing is left.
  private static func clean(_ value: String?) -> String? {
    guard let value else { return nil }
    let trimmed = value.trimmed
    return trimmed.isEmpty ? nil : trimmed
  }

  private static func hasControl(_ text: String, allowingLineBreaks: Bool = false) -> Bool {
    text.unicodeScalars.contains { s in
      if allowingLineBreaks, s == "\n" || s == "\r" || s == "\t" { return false }
      return s.properties.generalCategory == .control
    }
  }
}
