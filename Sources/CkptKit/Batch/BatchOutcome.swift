/// What became of one output of a batch, as a progress display shows it (the report's record
/// holds more: docs/batch.md).
public struct BatchOutcome: Sendable {
    /// What happened.
    public enum Status: String, Sendable {
        /// Written (and checksummed).
        case ok
        /// Not written; `error` says why.
        case failed
        /// Left as it was: `--resume` found it finished and unchanged.
        case skipped
    }

    /// What happened.
    public var status: Status
    /// The output path as planned (the key `--resume` matches on).
    public var output: String
    /// The file written: the output, or for a sharded safetensors output its index.
    public var path: String?
    /// The format's name (`npz`).
    public var format: String
    /// Bytes on disk, every file of the output together.
    public var bytes: Int?
    /// Seconds spent on the output.
    public var duration: Double
    /// Why it failed.
    public var error: String?
}
