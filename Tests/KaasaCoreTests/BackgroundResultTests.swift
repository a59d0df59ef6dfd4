import Foundation
import Testing

@testable import KaasaCore

@Suite("work in the background")
struct BackgroundResultTests {
  /// A build that renders again after a failed update waits a second time for what it read in the
  /// background (the previous build's lists): the second wait must return, not block for ever.
  @Test func aResultCanBeWaitedForAgainAndFromSeveralThreads() {
    let result = BackgroundResult { (1...1000).reduce(0, +) }
    let finished = DispatchGroup()
    let values = ValuesSeen()
    for _ in 0..<3 {
      DispatchQueue.global().async(group: finished) {
        values.add(result.wait())
        values.add(result.wait())
      }
    }
    #expect(finished.wait(timeout: .now() + 10) == .success)
    #expect(values.all == Array(repeating: 500_500, count: 6))
  }
}

private final class ValuesSeen: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [Int] = []
  func add(_ value: Int) { lock.withLock { values.append(value) } }
  var all: [Int] { lock.withLock { values } }
}
