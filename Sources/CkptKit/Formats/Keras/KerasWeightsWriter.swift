/// Writes a Keras 3 `.weights.h5` file: one contiguous dataset per variable at
/// `layers/<key>/vars/<i>`, and the recipe as a root attribute (`RecipeAttribute`), which Keras
/// ignores (keras-formats.md §1.6).
final class KerasWeightsWriter: CheckpointWriter {
    private let output: AtomicOutput
    private var file: HDF5File?
    private var dataset: HDF5Dataset?
    private var current: TensorInfo?
    private var rowsWritten = 0

    /// Writes to a temporary file beside `path`; `finish` moves it into place.
    init(path: String, overwrite: Bool, recipe: String? = nil) throws {
        output = try AtomicOutput(path: path, overwrite: overwrite)
        let file = try HDF5File.create(atPath: output.temporaryPath)
        self.file = file
        do {
            if let recipe { try RecipeAttribute.write(recipe, on: file.root) }
        } catch {
            abort()
            throw error
        }
    }

    /// Writes straight to `path` (a temporary file someone else owns, e.g. inside a `.keras` build).
    init(unmanagedPath path: String) throws {
        output = AtomicOutput(unmanagedPath: path)
        file = try HDF5File.create(atPath: path)
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
        guard let dataset, let info = current else { return }
        if info.shape.isEmpty {
            try dataset.write(bytes)
            rowsWritten = 1
            return
        }
        let rowBytes = info.shape.dropFirst().reduce(1, *) * info.dtype.byteSize
        let rows = rowBytes == 0 ? 0 : bytes.count / rowBytes
        guard rows > 0 else { return }
        try dataset.write(bytes, firstAxisOffset: rowsWritten, firstAxisCount: rows)
        rowsWritten += rows
    }

    func endTensor() throws {
        dataset = nil
        current = nil
    }

    func finish() throws {
        try file?.close()
        file = nil
        try output.commit()
    }

    func abort() {
        try? file?.close()
        file = nil
        output.discard()
    }
}
