import Foundation

/// Writes a checkpoint as safetensors: one file, or Hugging Face shards plus an index when
/// `WriterOptions.maxShardBytes` splits it (``SafetensorsShardPlan``).
///
/// Every header is computed from the layout before any data exists, so each file is written
/// front to back: header, then the tensors' bytes in layout order, contiguous. Each file goes to
/// its own temporary file beside the target; all are renamed into place only in `finish()` (the
/// shards first, the index last), and `abort()` or deinit removes every temporary file.
///
/// With `WriterOptions.onlyShards` it writes only the selected shard files plus the index (the
/// same bytes from every part) and takes only their tensors (`wantsTensor(at:)`).
final class SafetensorsWriter: CheckpointWriter {
    /// `__metadata__` keys ckpt writes (all values are strings, as the format requires).
    enum MetadataKey {
        /// ckpt's version.
        static let version = "ckpt_version"
        /// The recipe JSON text.
        static let recipe = "ckpt_recipe"
        /// The model's Keras 3 JSON text.
        static let modelConfig = "ckpt_model_config"
        /// JSON object text: tensor name → Keras 3 `.weights.h5` dataset path.
        static let kerasPaths = "ckpt_keras_paths"
        /// JSON object text: tensor name → `[layer, weight name, trainable]` in legacy Keras `.h5`.
        static let legacy = "ckpt_legacy"
    }

    /// Small appends are gathered in a buffer of this size.
    static let bufferSize = 1 << 20
    /// Appends of at least this many bytes go straight to the file (copying them into the buffer
    /// first would cost a pass over memory for nothing).
    static let directWriteBytes = 1 << 16

    private struct Output {
        let atomic: AtomicOutput
        let header: SafetensorsHeader
        let tensorCount: Int
        var file: OutputFile?
        var tensorsDone = 0
        var closed = false
    }

    private struct CurrentTensor {
        let index: Int
        let output: Int
        let rowBytes: Int
        var remaining: Int
    }

    private enum State { case writing, finished, aborted }

    /// The target path given to `init`.
    let path: String
    /// Which file each tensor goes to.
    let plan: SafetensorsShardPlan
    private let tensors: [TensorInfo]
    /// The layout indices of the tensors this writer takes, in layout order (all of them unless
    /// only some shards are written).
    private let order: [Int]
    /// For each file of `plan`, its entry in `outputs` (nil: a shard another part writes).
    private let outputOfFile: [Int?]
    private var outputs: [Output]
    private let index: (atomic: AtomicOutput, text: String)?
    /// The index of an --only-shards part, which every part writes with the same bytes: when
    /// `index` is nil another part already wrote it; else this part may be the first.
    private let sharedIndexPath: String?
    /// A file at the target path that a sharded write replaces (`overwrite` only): removed after
    /// the commit so loaders that prefer a single file do not pick up the stale one.
    private let replacedTarget: String?
    private var nextTensor = 0
    private var current: CurrentTensor?
    private var state = State.writing
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private let directIO: DirectIO

    /// Prepares to write `layout` to `path` (a `.safetensors` file; with a shard limit, or when
    /// `path` ends in `.safetensors.index.json`, possibly shards and an index beside it).
    ///
    /// Fails before creating any file when a target exists and `options.overwrite` is false.
    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        self.path = path
        let tensors = layout.tensors.map(\.info)
        let sizes = try Self.validate(tensors, path: path)
        if let limit = options.maxShardBytes, limit <= 0 {
            throw SafetensorsError(.usage, path: path, reason: "the shard size limit must be positive, not \(limit)")
        }
        let (folder, targetName) = Self.split(path: path)
        let plan = SafetensorsShardPlan.make(sizes: sizes, maxShardBytes: options.maxShardBytes, targetName: targetName)
        self.plan = plan
        if let selection = options.onlyShards, !plan.isSharded {
            throw SafetensorsError(.usage, path: path, reason: "writing only shards \(selection) needs a sharded checkpoint, and this one fits one file; pass a smaller --max-shard-size")
        }
        if options.indexOnly, !plan.isSharded {
            throw SafetensorsError(.usage, path: path, reason: "writing only the index needs a sharded checkpoint, and this one fits one file; pass a smaller --max-shard-size")
        }
        let metadata = Self.metadata(for: layout)

        // Claim every target before writing anything: AtomicOutput refuses existing files.
        var outputs: [Output] = []
        var outputOfFile: [Int?] = []
        for (number, file) in plan.files.enumerated() {
            guard !options.indexOnly, options.onlyShards?.contains(number) ?? true else {
                outputOfFile.append(nil)
                continue
            }
            let atomic = try AtomicOutput(path: folder + file.name, overwrite: options.overwrite)
            let header = SafetensorsHeader(metadata: metadata, tensors: file.tensors.map { tensors[$0] })
            outputOfFile.append(outputs.count)
            outputs.append(Output(atomic: atomic, header: header, tensorCount: file.tensors.count))
        }
        self.outputOfFile = outputOfFile
        order = tensors.indices.filter { outputOfFile[plan.fileOfTensor[$0]] != nil }
        if let indexName = plan.indexName {
            let weightMap = tensors.indices.map { (tensors[$0].name, plan.files[plan.fileOfTensor[$0]].name) }
            let text = SafetensorsIndex(totalSize: sizes.reduce(0, +), weightMap: weightMap).text()
            // Every part of an --only-shards run writes the same index: one that another part
            // already wrote with these bytes is not an overwrite, and a different one is refused.
            let isPart = (options.onlyShards != nil || options.indexOnly) && !options.overwrite
            if isPart, let existing = FileManager.default.contents(atPath: folder + indexName) {
                try Self.checkSameIndex(existing: existing, expected: text, path: folder + indexName)
                sharedIndexPath = folder + indexName
                index = nil
            } else {
                let atomic = try AtomicOutput(path: folder + indexName, overwrite: options.overwrite || isPart)
                sharedIndexPath = isPart ? folder + indexName : nil
                index = (atomic, text)
            }
            // The target names the index itself, or a single file that the shards replace.
            if indexName != targetName, FileManager.default.fileExists(atPath: path) {
                guard options.overwrite else {
                    throw OutputError(path: path, "the file exists and loaders would prefer it to the new shards; pass --force to replace it")
                }
                replacedTarget = path
            } else {
                replacedTarget = nil
            }
        } else {
            index = nil
            sharedIndexPath = nil
            replacedTarget = nil
        }
        self.outputs = outputs
        self.tensors = tensors
        directIO = options.directIO
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    deinit {
        abort()
        buffer.deallocate()
    }

    // MARK: CheckpointWriter

    func beginTensor(_ tensor: LayoutTensor) throws {
        try checkWriting()
        guard current == nil else {
            throw usage("beginTensor('\(tensor.info.name)') before endTensor() of the previous tensor")
        }
        guard nextTensor < order.count else {
            throw usage("beginTensor('\(tensor.info.name)') after all \(order.count) tensors this writer takes")
        }
        let index = order[nextTensor]
        let expected = tensors[index]
        guard tensor.info == expected else {
            throw SafetensorsError(.usage, path: path, key: tensor.info.name,
                                   reason: "expected tensor \(index) of the layout, '\(expected.name)' \(expected.shape) \(expected.dtype.rawValue), got \(tensor.info.shape) \(tensor.info.dtype.rawValue)")
        }
        guard let output = outputOfFile[plan.fileOfTensor[index]] else {
            throw usage("tensor '\(expected.name)' belongs to a shard this writer does not write")
        }
        if outputs[output].file == nil { try open(output) }
        let rowBytes = TensorPieces.rowBytes(expected)
        current = CurrentTensor(index: index, output: output, rowBytes: rowBytes, remaining: expected.byteCount)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try checkWriting()
        guard var tensor = current else { throw usage("append() outside beginTensor()/endTensor()") }
        let name = tensors[tensor.index].name
        guard bytes.count <= tensor.remaining else {
            throw SafetensorsError(.usage, path: path, key: name,
                                   reason: "append of \(bytes.count) bytes exceeds the \(tensor.remaining) bytes left of the tensor")
        }
        guard tensor.rowBytes == 0 || bytes.count % tensor.rowBytes == 0 else {
            throw SafetensorsError(.usage, path: path, key: name,
                                   reason: "append of \(bytes.count) bytes is not whole rows of \(tensor.rowBytes) bytes")
        }
        tensor.remaining -= bytes.count
        current = tensor
        if bytes.count >= Self.directWriteBytes {
            try flush(tensor.output)
            try write(bytes, to: tensor.output)
        } else {
            if buffered + bytes.count > Self.bufferSize { try flush(tensor.output) }
            UnsafeMutableRawBufferPointer(rebasing: buffer[buffered..<buffered + bytes.count]).copyMemory(from: bytes)
            buffered += bytes.count
        }
    }

    func endTensor() throws {
        try checkWriting()
        guard let tensor = current else { throw usage("endTensor() without beginTensor()") }
        guard tensor.remaining == 0 else {
            let info = tensors[tensor.index]
            throw SafetensorsError(.usage, path: path, key: info.name,
                                   reason: "endTensor() after \(info.byteCount - tensor.remaining) of its \(info.byteCount) bytes")
        }
        try flush(tensor.output)
        current = nil
        nextTensor += 1
        outputs[tensor.output].tensorsDone += 1
        if outputs[tensor.output].tensorsDone == outputs[tensor.output].tensorCount {
            try close(tensor.output)
        }
    }

    func finish() throws {
        try checkWriting()
        guard current == nil, nextTensor == order.count else {
            throw usage("finish() after \(nextTensor) of the \(order.count) tensors this writer takes")
        }
        do {
            // Files without tensors (an empty layout) still get their header.
            for output in outputs.indices where outputs[output].file == nil {
                try open(output)
                try close(output)
            }
            for output in outputs {
                try output.atomic.commit()
            }
            if let index {
                try writeIndex(index.text, to: index.atomic.temporaryPath)
                if let shared = sharedIndexPath, let existing = FileManager.default.contents(atPath: shared) {
                    // Another part committed it meanwhile: keep its file when it is the same.
                    try Self.checkSameIndex(existing: existing, expected: index.text, path: shared)
                    index.atomic.discard()
                } else {
                    try index.atomic.commit()
                }
            }
            if let replacedTarget { unlink(replacedTarget) }
            state = .finished
        } catch {
            abort()
            throw error
        }
    }

    func wantsTensor(at index: Int) -> Bool {
        index < plan.fileOfTensor.count && outputOfFile[plan.fileOfTensor[index]] != nil
    }

    func abort() {
        guard state == .writing else { return }
        state = .aborted
        for output in outputs {
            try? output.file?.close()
            output.atomic.discard()
        }
        index?.atomic.discard()
    }

    /// The files this writer writes (when it finishes): its shard files in shard order, then the
    /// index; or the single file.
    var writtenFiles: [String]? {
        outputs.map(\.atomic.targetPath) + (index.map { [$0.atomic.targetPath] } ?? sharedIndexPath.map { [$0] } ?? [])
    }

    /// How many shard files the whole checkpoint has (1 when it is not sharded).
    var shardCount: Int? { plan.files.count }

    /// Refuses an index another part wrote unless it has exactly the bytes this part would write,
    /// naming the first difference.
    static func checkSameIndex(existing: Data, expected: String, path: String) throws(OutputError) {
        guard existing != Data(expected.utf8) else { return }
        var difference = "its bytes differ"
        if let there = try? JSONParser.parse(String(decoding: existing, as: UTF8.self)),
           let here = try? JSONParser.parse(expected) {
            let sizeThere = there["metadata"]?["total_size"].map { JSONWriter.string($0, style: .compact) } ?? "none"
            let sizeHere = here["metadata"]?["total_size"].map { JSONWriter.string($0, style: .compact) } ?? "none"
            let mapThere = there["weight_map"]?.object?.members ?? []
            let mapHere = here["weight_map"]?.object?.members ?? []
            let filesThere = Dictionary(mapThere.map { ($0.0, $0.1.string ?? "?") }, uniquingKeysWith: { a, _ in a })
            let filesHere = Dictionary(mapHere.map { ($0.0, $0.1.string ?? "?") }, uniquingKeysWith: { a, _ in a })
            if sizeThere != sizeHere {
                difference = "its total_size is \(sizeThere), this part's is \(sizeHere)"
            } else if let name = mapHere.map(\.0).first(where: { filesThere[$0] == nil }) {
                difference = "it has no tensor \"\(name)\""
            } else if let name = mapThere.map(\.0).first(where: { filesHere[$0] == nil }) {
                difference = "it has a tensor \"\(name)\" this model does not"
            } else if let name = mapHere.map(\.0).first(where: { filesThere[$0] != filesHere[$0] }) {
                difference = "it puts \"\(name)\" in \(filesThere[name] ?? "?"), this part in \(filesHere[name] ?? "?")"
            }
        }
        throw OutputError(path: path, "another run wrote a different index (\(difference)); the parts of one checkpoint must use the same spec, seed, dtype and --max-shard-size, or pass --force to replace it")
    }

    // MARK: Shard plan

    /// The files `layout` is written to at `path` with a shard limit of `maxShardBytes`.
    static func shardPlan(for layout: CheckpointLayout, path: String, maxShardBytes: Int?) -> SafetensorsShardPlan {
        SafetensorsShardPlan.make(sizes: layout.tensors.map(\.info.byteCount), maxShardBytes: maxShardBytes,
                                  targetName: split(path: path).name)
    }

    /// `path`'s folder prefix (empty, or ending in `/`) and file name.
    static func split(path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    // MARK: Private

    /// Checks names and shapes; returns each tensor's byte count.
    private static func validate(_ tensors: [TensorInfo], path: String) throws -> [Int] {
        var seen = Set<String>()
        var sizes: [Int] = []
        for info in tensors {
            guard info.name != SafetensorsHeader.metadataKey else {
                throw SafetensorsError(.usage, path: path, key: info.name, reason: "the name is reserved for the header's metadata")
            }
            guard seen.insert(info.name).inserted else {
                throw SafetensorsError(.usage, path: path, key: info.name, reason: "two tensors have this name")
            }
            var bytes = info.dtype.byteSize
            for dim in info.shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dim)
                guard dim >= 0, !overflow else {
                    throw SafetensorsError(.usage, path: path, key: info.name, reason: "invalid shape \(info.shape)")
                }
                bytes = product
            }
            sizes.append(bytes)
        }
        var total = 0
        for size in sizes {
            let (sum, overflow) = total.addingReportingOverflow(size)
            guard !overflow else {
                throw SafetensorsError(.usage, path: path, reason: "the tensors' total size overflows a 64-bit size")
            }
            total = sum
        }
        return sizes
    }

    /// The `__metadata__` pairs, in a fixed order.
    static func metadata(for layout: CheckpointLayout) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = layout.headerMetadata + [(MetadataKey.version, CkptVersion.current)]
        if let recipe = layout.recipe { pairs.append((MetadataKey.recipe, recipe)) }
        if let config = layout.modelConfig { pairs.append((MetadataKey.modelConfig, config)) }
        let kerasPaths = layout.tensors.compactMap { tensor in
            tensor.kerasPath.map { (key: tensor.info.name, value: JSONValue.string($0)) }
        }
        if !kerasPaths.isEmpty {
            pairs.append((MetadataKey.kerasPaths, JSONWriter.string(.object(JSONObject(kerasPaths)), style: .compact)))
        }
        let legacy = layout.tensors.compactMap { tensor in
            tensor.legacy.map { location -> (key: String, value: JSONValue) in
                (tensor.info.name, [.string(location.layer), .string(location.weightName), .bool(location.trainable)])
            }
        }
        if !legacy.isEmpty {
            pairs.append((MetadataKey.legacy, JSONWriter.string(.object(JSONObject(legacy)), style: .compact)))
        }
        return pairs
    }

    private func usage(_ reason: String) -> SafetensorsError {
        SafetensorsError(.usage, path: path, reason: reason)
    }

    private func checkWriting() throws {
        switch state {
        case .writing: return
        case .finished: throw usage("the writer has already finished")
        case .aborted: throw usage("the writer was aborted")
        }
    }

    private func open(_ output: Int) throws {
        do {
            let header = outputs[output].header
            let file = try OutputFile(path: outputs[output].atomic.temporaryPath, mode: .exclusive,
                                      directIO: directIO, expectedSize: header.dataStart + header.dataSize)
            outputs[output].file = file
            try file.write(outputs[output].header.encodedForWriting)
        } catch {
            throw SafetensorsError(error)
        }
    }

    private func close(_ output: Int) throws {
        guard let file = outputs[output].file, !outputs[output].closed else { return }
        let header = outputs[output].header
        guard file.offset == header.dataStart + header.dataSize else {
            throw SafetensorsError(.usage, path: outputs[output].atomic.targetPath,
                                   reason: "wrote \(file.offset) bytes, expected \(header.dataStart + header.dataSize)")
        }
        do {
            try file.close()
        } catch {
            throw SafetensorsError(error)
        }
        outputs[output].closed = true
    }

    private func write(_ bytes: UnsafeRawBufferPointer, to output: Int) throws {
        guard let file = outputs[output].file else {
            throw SafetensorsError(.usage, path: outputs[output].atomic.targetPath, reason: "the file is not open")
        }
        do {
            try file.write(bytes)
        } catch {
            throw SafetensorsError(error)
        }
    }

    private func flush(_ output: Int) throws {
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        try write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), to: output)
    }

    private func writeIndex(_ text: String, to temporaryPath: String) throws {
        do {
            let file = try OutputFile(path: temporaryPath, mode: .exclusive)
            try file.write(Array(text.utf8))
            try file.close()
        } catch {
            throw SafetensorsError(error)
        }
    }
}
