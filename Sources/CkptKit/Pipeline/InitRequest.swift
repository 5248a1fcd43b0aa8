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
    /// Deflate npz members.
    public var compress: Bool
    /// Replace an existing output file.
    public var overwrite: Bool
    /// Legacy `.h5`: weights only instead of the full model.
    public var weightsOnly: Bool = false
    /// Full legacy `.h5`: the dialect of the embedded model config (nil: the model's own).
    public var kerasDialect: KerasDialect? = nil
    /// Whether to embed ckpt's recipe (`--no-recipe`).
    public var writesRecipe = true
    /// safetensors: the largest shard in bytes (nil: one file).
    public var maxShardBytes: Int? = nil
    /// Sharded safetensors: write only these shard files and the index; only their tensors are generated.
    public var onlyShards: ShardSelection? = nil
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
    /// Whether to write with `O_DIRECT` (tests force both ways; `CKPT_DIRECT_IO` is process-wide).
    var directIO: DirectIO = .automatic
    /// Told the byte count of every tensor piece handed to the writer (for progress displays).
    public var onBytes: (@Sendable (Int) -> Void)? = nil
    /// Called once before any value is written, with the number of bytes of values to write
    /// (for a progress display).
    public var onStart: (@Sendable (Int) -> Void)? = nil

    /// The writer options this request asks for.
    var writerOptions: WriterOptions {
        WriterOptions(overwrite: overwrite, compress: compress, weightsOnly: weightsOnly, maxShardBytes: maxShardBytes,
                      onlyShards: onlyShards, directIO: directIO, kerasDialect: kerasDialect)
            .with(\.writesRecipe, writesRecipe)
    }
    /// Plan choices (respect the config's initializers, dtype).
    public var planOptions: PlanOptions

    /// Creates a request.
    public init(
        specPath: String, outputPath: String, format: CheckpointFormat? = nil, seed: UInt64 = 0,
        compress: Bool = false, overwrite: Bool = false, planOptions: PlanOptions = PlanOptions()
    ) {
        self.specPath = specPath
        self.outputPath = outputPath
        self.format = format
        self.seed = seed
        self.compress = compress
        self.overwrite = overwrite
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
        let shards = files.count - 1
        if shards == shardCount { return "\(index) and its \(shards) shard\(shards == 1 ? "" : "s")" }
        let names = files.dropLast().map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(separator: ", ")
        return "\(shards) of the \(shardCount) shards (\(names)) and the index \(index)"
    }
}
