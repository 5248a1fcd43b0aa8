/// Writes a checkpoint as `.npz`: one `.npy` member per tensor, keyed by canonical name.
final class NPZCheckpointWriter: CheckpointWriter {
    /// zlib level for `--compress`: numpy's `savez_compressed` uses 6 as well.
    static let deflateLevel = 6

    /// The member that holds the recipe: a 1-D uint8 array of its UTF-8 JSON, after the tensors
    /// (`bytes(np.load(f)["__ckpt_recipe__"]).decode()`).
    static let recipeMember = "__ckpt_recipe__"

    private let output: AtomicOutput
    private let writer: NPZWriter
    private let recipe: [UInt8]?

    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        output = try AtomicOutput(path: path, overwrite: options.overwrite)
        var members = layout.tensors.map(\.info)
        recipe = layout.recipe.map { Array($0.utf8) }
        if let recipe {
            members.append(TensorInfo(name: Self.recipeMember, shape: [recipe.count], dtype: .uint8))
        }
        do {
            writer = try NPZWriter(path: output.temporaryPath, tensors: members,
                                   compression: options.compress ? .deflated(level: Self.deflateLevel) : .stored,
                                   directIO: options.directIO)
        } catch {
            output.discard()
            throw error
        }
    }

    func beginTensor(_ tensor: LayoutTensor) throws {
        try writer.beginTensor(tensor.info)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try writer.append(bytes)
    }

    func endTensor() throws {
        try writer.endTensor()
    }

    func finish() throws {
        if let recipe {
            try writer.beginTensor(TensorInfo(name: Self.recipeMember, shape: [recipe.count], dtype: .uint8))
            try recipe.withUnsafeBytes { try writer.append($0) }
            try writer.endTensor()
        }
        try writer.finish()
        try output.commit()
    }

    func abort() {
        output.discard()
    }
}
