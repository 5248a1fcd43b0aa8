import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// Writing, reading, sharding and hostile-input handling of safetensors files.
@Suite("Safetensors")
struct SafetensorsTests {
    static let shapes: [[Int]] = [[], [0], [5], [3, 4], [2, 3, 4]]

    // MARK: Helpers

    /// Deterministic bytes for `info`: 0/1 for bool, a byte pattern otherwise.
    static func values(_ info: TensorInfo, seed: Int = 0) -> [UInt8] {
        let salt = info.name.utf8.reduce(seed) { $0 &* 31 &+ Int($1) }
        if info.dtype == .bool { return (0..<info.byteCount).map { UInt8(($0 + salt) % 3 == 0 ? 1 : 0) } }
        return (0..<info.byteCount).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 &+ salt >> 3) }
    }

    /// One tensor per dtype and shape.
    static func everyDTypeAndShape() -> [TensorInfo] {
        DType.allCases.flatMap { dtype in
            shapes.enumerated().map { TensorInfo(name: "\(dtype.rawValue)/t\($0.offset)", shape: $0.element, dtype: dtype) }
        }
    }

    static func layout(_ tensors: [TensorInfo]) -> CheckpointLayout {
        CheckpointLayout(tensors: tensors.map { LayoutTensor(info: $0) })
    }

    /// Writes `layout` with `values`, in pieces of `rowsPerPiece` rows (nil: one append per tensor).
    static func write(_ path: String, _ layout: CheckpointLayout, options: WriterOptions = WriterOptions(),
                      rowsPerPiece: Int? = nil) throws {
        let writer = try SafetensorsWriter(path: path, layout: layout, options: options)
        do {
            for tensor in layout.tensors {
                try writer.beginTensor(tensor)
                let bytes = values(tensor.info)
                let rows = tensor.info.shape.first ?? 1
                let rowBytes = rows == 0 ? 0 : bytes.count / rows
                let step = max(1, rowsPerPiece.map { $0 * rowBytes } ?? bytes.count)
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + step)
                    try bytes[start..<end].withUnsafeBytes { try writer.append($0) }
                    start = end
                }
                try writer.endTensor()
            }
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
    }

    /// All of a tensor's bytes, read in pieces of at most `piece` bytes; checks pieces are whole rows.
    static func readAll(_ reader: SafetensorsReader, _ tensor: StoredTensor, piece: Int = 1 << 20) throws -> [UInt8] {
        let rows = tensor.info.shape.first ?? 1
        let rowBytes = rows == 0 ? 1 : max(1, tensor.info.byteCount / rows)
        var bytes: [UInt8] = []
        try reader.read(tensor, maximumPieceBytes: piece) { chunk in
            #expect(chunk.count % rowBytes == 0)
            #expect(chunk.count <= max(piece, rowBytes))
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    static func bytes(of path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A file made of an 8-byte size (the JSON's length unless `declaredSize` is given), the JSON and `data`.
    static func rawFile(_ path: String, header: String, data: [UInt8] = [], declaredSize: UInt64? = nil) throws {
        let json = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredSize ?? UInt64(json.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += json + data
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The error opening `path`, which must be a ``SafetensorsError`` naming `named` (default: `path`).
    static func openingError(_ path: String, named: String? = nil) throws -> SafetensorsError {
        do {
            _ = try SafetensorsReader(path: path)
        } catch let error as SafetensorsError {
            #expect(error.description.hasPrefix((named ?? path) + ": "), "\(error)")
            #expect(!error.description.contains("\n"))
            return error
        }
        Issue.record("opening \(path) succeeded")
        throw CancellationError()
    }

    // MARK: Round trips

    @Test("every dtype and shape round-trips in one file, byte for byte")
    func roundTrip() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("all.safetensors")
        let tensors = Self.everyDTypeAndShape()
        try Self.write(path, Self.layout(tensors))
        let reader = try SafetensorsReader(path: path)
        #expect(reader.tensors.map(\.info) == tensors)
        #expect(reader.tensors.map(\.location) == tensors.map(\.name))
        #expect(reader.format == .safetensors)
        #expect(reader.shardPaths == [path])
        for tensor in reader.tensors {
            #expect(try Self.readAll(reader, tensor) == Self.values(tensor.info), "\(tensor.name)")
            // Row-sized and odd-sized pieces give the same bytes.
            #expect(try Self.readAll(reader, tensor, piece: 1) == Self.values(tensor.info), "\(tensor.name)")
            #expect(try Self.readAll(reader, tensor, piece: 13) == Self.values(tensor.info), "\(tensor.name)")
        }
        #expect(folder.contents() == ["all.safetensors"])
    }

    @Test("appending row by row gives the same file as whole tensors, above and below the buffer size")
    func pieces() throws {
        let folder = try TemporaryDirectory()
        let tensors = [
            TensorInfo(name: "small", shape: [7, 3], dtype: .float32),
            TensorInfo(name: "big", shape: [200, 1000], dtype: .float64),
            TensorInfo(name: "after", shape: [2], dtype: .int16),
        ]
        try Self.write(folder.path("whole.safetensors"), Self.layout(tensors))
        let whole = try Self.bytes(of: folder.path("whole.safetensors"))
        for rows in [1, 5, 200] {
            let path = folder.path("rows\(rows).safetensors")
            try Self.write(path, Self.layout(tensors), rowsPerPiece: rows)
            #expect(try Self.bytes(of: path) == whole, "\(rows) rows per piece")
        }
    }

    @Test("recipe, model config, Keras paths and legacy locations survive in __metadata__")
    func metadataRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("m.safetensors")
        let recipe = #"{"seed": 7, "rules": "default"}"#
        let config = "{\"class_name\": \"Sequential\",\n \"config\": {\"name\": \"ünï\"}}"
        let layout = CheckpointLayout(
            tensors: [
                LayoutTensor(info: TensorInfo(name: "dense/kernel", shape: [3, 2], dtype: .float32),
                             kerasPath: "layers/dense/vars/0",
                             legacy: LegacyLocation(layer: "dense", weightName: "dense/kernel", trainable: true)),
                LayoutTensor(info: TensorInfo(name: "bn/moving_mean", shape: [2], dtype: .float32),
                             kerasPath: "layers/batch_normalization/vars/2",
                             legacy: LegacyLocation(layer: "bn", weightName: "bn/moving_mean", trainable: false)),
                LayoutTensor(info: TensorInfo(name: "extra", shape: [], dtype: .int64)),
            ],
            modelConfig: config, recipe: recipe)
        try Self.write(path, layout)
        let reader = try SafetensorsReader(path: path)
        #expect(reader.recipe == recipe)
        #expect(reader.modelConfig == config)
        #expect(reader.metadata.map(\.key) == ["ckpt_version", "ckpt_recipe", "ckpt_model_config", "ckpt_keras_paths", "ckpt_legacy"])
        #expect(reader.metadata.first?.value == CkptVersion.current)
        #expect(reader.kerasPaths == ["dense/kernel": "layers/dense/vars/0", "bn/moving_mean": "layers/batch_normalization/vars/2"])
        #expect(reader.legacyLocations == [
            "dense/kernel": LegacyLocation(layer: "dense", weightName: "dense/kernel", trainable: true),
            "bn/moving_mean": LegacyLocation(layer: "bn", weightName: "bn/moving_mean", trainable: false),
        ])

        // Without a model, only the version is recorded.
        let plain = folder.path("plain.safetensors")
        try Self.write(plain, Self.layout([TensorInfo(name: "x", shape: [1], dtype: .uint8)]))
        let plainReader = try SafetensorsReader(path: plain)
        #expect(plainReader.metadata.map(\.key) == ["ckpt_version"])
        #expect(plainReader.recipe == nil && plainReader.modelConfig == nil)
        #expect(plainReader.kerasPaths.isEmpty && plainReader.legacyLocations.isEmpty)
    }

    @Test("the same layout and bytes give the same file; the header is the one documented")
    func determinism() throws {
        let folder = try TemporaryDirectory()
        let tensors = Self.everyDTypeAndShape()
        try Self.write(folder.path("a.safetensors"), Self.layout(tensors))
        try Self.write(folder.path("b.safetensors"), Self.layout(tensors), rowsPerPiece: 1)
        #expect(try Self.bytes(of: folder.path("a.safetensors")) == Self.bytes(of: folder.path("b.safetensors")))

        let path = folder.path("tiny.safetensors")
        try Self.write(path, Self.layout([TensorInfo(name: "b", shape: [2], dtype: .float32),
                                          TensorInfo(name: "a", shape: [], dtype: .uint8)]))
        let json = #"{"__metadata__":{"ckpt_version":"\#(CkptVersion.current)"},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"U8","shape":[],"data_offsets":[8,9]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        var expected: [UInt8] = []
        withUnsafeBytes(of: UInt64(padded.utf8.count).littleEndian) { expected.append(contentsOf: $0) }
        expected += Array(padded.utf8)
        expected += Self.values(TensorInfo(name: "b", shape: [2], dtype: .float32))
        expected += Self.values(TensorInfo(name: "a", shape: [], dtype: .uint8))
        #expect(try Self.bytes(of: path) == expected)
    }

    @Test("the data buffer starts at a multiple of 8 whatever the header's length", arguments: 1...8)
    func alignment(nameLength: Int) throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("a.safetensors")
        try Self.write(path, Self.layout([TensorInfo(name: String(repeating: "n", count: nameLength), shape: [3], dtype: .float64)]))
        let bytes = try Self.bytes(of: path)
        let headerSize = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerSize % 8 == 0)
        #expect(bytes[8 + headerSize - 1] == UInt8(ascii: " ") || bytes[8 + headerSize - 1] == UInt8(ascii: "}"))
        #expect(bytes.count == 8 + headerSize + 24)
    }

    // MARK: Sharding

    /// (sizes, limit, shards as tensor indices): from huggingface_hub's `split_state_dict_into_shards_factory`,
    /// checked against the function itself (huggingface_hub 2.4.0).
    static let shardTable: [(sizes: [Int], limit: Int, shards: [[Int]])] = [
        ([6, 6, 2, 6, 2, 2], 10, [[0], [1, 2], [3, 4, 5]]),  // the docstring's example
        ([4, 12, 5, 3, 20, 1], 10, [[1], [0, 2], [4], [3, 5]]),  // oversized tensors get their own shard at once
        ([10, 10, 0, 5], 10, [[0], [1, 2], [3]]),  // exactly the limit fits; empty tensors never open a shard
        ([3, 11, 11, 2], 10, [[1], [2], [0, 3]]),
        ([0, 0, 3], 1, [[2], [0, 1]]),
        ([1, 2, 3], 100, [[0, 1, 2]]),
        ([10], 5, [[0]]),
        ([], 10, []),
    ]

    @Test("the shard split is Hugging Face's", arguments: shardTable.indices)
    func shardSplit(row: Int) {
        let (sizes, limit, shards) = Self.shardTable[row]
        #expect(SafetensorsShardPlan.split(sizes: sizes, maxShardBytes: limit) == shards)
    }

    @Test("shard file names follow transformers' pattern; one shard is a plain file")
    func shardNames() {
        let plan = SafetensorsShardPlan.make(sizes: [4, 12, 5, 3, 20, 1], maxShardBytes: 10, targetName: "model.safetensors")
        #expect(plan.isSharded)
        #expect(plan.indexName == "model.safetensors.index.json")
        #expect(plan.files.map(\.name) == (1...4).map { "model-0000\($0)-of-00004.safetensors" })
        #expect(plan.fileNames == ["model-00002-of-00004.safetensors", "model-00001-of-00004.safetensors",
                                   "model-00002-of-00004.safetensors", "model-00004-of-00004.safetensors",
                                   "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors"])

        let single = SafetensorsShardPlan.make(sizes: [10], maxShardBytes: 5, targetName: "w.safetensors")
        #expect(!single.isSharded && single.fileNames == ["w.safetensors"])
        let unlimited = SafetensorsShardPlan.make(sizes: [10, 20], maxShardBytes: nil, targetName: "w.safetensors")
        #expect(!unlimited.isSharded && unlimited.fileNames == ["w.safetensors", "w.safetensors"])
        // Naming the index asks for the sharded form even with one shard.
        let named = SafetensorsShardPlan.make(sizes: [1, 2], maxShardBytes: 100, targetName: "m.safetensors.index.json")
        #expect(named.indexName == "m.safetensors.index.json")
        #expect(named.fileNames == ["m-00001-of-00001.safetensors", "m-00001-of-00001.safetensors"])

        let layout = Self.layout([TensorInfo(name: "a", shape: [3], dtype: .float32), TensorInfo(name: "b", shape: [3], dtype: .float32)])
        #expect(SafetensorsWriter.shardPlan(for: layout, path: "out/x.safetensors", maxShardBytes: 12).fileNames
                == ["x-00001-of-00002.safetensors", "x-00002-of-00002.safetensors"])
    }

    @Test("the index text is json.dumps(indent=2, sort_keys=True) plus a newline")
    func indexText() {
        let index = SafetensorsIndex(totalSize: 12, weightMap: [
            ("b/kernel", "m-00002-of-00002.safetensors"), ("a/bias", "m-00001-of-00002.safetensors"),
            ("é/k\"\\", "x"), ("Z\u{1F600}\u{7F}\t", "y"),
        ])
        // Python: json.dumps({"metadata": {"total_size": 12}, "weight_map": {...}}, indent=2, sort_keys=True) + "\n"
        let expected = """
            {
              "metadata": {
                "total_size": 12
              },
              "weight_map": {
                "Z\\ud83d\\ude00\\u007f\\t": "y",
                "a/bias": "m-00001-of-00002.safetensors",
                "b/kernel": "m-00002-of-00002.safetensors",
                "\\u00e9/k\\"\\\\": "x"
              }
            }

            """
        #expect(index.text() == expected)
        #expect(SafetensorsIndex(totalSize: 0, weightMap: []).text() == "{\n  \"metadata\": {\n    \"total_size\": 0\n  },\n  \"weight_map\": {}\n}\n")
    }

    @Test("a sharded checkpoint is shards plus an index, read back through the index")
    func shardedRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let tensors = [
            TensorInfo(name: "a", shape: [4], dtype: .float32),  // 16 bytes
            TensorInfo(name: "big", shape: [10], dtype: .float64),  // 80: its own shard
            TensorInfo(name: "c", shape: [2, 2], dtype: .int32),  // 16
            TensorInfo(name: "d", shape: [3], dtype: .uint8),  // 3
            TensorInfo(name: "e", shape: [0], dtype: .float16),
        ]
        var layout = Self.layout(tensors)
        layout.recipe = #"{"seed":1}"#
        layout.tensors[0].kerasPath = "layers/a/vars/0"
        let options = WriterOptions(maxShardBytes: 32)
        let plan = SafetensorsWriter.shardPlan(for: layout, path: folder.path("model.safetensors"), maxShardBytes: 32)
        #expect(plan.files.map(\.tensors) == [[1], [0, 2], [3, 4]])
        try Self.write(folder.path("model.safetensors"), layout, options: options)

        #expect(folder.contents() == ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                      "model-00003-of-00003.safetensors", "model.safetensors.index.json"])
        let indexText = String(decoding: try Self.bytes(of: folder.path("model.safetensors.index.json")), as: UTF8.self)
        #expect(indexText == """
            {
              "metadata": {
                "total_size": 115
              },
              "weight_map": {
                "a": "model-00002-of-00003.safetensors",
                "big": "model-00001-of-00003.safetensors",
                "c": "model-00002-of-00003.safetensors",
                "d": "model-00003-of-00003.safetensors",
                "e": "model-00003-of-00003.safetensors"
              }
            }

            """)

        let reader = try SafetensorsReader(path: folder.path("model.safetensors.index.json"))
        #expect(reader.tensors.map(\.info) == tensors)
        #expect(reader.tensors.map(\.location) == plan.fileNames.enumerated().map { "\($0.element):\(tensors[$0.offset].name)" })
        #expect(reader.shardPaths == plan.files.map { folder.path($0.name) })
        #expect(reader.recipe == #"{"seed":1}"#)
        #expect(reader.kerasPaths == ["a": "layers/a/vars/0"])
        for tensor in reader.tensors {
            #expect(try Self.readAll(reader, tensor, piece: 8) == Self.values(tensor.info), "\(tensor.name)")
        }
        // Every shard is a complete safetensors file with the same metadata.
        for file in plan.files {
            let shard = try SafetensorsReader(path: folder.path(file.name))
            #expect(shard.tensors.map(\.info) == file.tensors.map { tensors[$0] })
            #expect(shard.metadata.map(\.key) == reader.metadata.map(\.key))
            #expect(shard.metadata.map(\.value) == reader.metadata.map(\.value))
        }
    }

    @Test("a target named .safetensors.index.json is always written sharded")
    func indexTarget() throws {
        let folder = try TemporaryDirectory()
        let tensors = [TensorInfo(name: "w", shape: [2, 2], dtype: .bfloat16)]
        try Self.write(folder.path("m.safetensors.index.json"), Self.layout(tensors))
        #expect(folder.contents() == ["m-00001-of-00001.safetensors", "m.safetensors.index.json"])
        let reader = try SafetensorsReader(path: folder.path("m.safetensors.index.json"))
        #expect(try Self.readAll(reader, try #require(reader.tensors.first)) == Self.values(tensors[0]))
    }

    // MARK: Atomic output

    @Test("abort and deinit leave no file behind", arguments: [nil, 16] as [Int?])
    func abortLeavesNothing(limit: Int?) throws {
        let folder = try TemporaryDirectory()
        let tensors = (0..<4).map { TensorInfo(name: "t\($0)", shape: [4], dtype: .float32) }
        let layout = Self.layout(tensors)
        for explicitAbort in [true, false] {
            do {
                let writer = try SafetensorsWriter(path: folder.path("m.safetensors"), layout: layout,
                                                   options: WriterOptions(maxShardBytes: limit))
                for tensor in layout.tensors.prefix(3) {
                    try writer.beginTensor(tensor)
                    try Self.values(tensor.info).withUnsafeBytes { try writer.append($0) }
                    try writer.endTensor()
                }
                #expect(!folder.contents().contains("m.safetensors"), "nothing at the target while writing")
                if explicitAbort {
                    writer.abort()
                    writer.abort()
                    #expect(throws: SafetensorsError.self) { try writer.finish() }
                }
            }
            #expect(folder.contents() == [])
        }
    }

    @Test("an existing target without overwrite fails before anything is written")
    func existingTarget() throws {
        let folder = try TemporaryDirectory()
        let layout = Self.layout([TensorInfo(name: "a", shape: [4], dtype: .float32), TensorInfo(name: "b", shape: [4], dtype: .float32)])
        let path = folder.path("m.safetensors")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: OutputError.self) { try SafetensorsWriter(path: path, layout: layout, options: WriterOptions()) }
        #expect(folder.contents() == ["m.safetensors"])

        // Sharded: an existing shard or the single file at the target path is refused too.
        #expect(throws: OutputError.self) {
            try SafetensorsWriter(path: path, layout: layout, options: WriterOptions(maxShardBytes: 16))
        }
        #expect(folder.contents() == ["m.safetensors"])
        try Data("old".utf8).write(to: URL(fileURLWithPath: folder.path("m-00002-of-00002.safetensors")))
        try FileManager.default.removeItem(atPath: path)
        #expect(throws: OutputError.self) {
            try SafetensorsWriter(path: path, layout: layout, options: WriterOptions(maxShardBytes: 16))
        }
        #expect(folder.contents() == ["m-00002-of-00002.safetensors"])
        #expect(try Self.bytes(of: folder.path("m-00002-of-00002.safetensors")) == Array("old".utf8))

        // With overwrite, the shards replace old ones and a stale single file is removed.
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        try Self.write(path, layout, options: WriterOptions(overwrite: true, maxShardBytes: 16))
        #expect(folder.contents() == ["m-00001-of-00002.safetensors", "m-00002-of-00002.safetensors", "m.safetensors.index.json"])
        try Self.write(path, layout, options: WriterOptions(overwrite: true))
        #expect(try SafetensorsReader(path: path).tensors.count == 2)
    }

    @Test("calls against the writer's contract are errors")
    func usageErrors() throws {
        let folder = try TemporaryDirectory()
        let layout = Self.layout([TensorInfo(name: "a", shape: [2, 3], dtype: .float32)])
        let path = folder.path("m.safetensors")
        let writer = try SafetensorsWriter(path: path, layout: layout, options: WriterOptions())
        let wrong = LayoutTensor(info: TensorInfo(name: "a", shape: [3, 2], dtype: .float32))
        #expect(throws: SafetensorsError.self) { try writer.beginTensor(wrong) }
        try writer.beginTensor(layout.tensors[0])
        let partialRow = [UInt8](repeating: 0, count: 8)
        #expect(throws: SafetensorsError.self) { try partialRow.withUnsafeBytes { try writer.append($0) } }
        try [UInt8](repeating: 0, count: 12).withUnsafeBytes { try writer.append($0) }
        #expect(throws: SafetensorsError.self) { try writer.endTensor() }
        #expect(throws: SafetensorsError.self) { try writer.finish() }
        #expect(throws: SafetensorsError.self) { try [UInt8](repeating: 0, count: 24).withUnsafeBytes { try writer.append($0) } }
        writer.abort()

        let duplicate = Self.layout([TensorInfo(name: "x", shape: [1], dtype: .uint8), TensorInfo(name: "x", shape: [1], dtype: .uint8)])
        #expect(throws: SafetensorsError.self) { try SafetensorsWriter(path: path, layout: duplicate, options: WriterOptions()) }
        let reserved = Self.layout([TensorInfo(name: "__metadata__", shape: [1], dtype: .uint8)])
        #expect(throws: SafetensorsError.self) { try SafetensorsWriter(path: path, layout: reserved, options: WriterOptions()) }
        #expect(throws: SafetensorsError.self) {
            try SafetensorsWriter(path: path, layout: layout, options: WriterOptions(maxShardBytes: 0))
        }
        #expect(folder.contents() == [])
    }

    // MARK: Hostile input

    /// (label, header JSON, data bytes, declared header size, a fragment the message must contain).
    static let hostileHeaders: [(label: String, header: String, data: Int, declared: UInt64?, message: String)] = [
        ("header size beyond the file", "{}", 0, 100, "runs past the end of the file"),
        ("header size 2^63", "{}", 0, 1 << 63, "larger than the 100000000-byte limit"),
        ("invalid JSON", "{\n  \"a\": {\"dtype\": \"F32\",", 0, nil, "line 2"),
        ("header not an object", "[1, 2]", 0, nil, "not a JSON object"),
        ("header a string", "\"{}\"", 0, nil, "not a JSON object"),
        ("entry not an object", #"{"a":[1]}"#, 0, nil, "'a': the entry is an array"),
        ("missing data_offsets", #"{"a":{"dtype":"F32","shape":[1]}}"#, 4, nil, "'a': the entry has no \"data_offsets\""),
        ("missing dtype", #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, 4, nil, "no \"dtype\""),
        ("extra field", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}"#, 4, nil, "unexpected field \"x\""),
        ("offsets out of bounds", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 4, nil, "run past the end of the data buffer"),
        ("offsets reversed", #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}"#, 4, nil, "end before they begin"),
        ("offsets not integers", #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4.0]}}"#, 4, nil, "two non-negative integers"),
        ("overlapping offsets", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12, nil, "'b': data_offsets [4, 12] overlap tensor 'a'"),
        ("gap between tensors", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, 12, nil, "'b': bytes 4..<8"),
        ("gap before the first tensor", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, nil, "a gap"),
        ("trailing bytes", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8, nil, "4 trailing bytes"),
        ("size mismatch", #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8, nil, "needs 12"),
        ("unknown dtype", #"{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, 4, nil, "unknown dtype \"F33\""),
        ("unsupported dtype", #"{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, 1, nil, "not supported"),
        ("negative dimension", #"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}"#, 0, nil, "non-negative integers"),
        ("fractional dimension", #"{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,0]}}"#, 0, nil, "non-negative integers"),
        ("shape overflow", #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#, 0, nil, "overflows"),
        ("duplicate key", #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#, 2, nil, "duplicate member \"a\""),
        ("metadata with a non-string value", #"{"__metadata__":{"x":1}}"#, 0, nil, "'__metadata__': the value of \"x\" is 1"),
        ("metadata not an object", #"{"__metadata__":"x"}"#, 0, nil, "must be a JSON object of strings"),
        ("bad ckpt_keras_paths", #"{"__metadata__":{"ckpt_keras_paths":"{\"a\":1}"}}"#, 0, nil, "ckpt_keras_paths"),
    ]

    @Test("hostile headers are refused with a message naming the file", arguments: hostileHeaders.indices)
    func hostileHeader(row: Int) throws {
        let (label, header, data, declared, message) = Self.hostileHeaders[row]
        let folder = try TemporaryDirectory()
        let path = folder.path("hostile.safetensors")
        try Self.rawFile(path, header: header, data: [UInt8](repeating: 7, count: data), declaredSize: declared)
        let error = try Self.openingError(path)
        #expect(error.description.contains(message), "\(label): \(error)")
    }

    @Test("files too short, non-UTF-8 headers and headers with a BOM are refused")
    func hostileBytes() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("short.safetensors")
        try Data([1, 0, 0]).write(to: URL(fileURLWithPath: path))
        #expect(try Self.openingError(path).description.contains("too short"))

        let utf8 = folder.path("utf8.safetensors")
        var bytes: [UInt8] = [4, 0, 0, 0, 0, 0, 0, 0]
        bytes += [UInt8(ascii: "{"), 0xFF, 0xFE, UInt8(ascii: "}")]
        try Data(bytes).write(to: URL(fileURLWithPath: utf8))
        #expect(try Self.openingError(utf8).description.contains("not valid UTF-8"))

        let bom = folder.path("bom.safetensors")
        try Self.rawFile(bom, header: "\u{FEFF}{}")
        #expect(try Self.openingError(bom).description.contains("must start with '{'"))

        // A header of spaces around an empty object is a valid, empty file.
        let empty = folder.path("empty.safetensors")
        try Self.rawFile(empty, header: "{}      ")
        #expect(try SafetensorsReader(path: empty).tensors.isEmpty)
    }

    @Test("indexes that do not match their shards are refused")
    func hostileIndex() throws {
        let folder = try TemporaryDirectory()
        let tensors = [TensorInfo(name: "a", shape: [4], dtype: .float32), TensorInfo(name: "b", shape: [4], dtype: .float32)]
        try Self.write(folder.path("m.safetensors"), Self.layout(tensors), options: WriterOptions(maxShardBytes: 16))
        let index = folder.path("m.safetensors.index.json")
        let shard1 = "m-00001-of-00002.safetensors"
        let shard2 = "m-00002-of-00002.safetensors"
        try Self.write(folder.path("both.safetensors"), Self.layout(tensors))
        func indexFile(_ weightMap: String, to name: String = "x.safetensors.index.json") throws -> String {
            let path = folder.path(name)
            try Data("{\"metadata\": {\"total_size\": 32}, \"weight_map\": {\(weightMap)}}".utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let cases: [(weightMap: String, message: String)] = [
            (#""a": "\#(shard1)", "b": "missing.safetensors""#, "cannot open shard \"missing.safetensors\""),
            (#""a": "\#(shard1)", "b": "\#(shard1)""#, "'b': the index maps it to shard \"\(shard1)\", which has no such tensor"),
            (#""a": "both.safetensors""#, "'b': shard \"both.safetensors\" holds the tensor, but the index does not list it"),
            (#""a": "both.safetensors", "b": "\#(shard2)""#, "'b': shard \"both.safetensors\" holds the tensor, but the index maps it to \"\(shard2)\""),
            (#""a": "\#(shard1)", "b": "\#(shard2)", "a": "\#(shard1)""#, "duplicate member \"a\""),
            (#""a": "../\#(shard1)""#, "not a relative path inside the index's folder"),
            (#""a": 3"#, "not a file name string"),
        ]
        for (weightMap, message) in cases {
            let path = try indexFile(weightMap)
            let error = try Self.openingError(path)
            #expect(error.description.contains(message), "\(weightMap): \(error)")
        }
        // A tensor listed for another shard than the one holding it.
        let swapped = try indexFile(#""a": "\#(shard2)", "b": "\#(shard1)""#)
        #expect(try Self.openingError(swapped).description.contains("which has no such tensor"))

        let notJSON = folder.path("bad.safetensors.index.json")
        try Data("{\"weight_map\": {\"a\": }".utf8).write(to: URL(fileURLWithPath: notJSON))
        #expect(try Self.openingError(notJSON).description.contains("line 1"))
        let noMap = try indexFile("", to: "nomap.safetensors.index.json")
        try Data("{\"metadata\": {}}".utf8).write(to: URL(fileURLWithPath: noMap))
        #expect(try Self.openingError(noMap).description.contains("no \"weight_map\""))

        // A corrupt shard is reported with the shard's own path.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder.path(shard2)))
        _ = try Self.openingError(index, named: folder.path(shard2))
    }
}
