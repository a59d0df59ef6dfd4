import Foundation
import Testing

@testable import KaasaCore

@Suite("YAML is read as written, with libyaml's positions")
struct YAMLTreeTests {
  func parse(_ text: String) throws -> YAMLNode {
    try #require(try YAMLNode.parse(text))
  }

  func error(_ text: String) -> YAMLError? {
    do {
      _ = try YAMLNode.parse(text)
      return nil
    } catch {
      return error
    }
  }

  @Test func scalarsStayTextWithTheirStyleAndPosition() throws {
    let root = try parse("title: Torma\ncount: 010\nflag: yes\nquoted: 'null'\nempty:\nlist: [a, \"b c\"]\n")
    guard case .mapping(let pairs, let mark) = root else {
      Issue.record("not a mapping")
      return
    }
    #expect(mark == YAMLMark(line: 1, column: 1))
    #expect(pairs.map { $0.key.string } == ["title", "count", "flag", "quoted", "empty", "list"])
    #expect(root["count"]?.string == "010", "numbers are not resolved")
    #expect(root["flag"]?.string == "yes", "booleans are not resolved")
    #expect(root["quoted"]?.isNull == false, "a quoted 'null' is text")
    #expect(root["empty"]?.isNull == true)
    #expect(root["title"]?.mark == YAMLMark(line: 1, column: 8))
    guard case .sequence(let items, let listMark)? = root["list"] else {
      Issue.record("not a list")
      return
    }
    #expect(items.map(\.string) == ["a", "b c"])
    #expect(listMark == YAMLMark(line: 6, column: 7))
    #expect(items[1].mark == YAMLMark(line: 6, column: 11))
    #expect(items[1].scalar?.isPlain == false)
  }

  @Test func blockScalarsAndUnicodeAreKept() throws {
    let root = try parse("text: |\n  Jõgeva — Põltsamaa\n  teine rida\nfolded: >\n  üks\n  kaks\n")
    #expect(root["text"]?.string == "Jõgeva — Põltsamaa\nteine rida\n")
    #expect(root["folded"]?.string == "üks kaks\n")
  }

  @Test func aliasesRepeatTheAnchoredNode() throws {
    let root = try parse("place: &kool Torma kool\nagain: *kool\nlist: &l [a, b]\ncopy: *l\n")
    #expect(root["again"]?.string == "Torma kool")
    guard case .sequence(let copy, _)? = root["copy"] else {
      Issue.record("the alias of a list is not a list")
      return
    }
    #expect(copy.map(\.string) == ["a", "b"])
  }

  @Test func emptyTextOrOnlyCommentsHoldNoDocument() throws {
    #expect(try YAMLNode.parse("") == nil)
    #expect(try YAMLNode.parse("# a comment\n\n") == nil)
    #expect(try YAMLNode.parse("~")?.isNull == true)
  }

  @Test func syntaxErrorsSayWhatAndWhere() {
    guard case .syntax(let problem, let at, let context, let contextMark)? = error("a: [b\nc: d\n") else {
      Issue.record("no syntax error")
      return
    }
    #expect(problem == "did not find expected ',' or ']'")
    #expect(at == YAMLMark(line: 2, column: 2))
    #expect(context == "while parsing a flow sequence")
    #expect(contextMark == YAMLMark(line: 1, column: 4))
  }

  @Test func duplicateKeysAreErrorsAtTheFirstOfThem() {
    guard case .duplicateKeys(let keys, let at)? = error("b: 1\na: 2\nb: 3\na: 4\nc: 5\n") else {
      Issue.record("duplicates not found")
      return
    }
    #expect(keys == ["a", "b"])
    #expect(at == YAMLMark(line: 2, column: 1))
    // Many keys take another path.
    let many = (0..<40).map { "k\($0): v\n" }.joined() + "k7: again\n"
    guard case .duplicateKeys(let manyKeys, let manyAt)? = error(many) else {
      Issue.record("duplicates among many keys not found")
      return
    }
    #expect(manyKeys == ["k7"])
    #expect(manyAt == YAMLMark(line: 8, column: 1))
    #expect(error("a: {x: 1}\nb: {x: 2}\n") == nil, "the same key in two mappings is fine")
  }

  @Test func undefinedAliasesAndSecondDocumentsAreErrors() {
    guard case .syntax(let problem, let at, _, _)? = error("a: 1\nb: *missing\n") else {
      Issue.record("undefined alias accepted")
      return
    }
    #expect(problem.contains("undefined alias 'missing'"))
    #expect(at == YAMLMark(line: 2, column: 4))
    guard case .syntax(let second, let secondAt, let context, _)? = error("a: 1\n...\n---\nb: 2\n") else {
      Issue.record("a second document accepted")
      return
    }
    #expect(second == "but found another document")
    #expect(secondAt.line == 3)
    #expect(context == "expected a single document in the stream")
  }

  @Test func deepNestingIsAnErrorNotACrash() {
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    guard case .syntax(let problem, _, _, _)? = error(deep) else {
      Issue.record("10,000 nested lists accepted")
      return
    }
    #expect(problem.contains("nested more than"))
    #expect(throws: Never.self) {
      try YAMLNode.parse(String(repeating: "[", count: 50) + String(repeating: "]", count: 50))
    }
  }

  @Test func controlCharactersAreUnreadableAtTheirByte() {
    guard case .unreadable(let problem, let offset)? = error("title: Torma\nsummary: a\u{1}b\n") else {
      Issue.record("a control character accepted")
      return
    }
    #expect(problem == "control characters are not allowed")
    #expect(offset == 23, "after the 13 bytes of the first line and 10 of the second")
  }

  @Test func trimmingAStringAgreesWithTrimmingByCharacters() {
    let samples = [
      "", " ", "a", " a ", "\ta\n", "Torma kool", "a\u{00A0}", "\u{00A0}a", "a \u{301}", " \u{301}a",
      "\r\na\r\n",
      "õ", "Jõgeva ", " Põltsamaa", "a\u{00C2}", "\u{00C2}", "\u{1F600} ", "x\u{2003}",
    ]
    for sample in samples {
      // A substring takes the character-wise path.
      #expect(sample.trimmed == sample[...].trimmed, "\(sample.unicodeScalars.map { $0.value })")
    }
    #expect(" a ".trimmed == "a")
    #expect("a \u{301}".trimmed == "a \u{301}", "a space with a combining mark is a character, not a space")
  }

  @Test func slugsOfMixedTitles() {
    #expect(Slug.make("Avalik ARUTELU 2") == "avalik-arutelu-2")
    #expect(Slug.make("  --Torma: kool!! ") == "torma-kool")
    #expect(Slug.make("Kool-Maja (II)") == "kool-maja-ii")
    #expect(Slug.make("Põltsamaa ÕUE ja Ümbrus") == "poltsamaa-oue-ja-umbrus")
  }
}
