/// An error reading or writing a safetensors file or its sharded index.
///
/// The description is one line naming the file, the tensor or key, and what was wrong.
public struct SafetensorsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Kind: Sendable, Hashable {
        /// The file could not be opened, read or written.
        case io
        /// The 8-byte header size or the JSON header is malformed, or describes data that is not there.
        case invalidHeader
        /// A `.safetensors.index.json` is malformed or does not match its shards.
        case invalidIndex
        /// The tensor's element type is one ckpt does not read or write.
        case unsupportedDType
        /// The API was used against its contract (wrong byte count, unknown tensor, call order).
        case usage
    }

    /// What kind of problem this is.
    public var kind: Kind
    /// The file's path.
    public var path: String
    /// The tensor or header key the problem is in, if any.
    public var key: String?
    /// What was wrong.
    public var reason: String

    /// Creates an error.
    public init(_ kind: Kind, path: String, key: String? = nil, reason: String) {
        self.kind = kind
        self.path = path
        self.key = key
        self.reason = reason
    }

    /// `<path>: tensor '<key>': <reason>` on one line.
    public var description: String {
        let text: String
        if let key {
            text = "\(path): \(key == SafetensorsHeader.metadataKey ? "" : "tensor ")'\(key)': \(reason)"
        } else {
            text = "\(path): \(reason)"
        }
        // Names and reasons can carry file content; keep the message on one line.
        return ErrorText.oneLine(text)
    }
}

extension SafetensorsError {
    /// Wraps a file system error, keeping its operation and reason.
    init(_ error: FileIOError, key: String? = nil) {
        self.init(.io, path: error.path, key: key, reason: "\(error.operation) failed: \(error.reason)")
    }

    /// Wraps an output preparation error (existing file, missing folder).
    init(_ error: OutputError) {
        self.init(.io, path: error.path, reason: error.message)
    }
}
