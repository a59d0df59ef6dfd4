import Foundation

/// At most `limit` posts per minute from one client address, as a token bucket per address.
///
/// Addresses live only in memory, only while their bucket is not full again, and are never written anywhere.
public final class RateLimiter: Sendable {
  private struct Bucket {
    var tokens: Double
    var updated: ContinuousClock.Instant
  }

  private struct State {
    var buckets: [String: Bucket] = [:]
    var lastSweep: ContinuousClock.Instant
  }

  /// Posts allowed per minute and address; 0 turns the limit off.
  public let limit: Int
  private let state: Locked<State>

  public init(perMinute limit: Int) {
    self.limit = max(0, limit)
    state = Locked(State(lastSweep: .now))
  }

  /// Takes one post from the address's allowance; nil when allowed, else the seconds until it may try again.
  public func take(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
    guard limit > 0 else { return nil }
    let capacity = Double(limit)
    let perSecond = capacity / 60
    return state.withLock { s in
      if now - s.lastSweep > .seconds(60) {
        sweep(&s, now: now, capacity: capacity, perSecond: perSecond)
      }
      var bucket = s.buckets[address] ?? Bucket(tokens: capacity, updated: now)
      let elapsed =
        Double((now - bucket.updated).components.seconds)
        + Double((now - bucket.updated).components.attoseconds) / 1e18
      bucket.tokens = min(capacity, bucket.tokens + max(0, elapsed) * perSecond)
      bucket.updated = now
      if bucket.tokens >= 1 {
        bucket.tokens -= 1
        s.buckets[address] = bucket
        return nil
      }
      s.buckets[address] = bucket
      return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
    }
  }

  /// How many addresses are remembered now.
  public var trackedAddresses: Int { state.withLock { $0.buckets.count } }

  private func sweep(_ s: inout State, now: ContinuousClock.Instant, capacity: Double, perSecond: Double) {
    s.lastSweep = now
    s.buckets = s.buckets.filter { _, bucket in
      let elapsed = Double((now - bucket.updated).components.seconds)
      return bucket.tokens + elapsed * perSecond < capacity
    }
  }
}
