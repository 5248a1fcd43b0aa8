/// Reads an `.npz` as a checkpoint: each `.npy` member is a tensor named by its key, except
/// ckpt's recipe member (`__ckpt_recipe__`, a 1-D uint8 array of UTF-8 JSON).
final class NPZCheckpointReader: CheckpointReader {
    let path: String
    let tensors: [StoredTensor]
    let recipe: String?
    private let reader: NPZReader

    /// The largest recipe member read (a recipe lists every tensor; 64 MiB is far beyond any model).
    static let recipeLimit = 64 << 20

    init(path: String) throws {
        self.path = path
        reader = try NPZReader(path: path)
        let isRecipe = { (info: TensorInfo) in
            info.name == NPZCheckpointWriter.recipeMember && info.dtype == .uint8 && info.shape.count == 1
                && info.shape[0] <= NPZCheckpointReader.recipeLimit
        }
        tensors = reader.tensors.filter { !isRecipe($0) }.map { StoredTensor(info: $0, location: $0.name + ".npy") }
        if let member = reader.tensors.first(where: isRecipe) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(member.shape[0])
            try reader.readChunks(named: member.name, maximumChunkBytes: 1 << 20) { bytes.append(contentsOf: $0) }
            recipe = String(validating: bytes, as: UTF8.self)
        } else {
            recipe = nil
        }
    }

    var format: CheckpointFormat { .npz }
    var modelConfig: String? { nil }
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
