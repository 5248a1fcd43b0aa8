/// Reads an `.npz` as a checkpoint: each `.npy` member is a tensor named by its key. ckpt's
/// recipe is the archive comment (``NPZRecipe``), or, in files of older versions, the member
/// `__ckpt_recipe__` (a 1-D uint8 array of UTF-8 JSON), which is then not a tensor.
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
        if let fromComment = NPZRecipe.recipe(fromComment: reader.comment) {
            recipe = fromComment
        } else if let member = reader.tensors.first(where: isRecipe) {
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

    func open(_ tensor: StoredTensor) throws -> TensorByteReader {
        try reader.openTensor(named: tensor.info.name)
    }
}
