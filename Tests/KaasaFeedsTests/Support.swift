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
