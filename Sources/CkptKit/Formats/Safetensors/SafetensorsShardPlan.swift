/// How a checkpoint's tensors are spread over safetensors files: one file at the target path, or
/// Hugging Face shards `<stem>-00001-of-0000N.safetensors` beside it plus `<stem>.safetensors.index.json`.
///
/// The split is Hugging Face's (`split_state_dict_into_shards_factory` in huggingface_hub's
/// `serialization/_base.py`, the rule transformers' `save_pretrained` uses): walk the tensors in
/// order; a tensor larger than the limit gets a shard of its own, appended at once while the
/// current shard stays open; a tensor that would take the current shard past the limit closes
/// it first; a tensor never splits. Shards are numbered in the order they are closed, so an
/// oversized tensor's shard can come before the shard of tensors written ahead of it.
struct SafetensorsShardPlan: Sendable, Hashable {
    /// One output file.
    struct File: Sendable, Hashable {
        /// The file's name (no folder).
        var name: String
        /// Indices into the layout's tensors, in layout order.
        var tensors: [Int]
    }

    /// The files, in shard-number order (one file when not sharded).
    var files: [File]
    /// For each tensor of the layout, the index of its file in `files`.
    var fileOfTensor: [Int]
    /// The index file's name when sharded, nil for a single file at the target path.
    var indexName: String?

    /// Whether the checkpoint is written as shards plus an index.
    var isSharded: Bool { indexName != nil }

    /// The name of each tensor's file, in layout order.
    var fileNames: [String] { fileOfTensor.map { files[$0].name } }

    /// The suffix of a single file.
    static let fileSuffix = ".safetensors"
    /// The suffix of a sharded checkpoint's index (transformers' `SAFE_WEIGHTS_INDEX_NAME` pattern).
    static let indexSuffix = ".safetensors.index.json"

    /// Plans the files for tensors of `sizes` bytes written to `targetName` (a file name).
    ///
    /// Without a limit everything goes to one file. With one, the checkpoint is sharded when the
    /// split makes more than one shard (Hugging Face writes a single shard as a plain file), or
    /// always when `targetName` itself ends in `.safetensors.index.json`.
    static func make(sizes: [Int], maxShardBytes: Int?, targetName: String) -> SafetensorsShardPlan {
        let groups = maxShardBytes.map { split(sizes: sizes, maxShardBytes: $0) } ?? [Array(sizes.indices)]
        let namesIndex = targetName.hasSuffix(indexSuffix)
        guard namesIndex || groups.count > 1 else {
            return SafetensorsShardPlan(files: [File(name: targetName, tensors: Array(sizes.indices))],
                                        fileOfTensor: Array(repeating: 0, count: sizes.count), indexName: nil)
        }
        let stem = Self.stem(of: targetName)
        let count = groups.count
        var fileOfTensor = Array(repeating: 0, count: sizes.count)
        var files: [File] = []
        for (number, group) in groups.enumerated() {
            for tensor in group { fileOfTensor[tensor] = number }
            files.append(File(name: "\(stem)-\(fiveDigits(number + 1))-of-\(fiveDigits(count))\(fileSuffix)", tensors: group))
        }
        return SafetensorsShardPlan(files: files, fileOfTensor: fileOfTensor, indexName: stem + indexSuffix)
    }

    /// Hugging Face's greedy split: groups of tensor indices, each in layout order, in shard order.
    static func split(sizes: [Int], maxShardBytes: Int) -> [[Int]] {
        var shards: [[Int]] = []
        var current: [Int] = []
        var currentSize = 0
        for (index, size) in sizes.enumerated() {
            if size > maxShardBytes {
                shards.append([index])
                continue
            }
            if currentSize + size > maxShardBytes {
                shards.append(current)
                current = []
                currentSize = 0
            }
            current.append(index)
            currentSize += size
        }
        if !current.isEmpty { shards.append(current) }
        return shards
    }

    /// The target name without `.safetensors.index.json` or `.safetensors` (`model.safetensors` → `model`).
    static func stem(of name: String) -> String {
        for suffix in [indexSuffix, fileSuffix] where name.hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    /// `number` with at least five digits (Python's `{:05d}`).
    private static func fiveDigits(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}
