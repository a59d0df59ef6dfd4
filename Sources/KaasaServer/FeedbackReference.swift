import Foundation

/// The number a resident gets for a submission: `JÕG-2026-000123`.
public struct FeedbackReference: Sendable, Hashable, CustomStringConvertible {
  /// First three letters of the municipality's name, uppercased: `JÕG`.
  public var prefix: String
  /// Year of submission in the site's time zone.
  public var year: Int
  /// Counts from 1 within prefix and year.
  public var sequence: Int

  public init(prefix: String, year: Int, sequence: Int) {
    self.prefix = prefix
    self.year = year
    self.sequence = sequence
  }

  public var description: String {
    let number = String(sequence)
    let padded = number.count >= 6 ? number : String(repeating: "0", count: 6 - number.count) + number
    return "\(prefix)-\(year)-\(padded)"
  }

  /// `Jõgeva vald` → `JÕG`, `Põltsamaa vald` → `PÕL`; falls back to the municipality id if the name has no letters.
  public static func prefix(municipalityName: String, municipalityID: String = "") -> String {
    for source in [municipalityName, municipalityID] {
      let word = source.trimmed.split(whereSeparator: { $0.isWhitespace }).first ?? ""
      let letters = word.precomposedStringWithCanonicalMapping.filter(\.isLetter).prefix(3)
      if !letters.isEmpty {
        return String(letters).uppercased().precomposedStringWithCanonicalMapping
      }
    }
    return "KAA"
  }
}
