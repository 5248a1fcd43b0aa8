#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file system operation: which file, what was being done, and why.
public struct FileIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path of the file.
    public var path: String
    /// The operation that failed (`open`, `write`, `read 128 bytes at offset 0`, …).
    public var operation: String
    /// The `errno` value, when the failure came from the operating system.
    public var code: Int32?
    /// Why it failed, in words (`strerror` text for system errors).
    public var reason: String

    /// Creates an error from its parts.
    public init(path: String, operation: String, code: Int32?, reason: String) {
        self.path = path
        self.operation = operation
        self.code = code
        self.reason = reason
    }

    /// A one-line message: `<path>: <operation> failed: <reason>`.
    public var description: String { "\(path): \(operation) failed: \(reason)" }

    /// An error for `errno` value `code`, with the system's text for it.
    init(path: String, operation: String, errno code: Int32) {
        let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        self.init(path: path, operation: operation, code: code, reason: text)
    }
}

/// The one funnel from a POSIX return value to a thrown ``FileIOError``.
///
/// `body` returns -1 and sets `errno` on failure (the POSIX convention); calls interrupted by a
/// signal are retried unless `retryOnInterrupt` is false (`close` must not be retried on Linux).
@inline(__always)
func valueOrErrno<Value: FixedWidthInteger>(
    path: String,
    _ operation: @autoclosure () -> String,
    retryOnInterrupt: Bool = true,
    _ body: () -> Value
) throws(FileIOError) -> Value {
    while true {
        let value = body()
        if value != -1 { return value }
        let code = errno
        if code == EINTR && retryOnInterrupt { continue }
        throw FileIOError(path: path, operation: operation(), errno: code)
    }
}
