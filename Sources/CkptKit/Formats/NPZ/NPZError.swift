/// An error reading or writing an npz archive (a zip of `.npy` files).
///
/// The description is one line naming the file, the member or tensor, and what was wrong.
public struct NPZError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Kind: Sendable, Hashable {
        /// The file could not be opened, read or written.
        case io
        /// The zip container is malformed (records, offsets, sizes, checksums).
        case corruptArchive
        /// The archive uses a zip feature ckpt does not read (encryption, other methods, multi-disk).
        case unsupportedArchive
        /// A member name is unsafe or invalid (absolute, `..`, backslash, duplicate).
        case invalidName
        /// An `.npy` header is malformed or describes data that is not present.
        case invalidHeader
        /// The array's element type cannot be stored in or read from npz.
        case unsupportedDType
        /// Stored bytes do not match their checksum.
        case checksumMismatch
        /// The API was used against its contract (wrong byte count, unknown tensor, call order).
        case usage
    }

    /// What kind of problem this is.
    public var kind: Kind
    /// The archive's path.
    public var path: String
    /// The member (`conv1/kernel.npy`) or tensor the problem is in, if any.
    public var member: String?
    /// What was wrong.
    public var reason: String

    /// Creates an error.
    public init(_ kind: Kind, path: String, member: String? = nil, reason: String) {
        self.kind = kind
        self.path = path
        self.member = member
        self.reason = reason
    }

    /// `<path>: member '<member>': <reason>` on one line.
    public var description: String {
        let text: String
        if let member {
            text = "\(path): member '\(member)': \(reason)"
        } else {
            text = "\(path): \(reason)"
        }
        // Names and reasons can carry file content; keep the message on one line.
        return ErrorText.oneLine(text)
    }
}

extension NPZError {
    /// Wraps a file system error, keeping its operation and reason.
    init(_ error: FileIOError, member: String? = nil) {
        self.init(.io, path: error.path, member: member, reason: "\(error.operation) failed: \(error.reason)")
    }
}
