import Foundation

/// Work started on a thread of its own at once; `wait()` blocks until it is done and returns it.
public final class BackgroundResult<T: Sendable>: @unchecked Sendable {
  private var value: T?
  private let done = DispatchSemaphore(value: 0)

  /// With `yielding`, the work gives way to the other threads of the process where both want a
  /// core (a cache written for the next build while this one goes on).
  public init(yielding: Bool = false, _ work: @escaping @Sendable () -> T) {
    let thread = Thread { [self] in
      if yielding { Self.lowerPriority() }
      value = work()
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
  }

  private static func lowerPriority() {
    #if os(Linux)
      // On Linux the nice value belongs to the thread, and 0 names the calling one.
      _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
    #endif
  }

  /// The value, once worked out; any number of times, from any thread.
  @discardableResult public func wait() -> T {
    done.wait()
    // Signalled again for the next wait: a render done again waits for what it waited for before.
    done.signal()
    return value!
  }
}

/// Values a one-shot command leaves for the end of the process rather than freeing: the system
/// takes a process's memory back at once, where freeing a large site's plans and caches object by
/// object took a tenth of a second or more. Never for a long-running process.
public enum ExitBin {
  /// Only ever appended to, under the lock; nothing is read back.
  private final class Items: @unchecked Sendable {
    let lock = NSLock()
    var values: [Any] = []
  }
  private static let items = Items()

  public static func keep(_ value: Any) {
    items.lock.withLock { items.values.append(value) }
  }
}

/// Values a long-running process lets go of on another thread, a moment after the work that made
/// them has returned: after a rebuild of a large site, freeing what it held object by object was a
/// twentieth of the rebuild, and nobody waits for it.
public enum ReleaseLater {
  private final class Box: @unchecked Sendable {
    let value: Any
    init(_ value: Any) { self.value = value }
  }

  public static func release(_ value: Any) {
    let box = Box(value)
    DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .milliseconds(250)) {
      withExtendedLifetime(box) {}
    }
  }
}
