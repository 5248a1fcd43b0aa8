import Foundation

/// A value behind a lock: the one lock helper for state shared between threads (process-wide
/// settings, registries, counters, progress, a batch run's tallies and report). State that
/// threads also wait on is a ``ConditionValue``.
///
/// The value may be a non-`Sendable` type (a report file's handle): it is touched only inside
/// `withLock`, so what a `body` returns must not be a reference into it.
public final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// Wraps `value`.
    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, holding the lock.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// The current value (a copy, read under the lock).
    public var current: Value { withLock { $0 } }
}

/// State shared between a producer and a consumer thread, behind one condition lock: every
/// change through ``update(_:)`` wakes the waiters, and ``wait(until:then:)`` sleeps until the
/// state is ready. The rings of the pipeline (``RingReader``, ``ParallelGeneration``), the
/// direct-I/O writer and the zip member check keep their shared state in one.
///
/// `Value` may hold buffers (unsafe pointers), so this is not limited to `Sendable` values: the
/// owner decides which thread touches what a pointer points to; the lock covers the state.
final class ConditionValue<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` holding the lock, without waking anyone.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer { condition.unlock() }
        return try body(&value)
    }

    /// Runs `body` holding the lock, then wakes every waiter.
    func update<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }

    /// Waits until `ready` holds, then runs `body` holding the lock (without waking anyone;
    /// a `body` that frees something others wait for uses ``update(_:)`` after).
    func wait<Result>(until ready: (Value) -> Bool, then body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer { condition.unlock() }
        while !ready(value) { condition.wait() }
        return try body(&value)
    }

    /// Waits until `ready` holds, then runs `body` holding the lock and wakes every waiter.
    func waitAndUpdate<Result>(until ready: (Value) -> Bool, then body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !ready(value) { condition.wait() }
        return try body(&value)
    }
}
