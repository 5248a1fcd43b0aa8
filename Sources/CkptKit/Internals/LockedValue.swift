import Foundation

/// A value behind a lock: the one lock helper for state shared between threads (process-wide
/// settings, registries, counters). Code that also waits for a condition uses `NSCondition`
/// with the same `withLock` shape.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, holding the lock.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// The current value (a copy, read under the lock).
    var current: Value { withLock { $0 } }
}
