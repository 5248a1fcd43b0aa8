/// Reads a safetensors checkpoint: one `.safetensors` file, or a sharded one through its
/// `.safetensors.index.json`.
///
/// Opening validates every header completely (``SafetensorsHeader``) and, for an index, that
/// each tensor is in the shard the index names and that no shard holds a tensor the index does
/// not assign to it. Values are read on demand with `pread`, a piece at a time. Every error is a
/// ``SafetensorsError`` naming the file, the tensor or key, and what was wrong.
final class SafetensorsReader: CheckpointReader {
    /// The path opened (a `.safetensors` file or an index).
    let path: String
    /// Every tensor: by data offset for a single file, in `weight_map` order for an index.
    let tensors: [StoredTensor]
    /// The `ckpt_model_config` metadata, when present.
    let modelConfig: String?
    /// The `ckpt_recipe` metadata, when present.
    let recipe: String?
    /// The `__metadata__` pairs in header order (of the first shard, for an index).
    let metadata: [(key: String, value: String)]
    /// Tensor name → Keras 3 `.weights.h5` dataset path, from `ckpt_keras_paths`.
    let kerasPaths: [String: String]
    /// Tensor name → legacy Keras `.h5` location, from `ckpt_legacy`.
    let legacyLocations: [String: LegacyLocation]
    /// The paths of the files holding the data: the file itself, or the shards sorted by name.
    let shardPaths: [String]

    /// The model folder's small files, when the checkpoint was opened as a Hugging Face folder.
    var folderFiles: [FolderFile] = []
    var format: CheckpointFormat { .safetensors }

    private struct Shard {
        let file: InputFile
        let header: SafetensorsHeader
    }

    private let shards: [Shard]
    /// Tensor name → (shard, entry in that shard's header).
    private let places: [String: (shard: Int, entry: Int)]

    /// Opens `path`: a `.safetensors` file, or a `.safetensors.index.json` and every shard it names.
    init(path: String) throws {
        self.path = path
        var shards: [Shard] = []
        var places: [String: (shard: Int, entry: Int)] = [:]
        var tensors: [StoredTensor] = []
        if path.hasSuffix(SafetensorsShardPlan.indexSuffix) {
            let index = try SafetensorsIndex.read(path: path)
            let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
            // Shards in name order, as transformers opens them (`sorted(set(weight_map.values()))`).
            let files = Set(index.weightMap.map(\.file)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            var shardOfFile: [String: Int] = [:]
            var entryOfName: [[String: Int]] = []
            for file in files {
                shardOfFile[file] = shards.count
                let shard = try Self.openShard(folder + file, named: file, index: path)
                entryOfName.append(Dictionary(shard.header.entries.enumerated().map { ($1.info.name, $0) }, uniquingKeysWith: { a, _ in a }))
                shards.append(shard)
            }
            for (name, file) in index.weightMap {
                guard let shard = shardOfFile[file], let entry = entryOfName[shard][name] else {
                    throw SafetensorsError(.invalidIndex, path: path, key: name,
                                           reason: "the index maps it to shard \"\(file)\", which has no such tensor")
                }
                places[name] = (shard, entry)
                tensors.append(StoredTensor(info: shards[shard].header.entries[entry].info, location: "\(file):\(name)"))
            }
            // A tensor in a shard the index does not assign to it would be loaded twice or from the wrong file.
            for (shard, file) in files.enumerated() {
                for entry in shards[shard].header.entries where places[entry.info.name]?.shard != shard {
                    let owner = index.weightMap.first { $0.tensor == entry.info.name }?.file
                    throw SafetensorsError(.invalidIndex, path: path, key: entry.info.name,
                                           reason: "shard \"\(file)\" holds the tensor, but the index "
                                               + (owner.map { "maps it to \"\($0)\"" } ?? "does not list it"))
                }
            }
            shardPaths = files.map { folder + $0 }
        } else {
            let file: InputFile
            do {
                file = try InputFile(path: path)
            } catch {
                throw SafetensorsError(error)
            }
            let header = try SafetensorsHeader.parse(file)
            shards = [Shard(file: file, header: header)]
            for (i, entry) in header.entries.enumerated() {
                places[entry.info.name] = (0, i)
                tensors.append(StoredTensor(info: entry.info, location: entry.info.name))
            }
            shardPaths = [path]
        }
        self.shards = shards
        self.places = places
        self.tensors = tensors

        let metadata = shards.first?.header.metadata ?? []
        self.metadata = metadata
        func value(_ key: String) -> String? { metadata.first { $0.key == key }?.value }
        modelConfig = value(SafetensorsWriter.MetadataKey.modelConfig)
        recipe = value(SafetensorsWriter.MetadataKey.recipe)
        let source = shardPaths.first ?? path
        kerasPaths = try value(SafetensorsWriter.MetadataKey.kerasPaths).map { try Self.parseKerasPaths($0, path: source) } ?? [:]
        legacyLocations = try value(SafetensorsWriter.MetadataKey.legacy).map { try Self.parseLegacy($0, path: source) } ?? [:]
    }

    /// Opens `tensor` for `pread`s of its bytes, front to back.
    func open(_ tensor: StoredTensor) throws -> TensorByteReader {
        guard let place = places[tensor.name], shards[place.shard].header.entries[place.entry].info == tensor.info else {
            throw SafetensorsError(.usage, path: path, key: tensor.name, reason: "no such tensor in this checkpoint")
        }
        let shard = shards[place.shard]
        let entry = shard.header.entries[place.entry]
        return TensorBytes(file: shard.file, start: shard.header.dataStart + entry.begin,
                           count: entry.end - entry.begin, name: tensor.name)
    }

    /// One tensor's bytes: a range of a shard file.
    private final class TensorBytes: TensorByteReader {
        let file: InputFile
        let start: Int
        let count: Int
        let name: String
        var position = 0

        init(file: InputFile, start: Int, count: Int, name: String) {
            (self.file, self.start, self.count, self.name) = (file, start, count, name)
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws {
            guard buffer.count <= count - position else {
                throw SafetensorsError(.usage, path: file.path, key: name,
                                       reason: "asked for \(buffer.count) bytes at \(position) of the tensor's \(count)")
            }
            do {
                try file.read(into: buffer, at: start + position)
            } catch {
                throw SafetensorsError(error, key: name)
            }
            position += buffer.count
        }

        func finish() throws {}
    }

    // MARK: Private

    private static func openShard(_ shardPath: String, named name: String, index: String) throws -> Shard {
        let file: InputFile
        do {
            file = try InputFile(path: shardPath)
        } catch {
            throw SafetensorsError(.invalidIndex, path: index, reason: "cannot open shard \"\(name)\" named by the index: \(error.reason)")
        }
        return Shard(file: file, header: try SafetensorsHeader.parse(file))
    }

    private static func metadataError(_ path: String, _ key: String, _ reason: String) -> SafetensorsError {
        SafetensorsError(.invalidHeader, path: path, key: SafetensorsHeader.metadataKey, reason: "\(key) \(reason)")
    }

    private static func parseObject(_ text: String, key: String, path: String) throws -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw metadataError(path, key, "is not valid JSON: \(error.description)")
        }
        guard let object = value.object else { throw metadataError(path, key, "is not a JSON object") }
        return object
    }

    private static func parseKerasPaths(_ text: String, path: String) throws -> [String: String] {
        let key = SafetensorsWriter.MetadataKey.kerasPaths
        var map: [String: String] = [:]
        for (name, value) in try parseObject(text, key: key, path: path).members {
            guard let kerasPath = value.string else {
                throw metadataError(path, key, "gives tensor '\(name)' a value that is not a string")
            }
            map[name] = kerasPath
        }
        return map
    }

    private static func parseLegacy(_ text: String, path: String) throws -> [String: LegacyLocation] {
        let key = SafetensorsWriter.MetadataKey.legacy
        var map: [String: LegacyLocation] = [:]
        for (name, value) in try parseObject(text, key: key, path: path).members {
            guard let parts = value.array, parts.count == 3,
                  let layer = parts[0].string, let weightName = parts[1].string, let trainable = parts[2].bool
            else {
                throw metadataError(path, key, "gives tensor '\(name)' a value that is not [layer, weight name, trainable]")
            }
            map[name] = LegacyLocation(layer: layer, weightName: weightName, trainable: trainable)
        }
        return map
    }
}
