/// An error converting, comparing or opening checkpoints: which file, and what does not fit.
public struct CheckpointError: LocatedError {
    /// The file concerned.
    public var path: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var location: String { path }
}
