import Foundation

/// Writes a Keras 3 `.keras` archive: a stored zip of `metadata.json`, `config.json` (the model's
/// Keras 3 JSON) and `model.weights.h5` (the `.weights.h5` layout), in the order Keras writes them
/// (keras-formats.md §2). `keras.models.load_model` loads it.
///
/// libhdf5 cannot write into a zip stream, so the weights go to a temporary HDF5 file beside the
/// target first and are then copied into the archive.
final class KerasArchiveWriter: CheckpointWriter {
    /// The Keras version recorded in `metadata.json` (Keras never reads it; keras-formats.md §2.2).
    static let kerasVersion = "3.15.1"

    private let output: AtomicOutput
    private let weightsPath: String
    private let weights: KerasWeightsWriter
    private let config: String
    private let recipe: String?

    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        guard let config = layout.modelConfig else {
            throw OutputError(path: path, "a .keras archive needs the model's JSON (config.json); pass --spec")
        }
        output = try AtomicOutput(path: path, overwrite: options.overwrite)
        weightsPath = output.temporaryPath + ".weights.h5"
        weights = try KerasWeightsWriter(unmanagedPath: weightsPath)
        self.config = config
        self.recipe = layout.recipe
    }

    func beginTensor(_ tensor: LayoutTensor) throws { try weights.beginTensor(tensor) }
    func append(_ bytes: UnsafeRawBufferPointer) throws { try weights.append(bytes) }
    func endTensor() throws { try weights.endTensor() }

    func finish() throws {
        try weights.finish()
        defer { unlink(weightsPath) }
        let file = try OutputFile(path: output.temporaryPath, mode: .truncate)
        let zip = ZipWriter(file: file)
        // metadata.json has no date, so the same inputs give the same bytes.
        var metadata = JSONObject()
        metadata["keras_version"] = .string(Self.kerasVersion)
        metadata["ckpt_version"] = .string(CkptVersion.current)
        if let recipe, let parsed = try? JSONParser.parse(recipe) { metadata["ckpt_recipe"] = parsed }
        try addEntry(zip, name: "metadata.json", bytes: Array(JSONWriter.string(.object(metadata), style: .python).utf8))
        try addEntry(zip, name: "config.json", bytes: Array(config.utf8))
        let source = try InputFile(path: weightsPath)
        defer { source.close() }
        try zip.beginEntry(name: "model.weights.h5", method: .stored, uncompressedSize: source.size, mayExceed4GiB: source.size >= Int(UInt32.max))
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { chunk.deallocate() }
        var position = 0
        while position < source.size {
            let count = min(chunk.count, source.size - position)
            let piece = UnsafeMutableRawBufferPointer(rebasing: chunk[0..<count])
            try source.read(into: piece, at: position)
            try zip.append(UnsafeRawBufferPointer(piece))
            position += count
        }
        try zip.endEntry()
        try zip.finish()
        try file.sync()
        try file.close()
        try output.commit()
    }

    func abort() {
        weights.abort()
        unlink(weightsPath)
        output.discard()
    }

    private func addEntry(_ zip: ZipWriter, name: String, bytes: [UInt8]) throws {
        try zip.beginEntry(name: name, method: .stored, uncompressedSize: bytes.count)
        try bytes.withUnsafeBytes { try zip.append($0) }
        try zip.endEntry()
    }
}
