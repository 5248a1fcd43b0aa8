/// Reads an `.npz` as a checkpoint: each `.npy` member is a tensor named by its key.
final class NPZCheckpointReader: CheckpointReader {
    let path: String
    let tensors: [StoredTensor]
    private let reader: NPZReader

    init(path: String) throws {
        self.path = path
        reader = try NPZReader(path: path)
        tensors = reader.tensors.map { StoredTensor(info: $0, location: $0.name + ".npy") }
    }

    var format: CheckpointFormat { .npz }
    var modelConfig: String? { nil }
    var recipe: String? { nil }
    var metadata: [(key: String, value: String)] { [] }

    func read(_ tensor: StoredTensor, maximumPieceBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let info = tensor.info
        let rowBytes = max(1, info.shape.dropFirst().reduce(1, *) * info.dtype.byteSize)
        let piece = max(rowBytes, maximumPieceBytes / rowBytes * rowBytes)
        // readChunks hands out pieces of up to `piece` bytes; regroup them into whole rows.
        var pending: [UInt8] = []
        try reader.readChunks(named: info.name, maximumChunkBytes: piece) { chunk in
            if pending.isEmpty && chunk.count % rowBytes == 0 {
                try body(chunk)
                return
            }
            pending.append(contentsOf: chunk)
            let whole = pending.count / rowBytes * rowBytes
            if whole > 0 {
                try pending.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<whole])) }
                pending.removeFirst(whole)
            }
        }
        if !pending.isEmpty {
            try pending.withUnsafeBytes { try body($0) }
        }
    }
}
