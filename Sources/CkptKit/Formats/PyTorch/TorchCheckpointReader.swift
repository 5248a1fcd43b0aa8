/// Reads a `torch.save` checkpoint without running it: the zip format (torch ≥ 1.6), the
/// legacy format (`_use_new_zipfile_serialization=False`), or shards listed by a
/// `pytorch_model.bin.index.json`.
///
/// The pickle is interpreted by ``PickleMachine``, which refuses every global outside its
/// allow-list; the tensors are found by ``TorchObjectWalk``. Values are read on demand with
/// `pread`, a piece at a time, from the storage records (stored zip members, legacy records),
/// whose sizes were checked against the file when it was opened. Every error is a
/// ``TorchError`` naming the file, the member, tensor or pickle offset, and what was wrong.
final class TorchCheckpointReader: CheckpointReader {
    /// The largest `data.pkl` (or legacy pickle prefix) read: a state dict's pickle is about
    /// 150 bytes a tensor.
    static let maximumPickleBytes = 256 << 20
    /// The ckpt recipe member in a zip written by ckpt (torch.load ignores other members).
    static let recipeMember = "ckpt_recipe.json"
    /// 0x1950a86a20f9469cfc6c (torch/serialization.py `MAGIC_NUMBER`), little-endian, as LONG1 pickles it.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    /// torch/serialization.py `PROTOCOL_VERSION`.
    static let legacyProtocolVersion = 1001

    let path: String
    let tensors: [StoredTensor]
    let metadata: [(key: String, value: String)]
    let recipe: String?
    var format: CheckpointFormat { .pytorch }
    var modelConfig: String? { nil }

    /// Where a tensor's bytes are: which file, the offset, and whether they are big-endian.
    private struct Place {
        var file: Int
        var offset: Int
        var byteCount: Int
        var bigEndian: Bool
        /// A non-contiguous view read with ``ReadOptions/copyStridedViews``: its shape and strides
        /// (elements), its elements gathered from the storage range it spans.
        var view: StridedView? = nil
    }

    /// A non-contiguous view's geometry.
    struct StridedView: Sendable {
        var shape: [Int]
        var stride: [Int]
        /// Bytes from the first element to just past the last one it reaches.
        var spanBytes: Int
    }

    /// One tensor found in a file: its info, where its first element is, and its view when it is
    /// a copied non-contiguous one.
    private struct Found {
        var info: TensorInfo
        var offset: Int
        var view: StridedView?
    }

    private let files: [InputFile]
    private let places: [String: Place]

    /// One opened file's tensors.
    private struct Contents {
        var file: InputFile
        var tensors: [Found]
        var bigEndian: Bool
        var metadata: [(key: String, value: String)]
        var recipe: String?
    }

    /// Opens `path`: a torch zip, a legacy file, or a `.bin.index.json`/`.pt.index.json`.
    /// `options` keeps the tensors of optimizer states (``TorchObjectWalk``) and copies
    /// non-contiguous views, when asked.
    init(path: String, options: ReadOptions = ReadOptions()) throws {
        self.path = path
        var files: [InputFile] = []
        var places: [String: Place] = [:]
        var tensors: [StoredTensor] = []
        if Self.isIndex(path) {
            let index: SafetensorsIndex
            do {
                index = try SafetensorsIndex.read(path: path)
            } catch {
                throw TorchError(.corrupt, path: path, place: error.key.map { "tensor '\($0)'" }, reason: error.reason)
            }
            let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
            let shardNames = Set(index.weightMap.map(\.file)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            var shardContents: [(tensors: [String: Found], bigEndian: Bool)] = []
            var shardOf: [String: Int] = [:]
            for name in shardNames {
                let contents = try Self.load(path: folder + name, options: options)
                shardOf[name] = files.count
                files.append(contents.file)
                shardContents.append((Dictionary(contents.tensors.map { ($0.info.name, $0) }, uniquingKeysWith: { a, _ in a }), contents.bigEndian))
            }
            for (name, file) in index.weightMap {
                guard let shard = shardOf[file], let entry = shardContents[shard].tensors[name] else {
                    throw TorchError(.corrupt, path: path, place: "tensor '\(name)'", reason: "the index maps it to shard \"\(file)\", which has no such tensor")
                }
                places[name] = Place(file: shard, offset: entry.offset, byteCount: entry.info.byteCount,
                                     bigEndian: shardContents[shard].bigEndian, view: entry.view)
                tensors.append(StoredTensor(info: entry.info, location: "\(file):\(name)"))
            }
            let mapped = Dictionary(index.weightMap.map { ($0.tensor, $0.file) }, uniquingKeysWith: { a, _ in a })
            for (shard, file) in shardNames.enumerated() {
                for name in shardContents[shard].tensors.keys.sorted() where mapped[name] != file {
                    throw TorchError(.corrupt, path: path, place: "tensor '\(name)'",
                                     reason: "shard \"\(file)\" holds the tensor, but the index " + (mapped[name].map { "maps it to \"\($0)\"" } ?? "does not list it"))
                }
            }
            metadata = []
            recipe = nil
        } else {
            let contents = try Self.load(path: path, options: options)
            files = [contents.file]
            for entry in contents.tensors {
                places[entry.info.name] = Place(file: 0, offset: entry.offset, byteCount: entry.info.byteCount,
                                                bigEndian: contents.bigEndian, view: entry.view)
                tensors.append(StoredTensor(info: entry.info, location: entry.info.name))
            }
            metadata = contents.metadata
            recipe = contents.recipe
        }
        self.files = files
        self.places = places
        self.tensors = tensors
    }

    func open(_ tensor: StoredTensor) throws -> TensorByteReader {
        guard let place = places[tensor.name], place.byteCount == tensor.info.byteCount else {
            throw TorchError(.usage, path: path, place: "tensor '\(tensor.name)'", reason: "no such tensor in this checkpoint")
        }
        if let view = place.view {
            return StridedBytes(file: files[place.file], place: place, view: view, elementSize: tensor.info.dtype.byteSize, name: tensor.name)
        }
        return TensorBytes(file: files[place.file], place: place, elementSize: tensor.info.dtype.byteSize, name: tensor.name)
    }

    /// The tensor found by the walk, at `offset` in its file: a copied view keeps its geometry.
    private static func found(_ item: TorchObjectWalk.Found, offset: Int) -> Found {
        let tensor = item.tensor
        let info = TensorInfo(name: item.name, shape: tensor.shape, dtype: tensor.dtype)
        guard !tensor.isContiguous else { return Found(info: info, offset: offset, view: nil) }
        // The view was checked to lie inside its storage when it was built.
        let lastElement = zip(tensor.shape, tensor.stride).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
        let view = StridedView(shape: tensor.shape, stride: tensor.stride, spanBytes: (lastElement + 1) * tensor.dtype.byteSize)
        return Found(info: info, offset: offset, view: view)
    }

    /// A non-contiguous view's bytes in C order: the storage range it spans is read once (at
    /// most the storage, which the file holds), then gathered element by element.
    private final class StridedBytes: TensorByteReader {
        let file: InputFile
        let place: Place
        let view: StridedView
        let elementSize: Int
        let name: String
        var position = 0
        private var span: [UInt8]?
        /// The multi-index of the next element (C order) and its element offset in the span.
        private var index: [Int]
        private var source = 0

        init(file: InputFile, place: Place, view: StridedView, elementSize: Int, name: String) {
            (self.file, self.place, self.view, self.elementSize, self.name) = (file, place, view, elementSize, name)
            index = Array(repeating: 0, count: view.shape.count)
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws {
            guard buffer.count <= place.byteCount - position, buffer.count % elementSize == 0 else {
                throw TorchError(.usage, path: file.path, place: "tensor '\(name)'",
                                 reason: "asked for \(buffer.count) bytes at \(position) of the tensor's \(place.byteCount)")
            }
            if span == nil {
                do {
                    span = try file.read(count: view.spanBytes, at: place.offset)
                } catch {
                    throw TorchError(error, place: "tensor '\(name)'")
                }
            }
            guard let span, let out = buffer.baseAddress else { return }
            let size = elementSize
            span.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                for k in 0..<(buffer.count / size) {
                    (out + k * size).copyMemory(from: base + source * size, byteCount: size)
                    // Advance the odometer: the last axis fastest.
                    var axis = index.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        source += view.stride[axis]
                        if index[axis] < view.shape[axis] { break }
                        source -= view.stride[axis] * view.shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
            if place.bigEndian { NPYLayout.byteSwap(buffer, elementSize: elementSize) }
            position += buffer.count
        }

        func finish() throws {}
    }

    /// One tensor's bytes: a range of a file, byte-swapped when the file is big-endian.
    private final class TensorBytes: TensorByteReader {
        let file: InputFile
        let place: Place
        let elementSize: Int
        let name: String
        var position = 0

        init(file: InputFile, place: Place, elementSize: Int, name: String) {
            (self.file, self.place, self.elementSize, self.name) = (file, place, elementSize, name)
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws {
            guard buffer.count <= place.byteCount - position, buffer.count % elementSize == 0 else {
                throw TorchError(.usage, path: file.path, place: "tensor '\(name)'",
                                 reason: "asked for \(buffer.count) bytes at \(position) of the tensor's \(place.byteCount)")
            }
            do {
                try file.read(into: buffer, at: place.offset + position)
            } catch {
                throw TorchError(error, place: "tensor '\(name)'")
            }
            if place.bigEndian { NPYLayout.byteSwap(buffer, elementSize: elementSize) }
            position += buffer.count
        }

        func finish() throws {}
    }

    // MARK: - Recognising

    /// Whether `path` names a sharded torch checkpoint's index.
    static func isIndex(_ path: String) -> Bool {
        let name = path.lowercased()
        return name.hasSuffix(".bin.index.json") || name.hasSuffix(".pt.index.json") || name.hasSuffix(".pth.index.json")
    }

    /// The root folder of a torch zip: the one folder holding `data.pkl` (any name; torch takes
    /// it from the first entry, torch/csrc's PyTorchStreamReader).
    static func zipRoot(_ entries: [ZipReader.Entry]) -> String? {
        let roots = entries.compactMap { entry -> String? in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl" && !parts[0].isEmpty ? String(parts[0]) : nil
        }
        return roots.count == 1 ? roots[0] : nil
    }

    /// Whether a file starts with the legacy format's pickled magic number.
    static func isLegacy(_ file: InputFile) -> Bool {
        guard file.size >= 2, let head = try? file.read(count: min(file.size, 64), at: 0), head[0] == 0x80 else { return false }
        var machine = PickleMachine(bytes: head) { key, _, _ throws(PickleProblem) in
            throw PickleProblem(kind: .invalidPickle, offset: 0, reason: "storage \(key) in the magic number")
        }
        guard case .bigInt(let magic)? = try? machine.run() else { return false }
        return magic == legacyMagic
    }

    // MARK: - Loading one file

    private static func load(path: String, options: ReadOptions) throws -> Contents {
        let file: InputFile
        do {
            file = try InputFile(path: path)
        } catch {
            throw TorchError(error)
        }
        let head = (try? file.read(count: min(file.size, 4), at: 0)) ?? []
        if head.starts(with: [0x50, 0x4B]) {
            return try loadZip(path: path, file: file, options: options)
        }
        if isLegacy(file) {
            return try loadLegacy(path: path, file: file, options: options)
        }
        throw TorchError(.corrupt, path: path, reason: "not a torch.save file (neither a zip with data.pkl nor the legacy format's magic number)")
    }

    /// The zip format (torch/serialization.py `_save`): `<root>/data.pkl`, `<root>/byteorder`,
    /// and each storage as the stored member `<root>/data/<key>`.
    private static func loadZip(path: String, file: InputFile, options: ReadOptions) throws -> Contents {
        let zip: ZipReader
        do {
            zip = try ZipReader(path: path)
        } catch let error as NPZError {
            throw TorchError(.corrupt, path: path, place: error.member.map { "member '\($0)'" }, reason: error.reason)
        } catch {
            throw TorchError(.corrupt, path: path, reason: "\(error)")
        }
        guard let root = zipRoot(zip.entries) else {
            throw TorchError(.corrupt, path: path, reason: "a zip without exactly one <folder>/data.pkl is not a torch.save file")
        }
        var members: [String: ZipReader.Entry] = [:]
        for entry in zip.entries where entry.name.hasPrefix(root + "/") {
            members[String(entry.name.dropFirst(root.count + 1))] = entry
        }
        func member(_ name: String, limit: Int) throws -> [UInt8]? {
            guard let entry = members[name] else { return nil }
            guard entry.uncompressedSize <= limit else {
                throw TorchError(.unsupported, path: path, place: "member '\(entry.name)'", reason: "is \(entry.uncompressedSize) bytes, more than the \(limit) ckpt reads")
            }
            do {
                let reader = zip.contents(of: entry)
                let bytes = try reader.read(count: entry.uncompressedSize)
                try reader.finish()
                return bytes
            } catch let error as NPZError {
                throw TorchError(.corrupt, path: path, place: "member '\(entry.name)'", reason: error.reason)
            } catch {
                throw TorchError(.corrupt, path: path, place: "member '\(entry.name)'", reason: "\(error)")
            }
        }
        let bigEndian: Bool
        switch try member("byteorder", limit: 16).map({ String(decoding: $0, as: UTF8.self) }) {
        case nil, "little": bigEndian = false  // torch.load assumes little without the record
        case "big": bigEndian = true
        case let other?: throw TorchError(.corrupt, path: path, place: "member '\(root)/byteorder'", reason: "says '\(other)', not little or big")
        }
        guard let pickle = try member("data.pkl", limit: maximumPickleBytes) else {
            throw TorchError(.corrupt, path: path, reason: "no \(root)/data.pkl")
        }
        let storages = members
        var machine = PickleMachine(bytes: pickle) { key, dtype, count throws(PickleProblem) in
            guard let entry = storages["data/" + key] else {
                throw PickleProblem(kind: .corrupt, offset: 0, reason: "storage '\(key)' has no member \(root)/data/\(key)")
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: (dtype ?? .uint8).byteSize)
            guard !overflow, bytes == entry.uncompressedSize else {
                throw PickleProblem(kind: .corrupt, offset: 0, reason: "storage '\(key)' is said to hold \(count) \((dtype ?? .uint8).rawValue) elements, but its member has \(entry.uncompressedSize) bytes")
            }
            guard entry.method == .stored else {
                throw PickleProblem(kind: .unsupported, offset: 0, reason: "storage member \(root)/data/\(key) is deflated; torch stores them, and ckpt reads stored members only")
            }
            return TorchStorage(key: key, dtype: dtype, byteCount: bytes)
        }
        let root_ = try run(&machine, path: path, pickle: "\(root)/data.pkl")
        var walk = TorchObjectWalk(heap: machine.heap, includeOptimizer: options.includeOptimizer, copyStridedViews: options.copyStridedViews)
        do {
            try walk.walk(root_)
        } catch {
            throw TorchError(error.kind, path: path, reason: error.reason)
        }
        var found: [Found] = []
        for item in walk.tensors {
            // Every storage was checked to have its member when its persistent id was read.
            guard let entry = storages["data/" + item.tensor.storage.key] else {
                throw TorchError(.corrupt, path: path, place: "tensor '\(item.name)'", reason: "no member for its storage")
            }
            found.append(Self.found(item, offset: entry.dataOffset + item.tensor.recordOffset))
        }
        let recipe = try member(recipeMember, limit: NPZCheckpointReader.recipeLimit).flatMap { String(validating: $0, as: UTF8.self) }
        var metadata = walk.metadata
        metadata.insert(("torch format", "zip, root folder '\(root)', \(bigEndian ? "big" : "little")-endian"), at: 0)
        return Contents(file: file, tensors: found, bigEndian: bigEndian, metadata: metadata, recipe: recipe)
    }

    /// The legacy format (torch/serialization.py `_legacy_save`): pickles of the magic number,
    /// the protocol version 1001, the system info and the object, then the sorted storage keys,
    /// then each storage as an 8-byte element count and its bytes, in that order.
    private static func loadLegacy(path: String, file: InputFile, options: ReadOptions) throws -> Contents {
        // The pickles come first: read 1 MiB of the file, and more (up to the pickle limit) only
        // when they run past it.
        let limit = min(file.size, maximumPickleBytes)
        var length = min(limit, 1 << 20)
        while true {
            let prefix: [UInt8]
            do {
                prefix = try file.read(count: length, at: 0)
            } catch {
                throw TorchError(error)
            }
            do {
                return try loadLegacy(path: path, file: file, prefix: prefix, options: options)
            } catch let problem as LegacyTruncation {
                guard length < limit else { throw problem.error }
                length = min(limit, length * 8)
            }
        }
    }

    /// A legacy pickle ran past the prefix read.
    private struct LegacyTruncation: Error {
        var error: TorchError
    }

    private static func loadLegacy(path: String, file: InputFile, prefix: [UInt8], options: ReadOptions) throws -> Contents {
        func run(_ machine: inout PickleMachine, path: String, pickle: String) throws -> PickleValue {
            do {
                return try machine.run()
            } catch {
                let failure = TorchError(error.kind, path: path, place: "\(pickle) offset \(error.offset)", reason: error.reason)
                throw error.isTruncation ? LegacyTruncation(error: failure) as Error : failure
            }
        }
        let noStorage: PickleMachine.StorageResolver = { key, _, _ throws(PickleProblem) in
            throw PickleProblem(kind: .invalidPickle, offset: 0, reason: "storage '\(key)' outside the object")
        }
        var magic = PickleMachine(bytes: prefix, resolveStorage: noStorage)
        _ = try run(&magic, path: path, pickle: "the magic number")
        var version = PickleMachine(bytes: prefix, start: magic.end, resolveStorage: noStorage)
        guard case .int(legacyProtocolVersion) = try run(&version, path: path, pickle: "the protocol version") else {
            throw TorchError(.unsupported, path: path, reason: "the legacy protocol version is not \(legacyProtocolVersion)")
        }
        var info = PickleMachine(bytes: prefix, start: version.end, resolveStorage: noStorage)
        let sysInfo = try run(&info, path: path, pickle: "the system info")
        var bigEndian = false
        if case .dict(let id) = sysInfo,
           let flag = info.heap.dicts[id].first(where: { if case .string("little_endian") = $0.key { true } else { false } }),
           case .bool(let little) = flag.value {
            bigEndian = !little
        }
        // Storages are declared by the object's persistent ids and found in the records after it.
        final class Declared {
            var elementSize: [String: Int] = [:]
            var count: [String: Int] = [:]
        }
        let declared = Declared()
        var object = PickleMachine(bytes: prefix, start: info.end) { key, dtype, count throws(PickleProblem) in
            let size = (dtype ?? .uint8).byteSize
            if let earlier = declared.elementSize[key], earlier != size || declared.count[key] != count {
                throw PickleProblem(kind: .invalidPickle, offset: 0, reason: "storage '\(key)' is declared twice with different types or sizes")
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, bytes <= file.size else {
                throw PickleProblem(kind: .corrupt, offset: 0, reason: "storage '\(key)' is said to hold \(count) elements, more than the file's \(file.size) bytes")
            }
            declared.elementSize[key] = size
            declared.count[key] = count
            return TorchStorage(key: key, dtype: dtype, byteCount: bytes)
        }
        let root = try run(&object, path: path, pickle: "the object pickle")
        var keysMachine = PickleMachine(bytes: prefix, start: object.end, resolveStorage: noStorage)
        let keysValue = try run(&keysMachine, path: path, pickle: "the storage keys")
        guard case .list(let keysID) = keysValue else {
            throw TorchError(.corrupt, path: path, reason: "the storage keys are \(keysValue.kindName), not a list")
        }
        var recordOffsets: [String: Int] = [:]
        var cursor = keysMachine.end
        for item in keysMachine.heap.lists[keysID] {
            guard case .string(let key) = item, let size = declared.elementSize[key], let count = declared.count[key] else {
                throw TorchError(.corrupt, path: path, reason: "the storage keys list \(item.kindName) that no tensor declares")
            }
            guard cursor <= file.size - 8 else {
                throw TorchError(.corrupt, path: path, place: "storage '\(key)'", reason: "truncated: its record would start at \(cursor) of a \(file.size)-byte file")
            }
            let header: [UInt8]
            do { header = try file.read(count: 8, at: cursor) } catch { throw TorchError(error) }
            let raw = (bigEndian ? header : header.reversed()).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard raw == UInt64(count) else {
                throw TorchError(.corrupt, path: path, place: "storage '\(key)'", reason: "its record holds \(raw) elements, the object declares \(count)")
            }
            let bytes = count * size  // checked against the file size when declared
            guard bytes <= file.size - cursor - 8 else {
                throw TorchError(.corrupt, path: path, place: "storage '\(key)'", reason: "truncated: \(bytes) bytes at \(cursor + 8) run past the end of the \(file.size)-byte file")
            }
            recordOffsets[key] = cursor + 8
            cursor += 8 + bytes
        }
        var walk = TorchObjectWalk(heap: object.heap, includeOptimizer: options.includeOptimizer, copyStridedViews: options.copyStridedViews)
        do {
            try walk.walk(root)
        } catch {
            throw TorchError(error.kind, path: path, reason: error.reason)
        }
        var found: [Found] = []
        for item in walk.tensors {
            guard let offset = recordOffsets[item.tensor.storage.key] else {
                throw TorchError(.corrupt, path: path, place: "tensor '\(item.name)'", reason: "its storage '\(item.tensor.storage.key)' is not among the file's records")
            }
            found.append(Self.found(item, offset: offset + item.tensor.recordOffset))
        }
        var metadata = walk.metadata
        metadata.insert(("torch format", "legacy (protocol \(legacyProtocolVersion)), \(bigEndian ? "big" : "little")-endian"), at: 0)
        return Contents(file: file, tensors: found, bigEndian: bigEndian, metadata: metadata, recipe: nil)
    }

    /// Runs one pickle, turning its problem into an error naming the pickle and the offset.
    private static func run(_ machine: inout PickleMachine, path: String, pickle: String) throws -> PickleValue {
        do {
            return try machine.run()
        } catch {
            throw TorchError(error.kind, path: path, place: "\(pickle) offset \(error.offset)", reason: error.reason)
        }
    }
}
