import Foundation

/// Work started on a thread of its own at once; `wait()` blocks until it is done and returns it.
public final class BackgroundResult<T: Sendable>: @unchecked Sendable {
  private var value: T?
  private let done = DispatchSemaphore(value: 0)

  public init(_ work: @escaping @Sendable () -> T) {
    let thread = Thread { [self] in
      value = work()
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
  }

  @discardableResult public func wait() -> T {
    done.wait()
    return value!
  }
}
