/// Reads the tensors of an HDF5 checkpoint: a Keras 3 `.weights.h5`, a legacy Keras `.h5` (full
/// model or weights only, from Keras 3 or tf.keras), or any h5py file of numeric datasets.
///
/// The layout is detected from the file, not its name (docs/formats/keras-hdf5.md, "Reading HDF5
/// checkpoints"):
/// - legacy, weights only: a root attribute `layer_names` (or its chunks `layer_names0`, …);
/// - legacy, full model: a root group `model_weights` (with `model_config` at the root);
/// - Keras 3: a root group `layers` (or tf-keras 2.13's `_layer_checkpoint_dependencies`) whose
///   datasets are all `…/vars/<i>`;
/// - anything else: plain HDF5.
///
/// Opening walks the whole file once (`HDF5CheckpointTree`) and checks every tensor before any
/// value is read: soft and external links, data stored in other files, and datasets that
/// declare far more bytes than they store are refused, as Keras refuses them. Every structural
/// error is a ``KerasFormatError`` naming the file and the object.
///
/// Tensor names:
/// - Keras 3 and plain HDF5: the dataset path without the leading slash (`layers/dense/vars/0`).
/// - Legacy: the layer group's name, then the weight name without a `:0` suffix; the layer's
///   name is not repeated when every weight name of the group already starts with it. Group
///   `dense`, weights `dense/kernel:0`, `dense/bias:0` → `dense/kernel`, `dense/bias`; group
///   `head`, weight `head_dense1/kernel` → `head/head_dense1/kernel`. These are ckpt's canonical
///   names in the usual cases, and unique: every name starts with its group's name, and within a
///   group the weight names are unique (`:0` is kept in a group where stripping it would make
///   two names equal).
///
/// Legacy files are matched to a model by position, never by name: `legacyLayers` gives the
/// layers in `layer_names` order with their tensors, `legacyLocations` where each tensor is.
public final class HDF5CheckpointReader: CheckpointReader {
    /// The default of ``maximumExpandedBytes``: 16 GiB.
    public static let defaultMaximumExpandedBytes = 16 << 30

    /// The decompression-bomb guard: the most bytes a file's compressed or partly written
    /// datasets may expand to, in total (`--max-decompressed`).
    ///
    /// A dataset counts when it is filtered (gzip) or stores fewer bytes than it declares (chunks
    /// never written read as the fill value): a 1.4 KB file can declare a 4 GiB dataset. ckpt
    /// bounds the work such a file causes, not its compression ratio: memory is one band of
    /// decoded chunks (``HDF5ChunkedRows``), time is proportional to the bytes produced, and
    /// those are at most this many. Datasets whose bytes are all in the file do not count.
    /// The `ckpt` executable sets it from `--max-decompressed`, and passes it to the HDF5 probe.
    public static var maximumExpandedBytes: Int {
        get { expansionLimit.withLock { $0 } }
        set { expansionLimit.withLock { $0 = newValue } }
    }

    private static let expansionLimit = LockedValue<Int>(defaultMaximumExpandedBytes)

    /// The file read.
    public let path: String
    /// `.kerasWeights`, `.legacyH5` or `.hdf5`, from the file's content.
    public let format: CheckpointFormat
    /// Every tensor, in the order described above.
    public let tensors: [StoredTensor]
    /// The root `model_config` text of a full-model legacy file, as stored.
    public let modelConfig: String?
    /// ckpt's recipe (root attribute `ckpt_recipe` or its pieces), when ckpt wrote the file.
    public let recipe: String?
    /// Root attributes as text (but `model_config` and `layer_names`), then notes on what was
    /// left out (`optimizer`, `optimizer_weights`, `ignored`, `skipped`).
    public let metadata: [(key: String, value: String)]

    /// For legacy files, where each tensor is, parallel to `tensors` (the weight name as stored,
    /// `:0` included; `trainable` is unknown and given as true). Empty for other formats.
    public let legacyLocations: [LegacyLocation]
    /// For legacy files, every layer of `layer_names` in order, weightless ones included.
    public let legacyLayers: [LegacyLayer]

    private let file: HDF5File
    /// Tensor index by dataset path.
    private let indexByLocation: [String: Int]

    /// Opens the file at `path` and finds its tensors.
    ///
    /// When an ``HDF5Sandbox`` is configured (`HDF5Sandbox.current`, as the `ckpt` executable
    /// does), a child process reads the file's structure first, and a file that crashes or
    /// hangs libhdf5 there is refused without being opened in this process.
    ///
    /// With `embedding`, the HDF5 file is the part of the file at `path` that it gives (a stored
    /// `.keras` member), read in place (``HDF5EmbeddedDriver``).
    public convenience init(path: String, embedding: HDF5Embedding? = nil) throws {
        try HDF5Sandbox.current?.check(path: path, embedding: embedding)
        try self.init(unsandboxedPath: path, embedding: embedding)
    }

    /// Opens the file at `path` in this process, without the sandbox (the probe itself, and
    /// files this process has just written).
    init(unsandboxedPath path: String, embedding: HDF5Embedding? = nil) throws {
        let file = try HDF5File.open(atPath: path, embedding: embedding)
        let tree = try HDF5CheckpointTree(file)
        let contents = try HDF5CheckpointContents(file: file, tree: tree)
        self.path = path
        self.file = file
        format = contents.format
        tensors = contents.tensors
        modelConfig = contents.modelConfig
        recipe = contents.recipe
        metadata = contents.metadata
        legacyLocations = contents.legacyLocations
        legacyLayers = contents.legacyLayers
        indexByLocation = Dictionary(
            contents.tensors.enumerated().map { ($1.location, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Where `tensor` is in a legacy file, or nil (other formats, or not this file's tensor).
    public func legacyLocation(of tensor: StoredTensor) -> LegacyLocation? {
        guard !legacyLocations.isEmpty, let index = indexByLocation[tensor.location], tensors[index] == tensor else {
            return nil
        }
        return legacyLocations[index]
    }

    /// The layers of `legacyLayers` that hold weights, in order: the k-th one goes to the model's
    /// k-th layer with weights.
    public var weightedLegacyLayers: [LegacyLayer] { legacyLayers.filter(\.hasWeights) }

    /// Opens `tensor`'s dataset for reading whole rows front to back, by hyperslab.
    public func open(_ tensor: StoredTensor) throws -> TensorByteReader {
        guard let index = indexByLocation[tensor.location], tensors[index] == tensor else {
            throw KerasFormatError(.usage, path: path, object: "tensor '\(tensor.name)'", reason: "not a tensor of this file")
        }
        let info = tensor.info
        let dataset = try file.root.openDataset(tensor.location)
        guard dataset.shape == info.shape, try dataset.dtype == info.dtype else {
            throw KerasFormatError(.usage, path: path, object: "dataset '\(tensor.location)'", reason: "changed since the file was opened")
        }
        return try DatasetRows(dataset: dataset, info: info, path: path)
    }

    /// A dataset read by rows along its first axis (a scalar: whole).
    ///
    /// ckpt reads the values of chunked and contiguous datasets itself (``HDF5ChunkedRows``,
    /// ``HDF5ContiguousRows``): `H5Dread` of a file whose layout lies overflows libhdf5's buffers,
    /// and the HDF5 probe reads only the structure. A compact dataset's values (at most 64 KiB,
    /// in its object header, which the probe read) go through `H5Dread` once their stored size
    /// is checked to be exactly the dataset's.
    private final class DatasetRows: TensorByteReader {
        enum Source {
            case chunks(HDF5ChunkedRows)
            case contiguous(HDF5ContiguousRows)
            case compact
            case empty
        }

        let dataset: HDF5Dataset
        let info: TensorInfo
        let path: String
        let rowBytes: Int
        var rowsRead = 0
        let source: Source

        init(dataset: HDF5Dataset, info: TensorInfo, path: String) throws {
            (self.dataset, self.info, self.path) = (dataset, info, path)
            rowBytes = TensorPieces.rowBytes(info)
            guard dataset.unsupportedFilters.isEmpty else {
                throw KerasFormatError(.unsupportedType, path: path, object: "dataset '\(dataset.path)'",
                                       reason: HDF5CheckpointContents.unsupportedFilterReason(dataset.unsupportedFilters))
            }
            if info.elementCount == 0 {
                source = .empty
            } else if dataset.isChunked {
                source = .chunks(try HDF5ChunkedRows(dataset, dtype: info.dtype))
            } else if dataset.isCompact {
                let bytes = info.elementCount * info.dtype.byteSize
                guard dataset.storageSize == bytes else {
                    throw KerasFormatError(.malformedFile, path: path, object: "dataset '\(dataset.path)'",
                                           reason: "its compact layout stores \(dataset.storageSize) bytes for \(bytes) bytes of values")
                }
                source = .compact
            } else {
                source = .contiguous(try HDF5ContiguousRows(dataset, dtype: info.dtype))
            }
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws {
            guard !buffer.isEmpty else { return }
            guard rowBytes > 0, buffer.count % rowBytes == 0 else {
                throw KerasFormatError(.usage, path: path, object: "dataset '\(dataset.path)'",
                                       reason: "\(buffer.count) bytes are not whole rows of \(rowBytes) bytes")
            }
            let rows = info.shape.isEmpty ? 1 : buffer.count / rowBytes
            switch source {
            case .chunks(let chunks):
                try chunks.read(into: buffer, firstRow: rowsRead)
            case .contiguous(let contiguous):
                try contiguous.read(into: buffer, firstRow: rowsRead)
            case .compact:
                if info.shape.isEmpty {
                    try dataset.read(into: buffer)
                } else {
                    try dataset.read(into: buffer, firstAxisOffset: rowsRead, firstAxisCount: rows)
                }
            case .empty:
                break
            }
            rowsRead += rows
        }

        func finish() throws {}
    }
}

/// A layer listed in a legacy `.h5` file's `layer_names`, with the tensors its group holds.
public struct LegacyLayer: Sendable, Hashable {
    /// The layer's name (its group's name).
    public var name: String
    /// Indices into the reader's `tensors` of the layer's weights, in `weight_names` order;
    /// empty for a weightless layer (which Keras' loader skips).
    public var tensorIndices: Range<Int>

    /// Creates a layer entry.
    public init(name: String, tensorIndices: Range<Int>) {
        self.name = name
        self.tensorIndices = tensorIndices
    }

    /// Whether the layer has weights (only those take part in Keras' positional matching).
    public var hasWeights: Bool { !tensorIndices.isEmpty }
}
