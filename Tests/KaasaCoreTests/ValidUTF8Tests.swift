import KaasaBytes
import Testing

/// Strings read back from the caches are checked as UTF-8: a damaged cache must be refused, never
/// read as text with replacement characters in it.
@Suite struct ValidUTF8Tests {
  func decoded(_ bytes: [UInt8]) -> String? {
    bytes.withUnsafeBufferPointer { String(validUTF8: $0) }
  }

  @Test func validTextIsReadAsItIs() {
    for text in [
      "", "Pikknurme", "Jõgeva küla – õäöü", "Муствее", "🚌 peatus", "a\u{FFFD}b", "\u{F8FF}", "\0x",
    ] {
      #expect(decoded(Array(text.utf8)) == text)
    }
  }

  @Test func bytesThatAreNotUTF8AreRefused() {
    let damaged: [[UInt8]] = [
      [0xFF], [0xC3], [0x61, 0xC3], [0xC0, 0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
      [0xEF, 0xBF], [0x80, 0x61], [0xEF, 0xBF, 0xBD, 0xFF],
    ]
    for bytes in damaged { #expect(decoded(bytes) == nil, "\(bytes)") }
  }

  /// The same answer as the standard library's validating initialiser, for random bytes that are
  /// mostly almost UTF-8.
  @Test func answersAsTheStandardLibrary() {
    let pieces: [[UInt8]] = [
      [0x61], [0xC3, 0xB5], [0xEF, 0xBF, 0xBD], [0xEF, 0xA3, 0xBF], [0xF0, 0x9F, 0x9A, 0x8C],
      [0xE2, 0x80, 0x93],
      [0xC3], [0xBF], [0xEF], [0xED, 0xA0], [0xFF], [0xF0, 0x9F],
    ]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    var refused = 0
    for _ in 0..<5_000 {
      var bytes: [UInt8] = []
      for _ in 0..<next(6) { bytes += pieces[next(pieces.count)] }
      let reference = String(validating: bytes, as: UTF8.self)
      #expect(decoded(bytes) == reference, "\(bytes)")
      if reference == nil { refused += 1 }
    }
    #expect(refused > 1_000)
    #expect(refused < 4_000)
  }
}
