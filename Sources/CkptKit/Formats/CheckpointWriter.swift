/// A checkpoint writer: accepts tensors one at a time, each in one or more pieces, so that a
/// tensor never has to be in memory whole.
///
/// A writer is created with the whole layout (so it can lay out headers and directories up
/// front) and the target path; it writes to temporary files beside the target and moves them
/// into place only in `finish()`. If `finish()` is never reached (an error, a signal), `abort()`
/// or deinit removes every temporary file and nothing is left at the target.
///
/// For every tensor of the layout, in order, the caller calls `beginTensor`, then `append` with
/// the tensor's raw little-endian C-order bytes in the tensor's dtype, in pieces that are whole
/// rows along the first axis, then `endTensor`; after the last tensor, `finish`.
public protocol CheckpointWriter: AnyObject {
    /// Starts the next tensor of the layout.
    func beginTensor(_ tensor: LayoutTensor) throws
    /// Appends whole rows of the current tensor.
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Ends the current tensor (its byte count must be complete).
    func endTensor() throws
    /// Completes the file(s) and moves them into place atomically.
    func finish() throws
    /// Removes any temporary file; safe to call more than once, and after `finish`.
    func abort()
    /// Whether the writer takes tensor `index` of the layout. Every writer takes every tensor,
    /// except a safetensors writer told to write only some shard files
    /// (`WriterOptions.onlyShards`): the caller skips the others (no `beginTensor`).
    func wantsTensor(at index: Int) -> Bool
    /// The files written (when finished), the main one last, when they are not just the path
    /// asked for: a sharded safetensors output's shards and index.
    var writtenFiles: [String]? { get }
    /// How many shard files the whole checkpoint has, for a format that shards.
    var shardCount: Int? { get }
}

extension CheckpointWriter {
    public func wantsTensor(at index: Int) -> Bool { true }
    public var writtenFiles: [String]? { nil }
    public var shardCount: Int? { nil }
}

/// Options every writer understands.
public struct WriterOptions: Sendable {
    /// Replace existing output files.
    public var overwrite: Bool
    /// Deflate `.npz` members.
    public var compress: Bool
    /// For legacy `.h5`: write only the weights (tf.keras `save_weights` layout) instead of the full model.
    public var weightsOnly: Bool
    /// For safetensors: the largest shard in bytes (nil: one file).
    public var maxShardBytes: Int?
    /// For sharded safetensors: write only the shard files of this part (shard file *j*, from 1,
    /// when `(j − 1) mod N == K − 1`) and the index, so several machines write one checkpoint.
    public var onlyShards: ShardSelection?
    /// For sharded safetensors: write only the index (and a Hugging Face folder's small files),
    /// no shard file, as every `onlyShards` part would (`ckpt init --index-only`).
    public var indexOnly = false
    /// For safetensors and `.npz`: whether to write with `O_DIRECT` (``DirectIO``; by default
    /// for large files on disk file systems, `CKPT_DIRECT_IO` overriding). Same bytes either way.
    public var directIO: DirectIO
    /// For full legacy `.h5`: the dialect of the embedded model config (``KerasDialect``); nil
    /// for the model's own.
    public var kerasDialect: KerasDialect?
    /// For GGUF: store 2-D weight matrices quantized (`--quantize q8_0`); 1-D tensors stay F32.
    public var quantize: Quantization?
    /// Whether to embed ckpt's recipe (`--no-recipe` turns it off: a bare file).
    public var writesRecipe = true
    /// For `.keras`: build the weights member in place (tests turn it off to compare with the
    /// copy through a temporary file).
    var kerasWeightsInPlace = true

    /// A copy with one option changed.
    public func with<Value>(_ key: WritableKeyPath<WriterOptions, Value>, _ value: Value) -> WriterOptions {
        var copy = self
        copy[keyPath: key] = value
        return copy
    }

    /// Creates options.
    public init(overwrite: Bool = false, compress: Bool = false, weightsOnly: Bool = false, maxShardBytes: Int? = nil,
                onlyShards: ShardSelection? = nil, directIO: DirectIO = .automatic, kerasDialect: KerasDialect? = nil) {
        self.directIO = directIO
        self.kerasDialect = kerasDialect
        self.overwrite = overwrite
        self.compress = compress
        self.weightsOnly = weightsOnly
        self.maxShardBytes = maxShardBytes
        self.onlyShards = onlyShards
    }
}
