import Foundation

/// Slugs: the ids of plans, municipalities, villages and pages.
public enum Slug {
  /// True for `^[a-z0-9]+(-[a-z0-9]+)*$`.
  public static func isValid(_ s: String) -> Bool {
    guard let first = s.utf8.first, first != UInt8(ascii: "-"), s.utf8.last != UInt8(ascii: "-") else {
      return false
    }
    var previousDash = false
    for b in s.utf8 {
      switch b {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        previousDash = false
      case UInt8(ascii: "-"):
        if previousDash { return false }
        previousDash = true
      default:
        return false
      }
    }
    return true
  }

  /// Makes a slug from free text, transliterating Estonian and Russian letters.
  public static func make(_ text: String) -> String {
    if text.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 })
      && isValid(text)
    {
      return text
    }
    // Every piece of a slug is ASCII, so it is gathered as bytes.
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    var pendingDash = false
    for scalar in text.unicodeScalars {
      let mapped: String
      switch scalar.value {
      case 0x61...0x7A, 0x30...0x39, 0x41...0x5A:
        // ASCII letters and digits go straight in, lowercased.
        if pendingDash { out.append(UInt8(ascii: "-")) }
        pendingDash = false
        let byte = UInt8(scalar.value)
        out.append(byte >= 0x41 && byte <= 0x5A ? byte + 32 : byte)
        continue
      case 0...0x7F: mapped = ""
      // Estonian letters, in either case, fold without a look at Unicode properties.
      case 0xF5, 0xD5, 0xF6, 0xD6: mapped = "o"
      case 0xE4, 0xC4: mapped = "a"
      case 0xFC, 0xDC: mapped = "u"
      case 0x161, 0x160: mapped = "s"
      case 0x17E, 0x17D: mapped = "z"
      default:
        let lower = Character(scalar).lowercased()
        if let t = lower.first.flatMap({ transliteration[$0] }) {
          mapped = t
        } else if let folded = lower.applyingTransform(.stripDiacritics, reverse: false),
          folded.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        {
          mapped = folded.lowercased()
        } else {
          mapped = ""
        }
      }
      if mapped.isEmpty {
        pendingDash = !out.isEmpty
      } else {
        if pendingDash { out.append(UInt8(ascii: "-")) }
        pendingDash = false
        out += mapped.utf8
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static let transliteration: [Character: String] = [
    "õ": "o", "ä": "a", "ö": "o", "ü": "u", "š": "s", "ž": "z",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "jo", "ж": "z", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "tš", "ш": "s", "щ": "stš",
    "ъ": "", "ы": "õ", "ь": "", "э": "e", "ю": "ju", "я": "ja",
  ].mapValues { value in
    // Russian letters first go through Estonian transliteration, then Estonian letters fold to ASCII.
    value.replacingOccurrences(of: "š", with: "s").replacingOccurrences(of: "õ", with: "o")
  }
}

/// "Did you mean …" suggestions by edit distance.
public enum Suggestion {
  /// The closest candidate within a small edit distance, if any.
  public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in candidates {
      let d = distance(w, Array(c.lowercased()))
      let limit = max(1, min(3, c.count / 3))
      if d <= limit, best == nil || d < best!.1 { best = (c, d) }
    }
    if let best { return best.0 }
    // A shortened id ("jogeva" for "jogeva-vald") is far by edit distance but plainly meant.
    let prefixed = candidates.filter { $0.lowercased().hasPrefix(word.lowercased()) && word.count >= 3 }
    return prefixed.count == 1 ? prefixed[0] : nil
  }

  /// " Did you mean 'x'?" or "".
  public static func hint(for word: String, in candidates: some Sequence<String>) -> String {
    closest(to: word, in: candidates).map { " Did you mean '\($0)'?" } ?? ""
  }

  /// Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment),
  /// because "idae" for "idea" is one slip of the fingers.
  static func distance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[a.count][b.count]
  }
}
