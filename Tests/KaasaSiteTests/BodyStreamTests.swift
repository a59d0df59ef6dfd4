import Foundation
import Synchronization
import Testing

@testable import KaasaSite

@Suite("plan bodies made ahead of the pages")
struct BodyStreamTests {
  /// Waits up to five seconds for `condition`, for a thread that is expected to get there.
  func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<500 {
      if condition() { return true }
      usleep(10_000)
    }
    return condition()
  }

  @Test func everyValueReachesItsTakerOnAnyThread() {
    let stream = BodyStream(count: 2_000, ahead: 16) { n in "body \(n)" }
    let taken = Mutex<[String?]>(Array(repeating: nil, count: 2_000))
    DispatchQueue.concurrentPerform(iterations: 2_000) { n in
      let value = stream.take(n)
      taken.withLock { $0[n] = value }
    }
    #expect(taken.withLock { $0 } == (0..<2_000).map { "body \($0)" })
  }

  /// The point of the stream: values not taken yet are few, whatever the count.
  @Test func theMakerWaitsWhileAsManyAsAheadAreNotTaken() {
    let made = Atomic<Int>(0)
    let stream = BodyStream(count: 1_000, ahead: 8) { n in
      made.add(1, ordering: .sequentiallyConsistent)
      return n
    }
    #expect(eventually { made.load(ordering: .sequentiallyConsistent) == 8 })
    usleep(100_000)
    #expect(made.load(ordering: .sequentiallyConsistent) == 8)
    #expect(stream.take(0) == 0 && stream.take(1) == 1)
    #expect(eventually { made.load(ordering: .sequentiallyConsistent) == 10 })
    // A build that stops early ends the making.
    stream.stop()
    _ = stream.take(2)
    usleep(100_000)
    #expect(made.load(ordering: .sequentiallyConsistent) == 10)
  }
}
