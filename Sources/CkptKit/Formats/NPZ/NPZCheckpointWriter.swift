/// Writes a checkpoint as `.npz`: one `.npy` member per tensor, keyed by canonical name.
final class NPZCheckpointWriter: CheckpointWriter {
    /// zlib level for `--compress`: numpy's `savez_compressed` uses 6 as well.
    static let deflateLevel = 6

    private let output: AtomicOutput
    private let writer: NPZWriter

    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        output = try AtomicOutput(path: path, overwrite: options.overwrite)
        writer = try NPZWriter(path: output.temporaryPath, tensors: layout.tensors.map(\.info),
                               compression: options.compress ? .deflated(level: Self.deflateLevel) : .stored)
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
