// The registry entry of safetensors (``FormatRegistry``).

extension SafetensorsWriter {
    static let descriptor = FormatDescriptor(
        format: .safetensors, summary: "safetensors, one file or shards with a `.safetensors.index.json` (Hugging Face)",
        extensions: [".safetensors", ".safetensors.index.json"], keying: .name, shards: true,
        writer: { request in try SafetensorsWriter(path: request.path, layout: request.layout, options: request.options) },
        plannedFiles: { path, layout, options in
            let plan = shardPlan(for: layout, path: path, maxShardBytes: options.maxShardBytes)
            guard let indexName = plan.indexName else {
                return PlannedFiles(paths: [path], valueBytes: [layout.tensors.reduce(0) { $0 + $1.info.byteCount }])
            }
            let folder = split(path: path).folder
            var paths: [String] = []
            var bytes: [Int] = []
            for shard in plan.files {
                paths.append(folder + shard.name)
                bytes.append(shard.tensors.reduce(0) { $0 + layout.tensors[$1].info.byteCount })
            }
            return PlannedFiles(paths: paths + [folder + indexName], valueBytes: bytes + [0])
        },
        shardIndex: { path in
            let (folder, name) = SafetensorsWriter.split(path: path)
            return folder + SafetensorsShardPlan.stem(of: name) + SafetensorsShardPlan.indexSuffix
        })
}

extension SafetensorsReader {
    /// A sharded checkpoint's index (by its name: it is JSON).
    static let indexFamily = ReaderFamily(
        name: "safetensors index",
        recognizes: { _, path, _ in path.lowercased().hasSuffix(".index.json") },
        open: { path, _ in try SafetensorsReader(path: path) })

    /// A safetensors file: by its name, or a file whose header its own checks accept.
    static let family = ReaderFamily(
        name: "safetensors",
        recognizes: { head, path, _ in path.lowercased().hasSuffix(".safetensors") || head.count == 8 },
        open: { path, _ in
            if path.lowercased().hasSuffix(".safetensors") { return try SafetensorsReader(path: path) }
            do {
                return try SafetensorsReader(path: path)
            } catch {
                throw CheckpointError(path: path, CheckpointReaders.notACheckpoint)
            }
        })
}
