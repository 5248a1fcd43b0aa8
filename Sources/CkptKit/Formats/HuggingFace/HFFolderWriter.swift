import Foundation

/// Writes a Hugging Face model folder as transformers' `save_pretrained` does: the tensors as
/// `model.safetensors`, or as `model-0000k-of-0000N.safetensors` shards with
/// `model.safetensors.index.json` (``SafetensorsWriter``, cut at `WriterOptions.maxShardBytes`,
/// default ``defaultMaxShardBytes``), then the layout's folder files (`config.json`,
/// `generation_config.json`).
///
/// Every file is atomic (a temporary beside it, renamed in `finish()`); the weights are renamed
/// first and `config.json` last, so a folder that has a `config.json` from this run is complete.
/// A folder this writer created is removed again by `abort()`. An existing folder is refused
/// unless `overwrite` (or `onlyShards`, whose parts share one folder); with `overwrite`, weight
/// files of an earlier checkpoint that this one does not write are removed after the commit, so
/// no loader picks up stale shards.
final class HFFolderWriter: CheckpointWriter {
    /// huggingface_hub's `MAX_SHARD_SIZE` ("5GB", huggingface_hub/serialization/_base.py, 2.5.0;
    /// "5GB" is 5·10⁹ bytes there). transformers 5's `save_pretrained` passes 50GB instead.
    static let defaultMaxShardBytes = 5_000_000_000
    /// The weights file's name (transformers' `SAFE_WEIGHTS_NAME`).
    static let weightsName = "model.safetensors"
    /// The index's name (`SAFE_WEIGHTS_INDEX_NAME`).
    static let indexName = "model.safetensors.index.json"

    let folder: String
    private let weights: SafetensorsWriter
    private var files: [(atomic: AtomicOutput, bytes: [UInt8])] = []
    private let createdFolder: Bool
    private let removesStale: Bool
    private var done = false

    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        let folder = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        self.folder = folder
        guard layout.folderFiles.contains(where: { $0.name == "config.json" }) else {
            throw OutputError(path: folder, "a Hugging Face folder is made from a Hugging Face config.json: ckpt init config.json -o DIR, or ckpt convert from a model folder or with --spec config.json; this model has none")
        }
        // transformers refuses safetensors files whose metadata format is not pt/tf/flax/mlx.
        var layout = layout
        if !layout.headerMetadata.contains(where: { $0.key == "format" }) {
            layout.headerMetadata.insert(("format", "pt"), at: 0)
        }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory)
        if exists {
            guard isDirectory.boolValue else { throw OutputError(path: folder, "a file is in the way of the output folder") }
            guard options.overwrite || options.onlyShards != nil || options.indexOnly else {
                throw OutputError(path: folder, "the folder exists; pass --force to write the model into it")
            }
            createdFolder = false
        } else {
            if mkdir(folder, 0o755) == 0 {
                createdFolder = true
            } else if errno == EEXIST {
                createdFolder = false
            } else {
                throw OutputError(path: folder, "cannot create the folder: \(String(cString: strerror(errno)))")
            }
        }
        removesStale = exists && options.overwrite && options.onlyShards == nil && !options.indexOnly
        do {
            let shardOptions = options.with(\.maxShardBytes, options.maxShardBytes ?? Self.defaultMaxShardBytes)
            weights = try SafetensorsWriter(path: folder + "/" + Self.weightsName, layout: layout, options: shardOptions)
            // Every part of an --only-shards run writes the same small files.
            for file in layout.folderFiles {
                let atomic = try AtomicOutput(path: folder + "/" + file.name, overwrite: options.overwrite || options.onlyShards != nil || options.indexOnly)
                files.append((atomic, file.bytes))
            }
        } catch {
            for file in files { file.atomic.discard() }
            if createdFolder { rmdir(folder) }
            throw error
        }
    }

    deinit { abort() }

    func beginTensor(_ tensor: LayoutTensor) throws { try weights.beginTensor(tensor) }
    func append(_ bytes: UnsafeRawBufferPointer) throws { try weights.append(bytes) }
    func endTensor() throws { try weights.endTensor() }
    func wantsTensor(at index: Int) -> Bool { weights.wantsTensor(at: index) }
    var shardCount: Int? { weights.shardCount }

    var writtenFiles: [String]? {
        let tensors = weights.writtenFiles ?? []
        // The main file last: the index, or the single weights file.
        return Array(tensors.dropLast()) + files.map(\.atomic.targetPath) + tensors.suffix(1)
    }

    func finish() throws {
        do {
            try weights.finish()
            for file in files {
                let handle = try OutputFile(path: file.atomic.temporaryPath, mode: .exclusive)
                try handle.write(file.bytes)
                try handle.close()
                try file.atomic.commit()
            }
        } catch {
            abort()
            throw error
        }
        done = true
        if removesStale { removeStaleWeights() }
    }

    func abort() {
        guard !done else { return }
        done = true
        weights.abort()
        for file in files { file.atomic.discard() }
        if createdFolder { rmdir(folder) }  // only when empty: nothing of another writer is removed
    }

    /// Removes `model.safetensors`, shards and an index of an earlier checkpoint that this one did not write.
    private func removeStaleWeights() {
        let written = Set((weights.writtenFiles ?? []).map { ($0 as NSString).lastPathComponent })
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where !written.contains(name) && Self.isWeightsFileName(name) {
            unlink(folder + "/" + name)
        }
    }

    /// `model.safetensors`, `model.safetensors.index.json` or `model-00001-of-00002.safetensors`.
    static func isWeightsFileName(_ name: String) -> Bool {
        if name == weightsName || name == indexName { return true }
        guard name.hasPrefix("model-"), name.hasSuffix(".safetensors") else { return false }
        let middle = name.dropFirst("model-".count).dropLast(".safetensors".count)
        let parts = middle.split(separator: "-")
        return parts.count == 3 && parts[1] == "of" && parts[0].allSatisfy(\.isNumber) && parts[2].allSatisfy(\.isNumber)
    }

    /// The small files of the folder at `path` that a converted folder carries on, as they are:
    /// `generation_config.json` (when there is one) and `config.json` (last, as the writer
    /// writes it last).
    static func folderFiles(inFolder path: String) throws -> [FolderFile] {
        var files: [FolderFile] = []
        for name in ["generation_config.json", "config.json"] {
            let file = path + "/" + name
            guard FileManager.default.fileExists(atPath: file) else { continue }
            if let problem = InputFile.problem(at: file) { throw CheckpointError(path: file, problem) }
            do {
                files.append(FolderFile(name: name, bytes: try InputFile.contents(of: file)))
            } catch {
                throw CheckpointError(path: file, "cannot read the file: \(error.reason)")
            }
        }
        return files
    }

    /// The file to read a Hugging Face folder through: its index when sharded, else its
    /// `model.safetensors`; nil when `path` is not a folder with either.
    static func weightsFile(inFolder path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        for name in [indexName, weightsName] where FileManager.default.fileExists(atPath: path + "/" + name) {
            return path + "/" + name
        }
        return nil
    }
}
