/// An error reading or writing a GGUF file (llama.cpp's format, ggml's docs/gguf.md).
///
/// The description is one line naming the file, where in it (the tensor, the metadata key, the
/// byte offset), and what was wrong.
public struct GGUFError: LocatedError, Hashable {
    /// What kind of problem this is.
    public enum Kind: Sendable, Hashable {
        /// The file could not be opened, read or written.
        case io
        /// The file is not GGUF, or its header is malformed or truncated.
        case corrupt
        /// Well-formed, but something ckpt does not read or write (a version, a ggml type, a family).
        case unsupported
        /// The API was used against its contract.
        case usage
    }

    /// What kind of problem this is.
    public var kind: Kind
    /// The file's path.
    public var path: String
    /// Where in the file: `tensor 'blk.0.attn_q.weight'`, `metadata key 'general.name'`, `offset 24`; nil for the file.
    public var place: String?
    /// What was wrong.
    public var reason: String

    /// Creates an error.
    public init(_ kind: Kind, path: String, place: String? = nil, reason: String) {
        self.kind = kind
        self.path = path
        self.place = place
        self.reason = reason
    }

    public var location: String { place.map { "\(path): \($0)" } ?? path }
    public var message: String { reason }
}

extension GGUFError {
    /// Wraps a file system error, keeping its operation and reason.
    init(_ error: FileIOError, place: String? = nil) {
        self.init(.io, path: error.path, place: place, reason: "\(error.operation) failed: \(error.reason)")
    }
}
