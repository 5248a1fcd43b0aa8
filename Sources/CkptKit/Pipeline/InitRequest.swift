/// Everything `ckpt init` needs: which model, where to write, and how to initialize.
public struct InitRequest: Sendable {
    /// The model architecture file (Keras model JSON).
    public var specPath: String
    /// The checkpoint to write.
    public var outputPath: String
    /// The output format; nil to infer it from `outputPath`.
    public var format: CheckpointFormat?
    /// The global seed.
    public var seed: UInt64
    /// How the file is written (overwrite, compression, weights only, shards, dialect, recipe,
    /// direct I/O), passed whole to the writer.
    public var writerOptions: WriterOptions
    /// Asked between tensor pieces; once it returns true the run stops with a `CancellationError`
    /// and the writer removes its temporary files.
    public var isCancelled: (@Sendable () -> Bool)? = nil
    /// Threads generating values: 1 (the default) generates on the calling thread only; more
    /// add helper threads that fill pieces of ~1M elements into a bounded pool of buffers
    /// (3 per thread), which the calling thread writes in order. The bytes are the same for
    /// every thread count.
    public var threads: Int = 1
    /// Elements per generated piece (tests use small pieces; nil: `TensorGenerator.pieceElements`).
    var pieceElements: Int? = nil
    /// Told the byte count of every tensor piece handed to the writer (for progress displays).
    public var onBytes: (@Sendable (Int) -> Void)? = nil
    /// Called once before any value is written, with the number of bytes of values to write
    /// (for a progress display).
    public var onStart: (@Sendable (Int) -> Void)? = nil

    /// Plan choices (respect the config's initializers, dtype).
    public var planOptions: PlanOptions

    /// Creates a request.
    public init(
        specPath: String, outputPath: String, format: CheckpointFormat? = nil, seed: UInt64 = 0,
        writerOptions: WriterOptions = WriterOptions(), planOptions: PlanOptions = PlanOptions()
    ) {
        self.specPath = specPath
        self.outputPath = outputPath
        self.format = format
        self.seed = seed
        self.writerOptions = writerOptions
        self.planOptions = planOptions
    }
}

/// What `ckpt init` did.
public struct InitResult: Sendable {
    /// The plan that was written.
    public var plan: Plan
    /// The written file and its format.
    public var outputPath: String
    public var format: CheckpointFormat
    /// The size of the written file in bytes.
    public var fileSize: Int
    /// Every file written: the output, or its shard files and then the index.
    public var files: [String]
    /// How many shard files the whole checkpoint has (1 when it is one file); with
    /// `--only-shards` this part wrote only some of them.
    public var shardCount: Int = 1

    /// What was written, for the one line `ckpt init` prints: the file, or the index and how
    /// many of the shards (a sharded output has no file at `outputPath`).
    public var writtenDescription: String {
        guard files != [outputPath], let index = files.last, index.hasSuffix(".index.json") else { return outputPath }
        // The shard files (a Hugging Face folder also lists its config files).
        let shardFiles = files.dropLast().filter { $0.hasSuffix(".safetensors") }
        let shards = shardFiles.count
        if shards == shardCount { return "\(index) and its \(shards) shard\(shards == 1 ? "" : "s")" }
        let names = shardFiles.map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(separator: ", ")
        return "\(shards) of the \(shardCount) shards (\(names)) and the index \(index)"
    }
}
