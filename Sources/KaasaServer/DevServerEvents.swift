import Synchronization

/// Tells every open page's event stream the generation of each finished build.
final class DevReloadEvents: Sendable {
  private struct State {
    var nextID = 0
    var subscribers: [Int: AsyncStream<Int>.Continuation] = [:]
    var finished = false
  }

  private let state = Mutex(State())

  /// A stream of build generations; it ends when the server stops or `end(_:)` is called.
  func subscribe() -> (id: Int, stream: AsyncStream<Int>) {
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    let id = state.withLock { s -> Int? in
      if s.finished { return nil }
      s.nextID += 1
      s.subscribers[s.nextID] = continuation
      return s.nextID
    }
    guard let id else {
      continuation.finish()
      return (0, stream)
    }
    return (id, stream)
  }

  func publish(_ generation: Int) {
    for c in state.withLock({ Array($0.subscribers.values) }) { c.yield(generation) }
  }

  func end(_ id: Int) {
    state.withLock { $0.subscribers.removeValue(forKey: id) }?.finish()
  }

  var subscriberCount: Int { state.withLock { $0.subscribers.count } }

  /// Ends every stream, so no request keeps the server from shutting down.
  func finish() {
    let all = state.withLock { s in
      s.finished = true
      defer { s.subscribers = [:] }
      return Array(s.subscribers.values)
    }
    for c in all { c.finish() }
  }
}
