/// Writes a checkpoint as `.npz`: one `.npy` member per tensor, keyed by canonical name.
final class NPZCheckpointWriter: CheckpointWriter {
    /// zlib level for `--compress`: numpy's `savez_compressed` uses 6 as well.
    static let deflateLevel = 6

    /// The member older ckpt versions kept the recipe in (a 1-D uint8 array of its UTF-8 JSON);
    /// the recipe is now the archive comment (``NPZRecipe``), which `np.load` does not list.
    static let recipeMember = "__ckpt_recipe__"

    private let output: AtomicOutput
    private let writer: NPZWriter

    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        output = try AtomicOutput(path: path, overwrite: options.overwrite)
        let members = layout.tensors.map(\.info)
        do {
            writer = try NPZWriter(path: output.temporaryPath, tensors: members,
                                   compression: options.compress ? .deflated(level: Self.deflateLevel) : .stored,
                                   directIO: options.directIO)
        } catch {
            output.discard()
            throw error
        }
        if let recipe = layout.recipe { writer.comment = NPZRecipe.comment(for: recipe) }
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
        try writer.finish()
        try output.commit()
    }

    func abort() {
        output.discard()
    }
}
