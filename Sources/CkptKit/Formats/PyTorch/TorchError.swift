/// An error reading or writing a PyTorch checkpoint (`torch.save` zip or legacy file, a
/// `pytorch_model.bin.index.json`), or a pickle that ckpt refuses to interpret.
///
/// The description is one line naming the file, where in it (the tensor, the zip member, the
/// offset in `data.pkl`), and what was wrong.
public struct TorchError: LocatedError, Hashable {
    /// What kind of problem this is.
    public enum Kind: Sendable, Hashable {
        /// The file could not be opened, read or written.
        case io
        /// The container (zip members, legacy magic and storage records) is malformed.
        case corrupt
        /// The pickle is malformed or truncated.
        case invalidPickle
        /// The pickle names a global or uses an opcode outside ckpt's allow-list: refused, not run.
        case refused
        /// Well-formed, but something ckpt does not read (a dtype, a non-contiguous view).
        case unsupported
        /// The API was used against its contract (wrong byte count, unknown tensor).
        case usage
    }

    /// What kind of problem this is.
    public var kind: Kind
    /// The file's path.
    public var path: String
    /// Where in the file: `tensor 'fc.weight'`, `data.pkl offset 27`, a member name; nil for the file.
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

extension TorchError {
    /// Wraps a file system error, keeping its operation and reason.
    init(_ error: FileIOError, place: String? = nil) {
        self.init(.io, path: error.path, place: place, reason: "\(error.operation) failed: \(error.reason)")
    }
}
