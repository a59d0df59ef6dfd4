import Foundation

/// A UTC instant from its parts, so expected values read as plain dates.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0)
  -> Date
{
  var calendar = Calendar(identifier: .gregorian)
  calendar.timeZone = TimeZone(secondsFromGMT: 0)!
  return calendar.date(
    from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
}

let tallinn = TimeZone(identifier: "Europe/Tallinn")!

/// Text in the languages the calendars are written in, with the characters escaping must handle.
let mixedText = "Põhja-Tallinna küla: «Тарту, улица» & <Jõgi> \"ö\" 'ä' a;b,c\\d 🌲👩‍👩‍👧"

/// Random text from pieces of an alphabet, the same for the same seed, so a failure can be run again.
struct RandomText {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next(_ bound: Int) -> Int {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int(state >> 33) % bound
  }

  /// `count` pieces drawn from `alphabet`.
  mutating func text(_ alphabet: [String], count: Int) -> String {
    (0..<count).map { _ in alphabet[next(alphabet.count)] }.joined()
  }
}
