import Foundation

/// The temporary files this process has open, so a signal that ends it can remove them first.
///
/// ``AtomicOutput`` registers its temporary file until it is committed or discarded; so does
/// the `.keras` reader's extracted weights. The `ckpt` executable calls ``removeTemporaries()``
/// before it exits on SIGINT, SIGTERM or SIGHUP when no cooperative stop is under way.
public enum Interruption {
    private static let paths = LockedValue<Set<String>>([])

    /// Records a temporary file to remove if the process is interrupted.
    public static func register(_ path: String) {
        paths.withLock { _ = $0.insert(path) }
    }

    /// Forgets a temporary file (committed, or removed by its owner).
    public static func unregister(_ path: String) {
        paths.withLock { _ = $0.remove(path) }
    }

    /// Removes every registered temporary file; returns how many there were.
    @discardableResult
    public static func removeTemporaries() -> Int {
        let all = paths.withLock { current -> Set<String> in
            let all = current
            current.removeAll()
            return all
        }
        for path in all { unlink(path) }
        return all.count
    }
}
