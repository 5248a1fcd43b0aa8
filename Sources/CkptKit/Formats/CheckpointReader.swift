/// A checkpoint being read: its tensors (names, shapes, dtypes) up front, values on demand in
/// pieces, so memory stays bounded by a piece, not the file.
public protocol CheckpointReader: AnyObject {
    /// The file read.
    var path: String { get }
    /// The file's format.
    var format: CheckpointFormat { get }
    /// Every tensor, in file order.
    var tensors: [StoredTensor] { get }
    /// The model's Keras 3 JSON text, when the file carries it.
    var modelConfig: String? { get }
    /// Why the model config the file carries cannot be used (malformed JSON, not an object,
    /// invalid UTF-8), when it has one that is broken; `modelConfig` is then nil.
    var modelConfigError: String? { get }
    /// The recipe JSON text, when ckpt wrote the file.
    var recipe: String? { get }
    /// Other format-level metadata (attributes, `__metadata__` entries), for `ckpt inspect`.
    var metadata: [(key: String, value: String)] { get }
    /// Opens a tensor for reading its values front to back into buffers the caller owns, so
    /// that a few reused buffers serve a whole checkpoint (``RingReader``).
    func open(_ tensor: StoredTensor) throws -> TensorByteReader
    /// Checks what only the whole file can show, after its tensors were read (a `.keras`
    /// archive's weights member, read in place, against its CRC-32); nothing for most formats.
    func verify() throws
    /// For a format keyed by position (legacy `.h5`): its layers with weights, in order, each
    /// with the indices of its tensors; empty for the other formats.
    var weightedLegacyLayers: [LegacyLayer] { get }
    /// For a checkpoint read from a model folder (a Hugging Face folder): the folder's small
    /// files a converted folder carries on (`config.json`, `generation_config.json`); empty otherwise.
    var folderFiles: [FolderFile] { get }
}

extension CheckpointReader {
    public func verify() throws {}

    public var weightedLegacyLayers: [LegacyLayer] { [] }

    public var modelConfigError: String? { nil }

    public var folderFiles: [FolderFile] { [] }

    /// Reads a tensor's values as native little-endian C-order bytes, in pieces of whole rows
    /// (first-axis slices) of at most `maximumPieceBytes` when a row fits in it, through one
    /// buffer of that size.
    public func read(_ tensor: StoredTensor, maximumPieceBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let source = try open(tensor)
        let pieces = TensorPieces(tensor.info, maximumPieceBytes: maximumPieceBytes)
        if pieces.totalBytes > 0 {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: pieces.pieceBytes, alignment: 64)
            defer { buffer.deallocate() }
            for range in pieces {
                let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<range.count])
                try source.read(into: piece)
                try body(UnsafeRawBufferPointer(piece))
            }
        }
        try source.finish()
    }
}

/// A tensor found in a file.
public struct StoredTensor: Sendable, Hashable {
    /// The tensor's name in this file: the canonical name where the format has one (npz member,
    /// safetensors key), otherwise its path in the file (`layers/dense/vars/0`, `dense/dense/kernel:0`).
    public var info: TensorInfo
    /// Where it is in the file (HDF5 dataset path, zip member, safetensors key).
    public var location: String

    /// Creates a stored tensor.
    public init(info: TensorInfo, location: String) {
        self.info = info
        self.location = location
    }

    /// The tensor's name.
    public var name: String { info.name }
}
