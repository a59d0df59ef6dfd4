import Foundation
import Testing

@testable import KaasaSite

/// plans.json keeps the layout JSONSerialization gave it: PrettyJSON must write the same bytes.
@Suite struct PrettyJSONTests {
  func reference(_ value: Any) -> String {
    let data = try! JSONSerialization.data(
      withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
  }

  @Test func writesWhatJSONSerializationWrites() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33) % bound
    }
    let strings = [
      "", "Põltsamaa vald", "a/b \"c\" \\ d", "rida\nteine\treal\r", "\u{1}\u{1F}", "😀 ü €",
      "https://x.ee/a?b=1&c=2",
    ]
    // Keys as plans.json has them. (JSONSerialization orders keys case-insensitively and numerically,
    // PrettyJSON by code point: the same order for these.)
    let keys = [
      "id", "title", "opens", "opensAt", "closes", "closesAt", "municipality", "municipalityName", "url",
      "baseURL", "a", "b2",
    ]
    func value(_ depth: Int) -> Any {
      switch next(depth < 3 ? 9 : 4) {
      case 0: return strings[next(strings.count)]
      case 1: return next(2) == 0
      case 2: return next(100_000) - 50_000
      case 3: return NSNull()
      case 4: return (0..<next(4)).map { _ in value(depth + 1) }
      case 5:
        return (0..<next(3)).map { _ in ["id": strings[next(strings.count)], "n": next(9)] as [String: Any] }
      // Dictionaries of strings, as plans.json's villages and feedback are made.
      case 6:
        return (0..<next(3)).map { _ in
          ["id": strings[next(strings.count)], "name": strings[next(strings.count)]]
        }
      case 7:
        var object: [String: String] = [:]
        for _ in 0..<next(5) { object[keys[next(keys.count)]] = strings[next(strings.count)] }
        return object
      default:
        var object: [String: Any] = [:]
        for _ in 0..<next(5) { object[keys[next(keys.count)]] = value(depth + 1) }
        return object
      }
    }
    for _ in 0..<500 {
      var object: [String: Any] = [:]
      for i in 0..<next(6) { object["key\(i)"] = value(1) }
      #expect(PrettyJSON.text(object) == reference(object))
      let list = (0..<next(4)).map { _ in value(1) }
      #expect(PrettyJSON.text(list) == reference(list))
    }
  }

  /// An entry of plans.json is indented as an element of the array: every line after the first
  /// starts with the prefix.
  @Test func prefixIndentsEveryFollowingLine() {
    let value: [String: Any] = ["a": [1, 2], "b": ["c": "d"], "e": [Any]()]
    #expect(
      PrettyJSON.text(value, prefix: "  ") == reference(value).replacingOccurrences(of: "\n", with: "\n  "))
  }
}

/// Subscription links and mail subjects are percent-encoded as Foundation encodes them with the
/// letters and digits of any script and `-._~` allowed.
@Suite struct PercentEncodingTests {
  @Test func encodesAsFoundationDoes() {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33) % bound
    }
    let pieces = [
      "webcal://", "plaanid.example.ee/", "a", "Z", "0", "9", "-", ".", "_", "~", " ", "%", "/", "?",
      "&", "=", "+", ":", "#", "\u{7F}", "\t", "õ", "Ü", "ж", "😀", "€", "٣",
    ]
    for _ in 0..<2_000 {
      let s = (0..<next(12)).map { _ in pieces[next(pieces.count)] }.joined()
      #expect(percentEncode(s) == s.addingPercentEncoding(withAllowedCharacters: allowed), "\(s)")
    }
  }
}
