/// Writes a Keras 3 `.weights.h5` file: one contiguous dataset per variable at
/// `layers/<key>/vars/<i>`, and the recipe as a root attribute (`RecipeAttribute`), which Keras
/// ignores (docs/formats/keras-weights.md, "What `model.load_weights` checks"). With direct I/O,
/// the values of large datasets after their first row bypass libhdf5 (``HDF5DirectValues``); the
/// file's bytes are the same.
final class KerasWeightsWriter: CheckpointWriter {
    private let output: AtomicOutput
    private var file: HDF5File?
    private var dataset: HDF5Dataset?
    private var current: TensorInfo?
    private var rowsWritten = 0
    private var directValues: HDF5DirectValues?
    /// Whether the current dataset's values go to `directValues`.
    private var bypassing = false

    /// Writes to a temporary file beside `path`; `finish` moves it into place. `directIO`
    /// decides (``DirectIO``, for a file of `expectedSize` bytes) whether large datasets' values
    /// are written with `O_DIRECT`.
    convenience init(path: String, overwrite: Bool, recipe: String? = nil, directIO: DirectIO = .never, expectedSize: Int? = nil) throws {
        let output = try AtomicOutput(path: path, overwrite: overwrite, named: true)
        let file = try HDF5File.create(atPath: output.temporaryPath)
        let directValues: HDF5DirectValues?
        do {
            if let recipe { try RecipeAttribute.write(recipe, on: file.root) }
            directValues = try expectedSize.flatMap {
                try HDF5DirectValues.open(path: output.temporaryPath, expectedSize: $0, directIO: directIO)
            }
        } catch {
            try? file.close()
            output.discard()
            throw error
        }
        self.init(output: output, file: file, directValues: directValues)
    }

    /// Writes straight to `path` (a temporary file someone else owns).
    convenience init(unmanagedPath path: String) throws {
        self.init(output: AtomicOutput(unmanagedPath: path), file: try HDF5File.create(atPath: path), directValues: nil)
    }

    /// Writes `file`, just created at `output`'s temporary path (or inside another file, as in
    /// a `.keras` archive), large datasets' values through `directValues` when given.
    init(output: AtomicOutput, file: HDF5File, directValues: HDF5DirectValues?) {
        self.output = output
        self.file = file
        self.directValues = directValues
    }

    func beginTensor(_ tensor: LayoutTensor) throws {
        guard let file else { throw OutputError(path: output.targetPath, "the writer is closed") }
        guard let kerasPath = tensor.kerasPath else {
            throw OutputError(path: output.targetPath, "tensor \(tensor.info.name) has no Keras path; a .weights.h5 file needs the model's structure (pass --spec)")
        }
        let info = tensor.info
        let created = try file.root.createDataset(kerasPath, dtype: info.dtype, shape: info.shape)
        if info.dtype == .bfloat16 {
            // Keras stores bfloat16 as 2-byte opaque data tagged with this attribute (saving_lib H5IOStore).
            try created.setAttribute("dtype", string: "bfloat16")
        }
        dataset = created
        current = info
        rowsWritten = 0
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let dataset, let info = current else {
            throw OutputError(path: output.targetPath, "\(bytes.count) bytes arrived with no tensor begun")
        }
        guard !bytes.isEmpty else { return }
        if info.shape.isEmpty {
            try dataset.write(bytes)
            rowsWritten = 1
            return
        }
        let rowBytes = TensorPieces.rowBytes(info)
        let rows = rowBytes == 0 ? 0 : bytes.count / rowBytes
        guard rows > 0, rows * rowBytes == bytes.count else {
            throw OutputError(path: output.targetPath, "tensor \(info.name): \(bytes.count) bytes are not whole rows of \(rowBytes) bytes")
        }
        if !bypassing, rowsWritten == 0, rows > 1, directValues != nil, info.byteCount >= HDF5DirectValues.minimumBytes {
            // Only the first row through libhdf5, which allocates the dataset's storage; the rest
            // bypasses it.
            try append(UnsafeRawBufferPointer(rebasing: bytes[0 ..< rowBytes]))
            try append(UnsafeRawBufferPointer(rebasing: bytes[rowBytes ..< rows * rowBytes]))
            return
        }
        if bypassing, let directValues {
            guard rows <= info.shape[0] - rowsWritten else {
                throw OutputError(path: output.targetPath, "tensor \(info.name): \(rowsWritten + rows) rows arrived; it has \(info.shape[0])")
            }
            try directValues.write(UnsafeRawBufferPointer(rebasing: bytes[0 ..< rows * rowBytes]))
            rowsWritten += rows
            return
        }
        try dataset.write(bytes, firstAxisOffset: rowsWritten, firstAxisCount: rows)
        rowsWritten += rows
        if let directValues, rowsWritten < info.shape[0], info.byteCount >= HDF5DirectValues.minimumBytes {
            bypassing = try directValues.start(dataset, after: rowsWritten * rowBytes)
        }
    }

    func endTensor() throws {
        dataset = nil
        current = nil
        bypassing = false
    }

    func finish() throws {
        // The values first: libhdf5 may cut the file to its own idea of the end when closing.
        try directValues?.close()
        directValues = nil
        try file?.close()
        file = nil
        try output.commit()
    }

    func abort() {
        directValues?.abandon()
        directValues = nil
        try? file?.close()
        file = nil
        output.discard()
    }
}
