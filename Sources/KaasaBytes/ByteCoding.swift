import Foundation

#if canImport(Glibc)
  import Glibc
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  import Darwin
  private let systemWrite = Darwin.write
#endif

/// A compact binary form for what a build cache keeps between runs: little-endian integers and
/// length-prefixed UTF-8. Much faster than JSON for the megabytes of feed text a large site has.
public struct ByteWriter: Sendable {
  public private(set) var bytes: [UInt8] = []
  /// When writing to a file: where each full chunk goes, so a cache of a large site is never held
  /// in memory whole.
  private var descriptor: Int32?
  private static let chunk = 1 << 20
  /// Whether a write to the file failed; the file is then incomplete.
  public private(set) var failed = false

  public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

  /// A writer that sends its bytes to the open file `descriptor` a chunk at a time; `finish()`
  /// writes the rest.
  init(streamingTo descriptor: Int32) {
    self.descriptor = descriptor
    bytes.reserveCapacity(Self.chunk * 2)
  }

  /// Writes what is buffered to the file.
  mutating func finish() {
    guard let descriptor, !bytes.isEmpty else { return }
    if !failed { failed = !Self.writeAll(bytes, to: descriptor) }
    bytes.removeAll(keepingCapacity: true)
  }

  private mutating func spill() {
    if descriptor != nil && bytes.count >= Self.chunk { finish() }
  }

  static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          return false
        }
        offset += n
      }
      return true
    }
  }

  public mutating func put(_ n: Int64) {
    withUnsafeBytes(of: n.littleEndian) { bytes.append(contentsOf: $0) }
  }
  public mutating func put(_ n: Int) { put(Int64(n)) }
  public mutating func put(_ b: Bool) { bytes.append(b ? 1 : 0) }
  public mutating func put(_ d: Double) { put(Int64(bitPattern: d.bitPattern)) }
  public mutating func put(_ date: Date) { put(date.timeIntervalSinceReferenceDate) }
  public mutating func put(_ s: String) {
    var s = s
    s.withUTF8 { utf8 in
      put(utf8.count)
      bytes.append(contentsOf: utf8)
    }
    spill()
  }
  /// Bytes as they are, without a length.
  public mutating func put(raw: [UInt8]) {
    bytes.append(contentsOf: raw)
    spill()
  }
  public mutating func put(raw: ArraySlice<UInt8>) {
    bytes.append(contentsOf: raw)
    spill()
  }
  public mutating func put(_ s: String?) {
    put(s != nil)
    if let s { put(s) }
  }
  public mutating func put(_ list: [String]) {
    put(list.count)
    for s in list { put(s) }
  }
}

/// Reads what `ByteWriter` wrote; every read checks bounds and throws on anything unexpected, so a
/// damaged cache is noticed and ignored, never trusted.
public struct ByteReader {
  public struct Damaged: Error {
    public init() {}
  }

  let bytes: [UInt8]
  var offset = 0
  /// Where the bytes to read end.
  let end: Int

  public init(_ bytes: [UInt8]) {
    self.bytes = bytes
    end = bytes.count
  }

  /// A reader of `bytes[range]` alone (sharing their storage).
  public init(_ bytes: [UInt8], range: Range<Int>) {
    self.bytes = bytes
    offset = range.lowerBound
    end = range.upperBound
  }

  public var atEnd: Bool { offset == end }

  /// Skips the next `n` bytes (as read by `count()`, never past the end).
  public mutating func skip(_ n: Int) throws {
    guard n >= 0, n <= end - offset else { throw Damaged() }
    offset += n
  }
  /// How many bytes have been read.
  public var position: Int { offset }

  /// The bytes read since `start` (a `position`), sharing the storage of all of them.
  public func bytes(since start: Int) -> ArraySlice<UInt8> { bytes[start..<offset] }

  public mutating func int64() throws -> Int64 {
    guard end - offset >= 8 else { throw Damaged() }
    // One load rather than eight checked byte reads: caches hold tens of thousands of numbers.
    let n = bytes.withUnsafeBytes { raw in
      UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    offset += 8
    return Int64(bitPattern: n)
  }
  public mutating func int() throws -> Int {
    let n = try int64()
    guard let i = Int(exactly: n) else { throw Damaged() }
    return i
  }
  /// A count of things that follow, which can never exceed the bytes left.
  public mutating func count() throws -> Int {
    let n = try int()
    guard n >= 0, n <= end - offset else { throw Damaged() }
    return n
  }
  public mutating func bool() throws -> Bool {
    guard offset < end, bytes[offset] <= 1 else { throw Damaged() }
    defer { offset += 1 }
    return bytes[offset] == 1
  }
  public mutating func double() throws -> Double { Double(bitPattern: UInt64(bitPattern: try int64())) }
  public mutating func date() throws -> Date { Date(timeIntervalSinceReferenceDate: try double()) }
  public mutating func string() throws -> String {
    let n = try count()
    defer { offset += n }
    return try bytes.withUnsafeBufferPointer { buffer in
      guard let s = String(validUTF8: UnsafeBufferPointer(rebasing: buffer[offset..<offset + n])) else {
        throw Damaged()
      }
      return s
    }
  }
  public mutating func optionalString() throws -> String? { try bool() ? try string() : nil }
  public mutating func strings() throws -> [String] {
    let n = try count()
    return try (0..<n).map { _ in try string() }
  }
}

extension String {
  /// The text `bytes` encode, or nil when they are not valid UTF-8: what `String(validating:as:)`
  /// answers. That initialiser looked up generic metadata on every call, which for the short
  /// strings of a cache cost four times the validation itself; decoding (which repairs) and then
  /// looking for a replacement character gives the same answer.
  public init?(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
    var decoded = String(decoding: bytes, as: UTF8.self)
    // A repair writes U+FFFD (EF BF BD). Without the byte 0xEF in the result there was none; with
    // it (a repair, or a character from U+F000 to U+FFFF in the bytes) the slow check decides.
    let mayBeRepaired = decoded.withUTF8 { utf8 in
      utf8.baseAddress.map { memchr($0, 0xEF, utf8.count) != nil } ?? false
    }
    if mayBeRepaired {
      guard let valid = String(validating: bytes, as: UTF8.self) else { return nil }
      decoded = valid
    }
    self = decoded
  }
}
