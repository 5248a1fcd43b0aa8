// The registry entry of Hugging Face model folders (``FormatRegistry``).

extension HFFolderWriter {
    static let descriptor = FormatDescriptor(
        format: .huggingFace,
        summary: "a Hugging Face model folder as `save_pretrained` writes it (config.json, model.safetensors or shards and index), from a Hugging Face config.json",
        extensions: [], keying: .name, shards: true,
        writer: { request in try HFFolderWriter(path: request.path, layout: request.layout, options: request.options) },
        plannedFiles: { path, layout, options in
            let weights = SafetensorsWriter.descriptor.files(
                at: path + "/" + weightsName, layout: layout,
                options: options.with(\.maxShardBytes, options.maxShardBytes ?? defaultMaxShardBytes))
            let side = layout.folderFiles.map { path + "/" + $0.name }
            let bytes = weights.valueBytes.map { Array($0.dropLast()) + side.map { _ in 0 } + $0.suffix(1) }
            return PlannedFiles(paths: Array(weights.paths.dropLast()) + side + weights.paths.suffix(1), valueBytes: bytes)
        },
        shardIndex: { path in path + "/" + indexName })
}
