/// Writes a checkpoint as `.npz`: one `.npy` member per tensor, keyed by canonical name.
final class NPZCheckpointWriter: CheckpointWriter {
    /// zlib level for `--compress`: numpy's `savez_compressed` uses 6 as well.
    static let deflateLevel = 6

    private let writer: NPZWriter

    init(path: String, tensors: [TensorInfo], compress: Bool) throws {
        writer = try NPZWriter(path: path, tensors: tensors,
                               compression: compress ? .deflated(level: Self.deflateLevel) : .stored)
    }

    func beginTensor(_ info: TensorInfo, kerasPath: String) throws {
        try writer.beginTensor(info)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try writer.append(bytes)
    }

    func endTensor() throws {
        try writer.endTensor()
    }

    func finish() throws {
        try writer.finish()
    }
}
