import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// Deterministic bytes (SplitMix64) of a given count.
private func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}

/// Creates a dataset at `path` and fills it; returns the bytes written.
@discardableResult
private func dataset(
    _ group: HDF5Group, _ path: String, _ shape: [Int], _ dtype: DType = .float32, seed: UInt64 = 1
) throws -> [UInt8] {
    let created = try group.createDataset(path, dtype: dtype, shape: shape)
    if dtype == .bfloat16 { try created.setAttribute("dtype", string: "bfloat16") }
    let values = bytes(shape.reduce(1, *) * dtype.byteSize, seed: seed)
    try values.withUnsafeBytes { try created.write($0) }
    return values
}

/// All bytes of a tensor and the sizes of the pieces they came in.
private func readAll(_ reader: HDF5CheckpointReader, _ tensor: StoredTensor, piece: Int = 1 << 20) throws -> (bytes: [UInt8], pieces: [Int]) {
    var all: [UInt8] = []
    var pieces: [Int] = []
    try reader.read(tensor, maximumPieceBytes: piece) { all += $0; pieces.append($0.count) }
    return (all, pieces)
}

/// Builds a file with `body` and returns its path inside `folder`.
private func makeFile(_ folder: TemporaryDirectory, _ name: String = "file.h5", _ body: (HDF5File) throws -> Void) throws -> String {
    try folder.makeHDF5File(name, body)
}

/// A minimal legacy weights-only file: layers `a` (two weights) and `b` (weightless).
private func legacyFile(_ file: HDF5File) throws {
    try file.root.setAttribute("layer_names", strings: ["a", "b"], encoding: .ascii)
    let a = try file.root.createGroup("a")
    try a.setAttribute("weight_names", strings: ["a/kernel:0", "a/bias:0"], encoding: .ascii)
    try dataset(a, "a/kernel:0", [3, 2])
    try dataset(a, "a/bias:0", [2])
    try file.root.createGroup("b").setAttribute("weight_names", doubles: [])
}

@Suite("HDF5 checkpoint reader")
struct HDF5CheckpointReaderTests {
    // MARK: - Keras 3 .weights.h5

    @Test("Keras 3 layout: vars datasets in save order, optimizer left out, values identical")
    func kerasWeights() throws {
        let folder = try TemporaryDirectory()
        var written: [String: [UInt8]] = [:]
        let path = try makeFile(folder, "m.weights.h5") { file in
            let root = file.root
            for (index, key) in ["dense", "dense_2", "dense_10", "dense_1"].enumerated() {
                let vars = try root.createGroup("layers/\(key)/vars")
                try vars.setAttribute("name", string: "ignored_\(key)")
                written["layers/\(key)/vars/0"] = try dataset(root, "layers/\(key)/vars/0", [4, 3], seed: UInt64(index))
                written["layers/\(key)/vars/1"] = try dataset(root, "layers/\(key)/vars/1", [3], seed: UInt64(index + 10))
            }
            _ = try root.createGroup("layers/input_layer/vars")
            for index in 0..<12 {
                written["layers/lstm/cell/vars/\(index)"] = try dataset(root, "layers/lstm/cell/vars/\(index)", [2], seed: UInt64(100 + index))
            }
            _ = try root.createGroup("layers/lstm/vars")
            written["layers/scaled/vars/0"] = try dataset(root, "layers/scaled/vars/0", [5], .bfloat16, seed: 7)
            try dataset(root, "optimizer/vars/0", [], .int64)
            try dataset(root, "optimizer/vars/1", [])
            _ = try root.createGroup("vars")
        }
        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.format == .kerasWeights)
        #expect(reader.modelConfig == nil)
        #expect(reader.legacyLayers.isEmpty && reader.legacyLocations.isEmpty)
        let lstm = (0..<12).map { "layers/lstm/cell/vars/\($0)" }
        #expect(reader.tensors.map(\.name) == [
            "layers/dense/vars/0", "layers/dense/vars/1", "layers/dense_1/vars/0", "layers/dense_1/vars/1",
            "layers/dense_2/vars/0", "layers/dense_2/vars/1", "layers/dense_10/vars/0", "layers/dense_10/vars/1",
        ] + lstm + ["layers/scaled/vars/0"])
        #expect(reader.tensors.last?.info.dtype == .bfloat16)
        #expect(reader.tensors.first?.location == "/layers/dense/vars/0")
        #expect(reader.metadata.contains { $0.key == "optimizer" && $0.value.hasPrefix("2 variables") })
        for tensor in reader.tensors {
            #expect(try readAll(reader, tensor).bytes == written[tensor.name], "\(tensor.name)")
        }
    }

    @Test("tf-keras 2.13's _layer_checkpoint_dependencies root is read like layers")
    func checkpointDependencies() throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in
            try dataset(file.root, "_layer_checkpoint_dependencies/dense/vars/0", [2, 2])
        }
        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.format == .kerasWeights)
        #expect(reader.tensors.map(\.name) == ["_layer_checkpoint_dependencies/dense/vars/0"])
    }

    @Test("A `layers` group alone does not make a Keras file", arguments: ["empty layers", "other dataset under layers", "weightless model"])
    func kerasDetection(variant: String) throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in
            switch variant {
            case "empty layers":
                _ = try file.root.createGroup("layers")
                try dataset(file.root, "weights", [2])
            case "other dataset under layers":
                try dataset(file.root, "layers/dense/vars/0", [2])
                try dataset(file.root, "layers/dense/kernel", [2])
            default:
                _ = try file.root.createGroup("layers/dropout/vars")
                try dataset(file.root, "optimizer/vars/0", [], .int64)
            }
        }
        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.format == (variant == "weightless model" ? .kerasWeights : .hdf5))
        #expect(reader.tensors.count == ["empty layers": 1, "other dataset under layers": 2, "weightless model": 0][variant])
    }

    @Test("A string dataset among Keras variables is an error, not a skipped tensor")
    func kerasStringDataset() throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in
            try dataset(file.root, "layers/dense/vars/0", [2])
            _ = try file.root.createForeignDataset("layers/dense/vars/1", type: .variableLengthString, shape: [2])
        }
        let error = try #require(throws: KerasFormatError.self) { try HDF5CheckpointReader(path: path) }
        #expect(error.kind == .unsupportedType)
        #expect(error.description.contains("/layers/dense/vars/1"))
    }

    // MARK: - Legacy

    @Test("Legacy weights only: layer order, positions, :0 stripped from names, metadata")
    func legacyWeightsOnly() throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in
            try legacyFile(file)
            try file.root.setAttribute("backend", string: "tensorflow", encoding: .ascii)
            try file.root.setAttribute("keras_version", string: "2.21.0", encoding: .ascii)
        }
        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.format == .legacyH5)
        #expect(reader.tensors.map(\.name) == ["a/kernel", "a/bias"])
        #expect(reader.tensors.map(\.location) == ["/a/a/kernel:0", "/a/a/bias:0"])
        #expect(reader.legacyLayers == [LegacyLayer(name: "a", tensorIndices: 0..<2), LegacyLayer(name: "b", tensorIndices: 2..<2)])
        #expect(reader.legacyLocation(of: reader.tensors[1]) == LegacyLocation(layer: "a", weightName: "a/bias:0", trainable: true))
        #expect(reader.metadata.map(\.key).sorted() == ["backend", "keras_version"])
        #expect(reader.metadata.contains { $0.key == "backend" && $0.value == "tensorflow" })
    }

    @Test("Legacy full model: model_config exposed as is; fixed-length and chunked names read")
    func legacyFullModelForeignStrings() throws {
        let folder = try TemporaryDirectory()
        let config = #"{"class_name": "Sequential", "config": {"name": "s"}}"#
        let path = try makeFile(folder) { file in
            try file.root.setAttribute("model_config", string: config, encoding: .ascii)
            let weights = try file.root.createGroup("model_weights")
            // Older Keras: fixed-length strings, here split in chunks by hand.
            try weights.setAttribute("layer_names0", strings: ["head", "x"], variableLength: false, encoding: .ascii)
            try weights.setAttribute("layer_names1", strings: ["dense"], variableLength: false, encoding: .ascii)
            let head = try weights.createGroup("head")
            try head.setAttribute("weight_names0", strings: ["dense/kernel:0"], variableLength: false)
            try head.setAttribute("weight_names1", strings: ["kernel"], variableLength: false)
            try dataset(head, "dense/kernel:0", [2, 2])
            try dataset(head, "kernel", [3])
            _ = try weights.createGroup("x")  // no weight_names at all: weightless, as Keras reads it
            let dense = try weights.createGroup("dense")
            try dense.setAttribute("weight_names", strings: ["dense/kernel", "kernel"])
            try dataset(dense, "dense/kernel", [1])
            try dataset(dense, "kernel", [2])
            try dataset(file.root, "optimizer_weights/Adam/iter:0", [], .int64)
        }
        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.format == .legacyH5)
        #expect(reader.modelConfig == config)
        #expect(reader.legacyLayers.map(\.name) == ["head", "x", "dense"])
        #expect(reader.weightedLegacyLayers.map(\.name) == ["head", "dense"])
        // Group dense: not every weight name starts with "dense/", so the layer goes in front of all.
        #expect(reader.tensors.map(\.name) == ["head/dense/kernel", "head/kernel", "dense/dense/kernel", "dense/kernel"])
        #expect(reader.metadata.contains { $0.key == "optimizer_weights" })
    }

    @Test("Legacy structure problems are clear errors naming the layer", arguments: [
        "missing group", "missing dataset", "scalar layer_names", "string weight", "numeric names", "listed twice",
        "absolute weight name", "scalar weight_names",
    ])
    func legacyMalformed(problem: String) throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in
            try legacyFile(file)
            let a = try file.root.openGroup("a")
            switch problem {
            case "missing group": try file.root.setAttribute("layer_names", strings: ["a", "b", "c"])
            case "missing dataset": try a.setAttribute("weight_names", strings: ["a/kernel:0", "a/gamma:0"])
            case "scalar layer_names": try file.root.setAttribute("layer_names", string: "a")
            case "string weight":
                _ = try a.createForeignDataset("text", type: .variableLengthString, shape: [1])
                try a.setAttribute("weight_names", strings: ["a/kernel:0", "text"])
            case "numeric names": try file.root.setAttribute("layer_names", doubles: [1, 2])
            case "listed twice": try file.root.setAttribute("layer_names", strings: ["a", "b", "a"])
            case "absolute weight name": try a.setAttribute("weight_names", strings: ["/a/a/kernel:0"])
            default: try a.setAttribute("weight_names", string: "a/kernel:0")
            }
        }
        let error = try #require(throws: KerasFormatError.self) { try HDF5CheckpointReader(path: path) }
        #expect(error.kind == (problem == "string weight" ? .unsupportedType : .malformedFile), "\(error)")
        #expect(error.description.hasPrefix(path + ": "))
        #expect(!error.description.contains("\n"))
        if problem == "missing group" { #expect(error.description.contains("layer 'c'")) }
        if problem == "scalar layer_names" { #expect(error.description.contains("1-D")) }
    }

    // MARK: - Plain HDF5

    @Test("Plain files: numeric datasets at any depth in name order; strings skipped with a note")
    func plainFile() throws {
        let folder = try TemporaryDirectory()
        var written: [String: [UInt8]] = [:]
        let path = try makeFile(folder) { file in
            written["z"] = try dataset(file.root, "z", [2], .int16, seed: 1)
            written["a/b/c"] = try dataset(file.root, "a/b/c", [3, 4], .float64, seed: 2)
            written["a/a"] = try dataset(file.root, "a/a", [], .uint8, seed: 3)
            written["B"] = try dataset(file.root, "B", [0, 4], seed: 4)
            _ = try file.root.createForeignDataset("a/text", type: .variableLengthString, shape: [2])
            _ = try file.root.createGroup("empty")
            try file.root.setAttribute("note", strings: ["made", "by hand"])
            try file.root.setAttribute("epochs", int64: 12)
        }
        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.format == .hdf5)
        #expect(reader.tensors.map(\.name) == ["B", "a/a", "a/b/c", "z"])
        #expect(reader.tensors.map(\.info.dtype) == [.float32, .uint8, .float64, .int16])
        for tensor in reader.tensors {
            #expect(try readAll(reader, tensor).bytes == written[tensor.name])
        }
        #expect(try readAll(reader, reader.tensors[0]).pieces.isEmpty)
        let notes = Dictionary(reader.metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(notes["skipped"]?.contains("/a/text") == true)
        #expect(notes["note"] == "made, by hand")
        #expect(notes["epochs"] == "12")
    }

    @Test("Big-endian data comes back little-endian")
    func bigEndian() throws {
        let folder = try TemporaryDirectory()
        let values: [Float] = [1.5, -2, 3.25, 1e-3]
        let path = try makeFile(folder) { file in
            let created = try file.root.createForeignDataset("be", type: .float32BigEndian, shape: [4])
            try values.withUnsafeBytes { try created.write($0) }
        }
        let reader = try HDF5CheckpointReader(path: path)
        let read = try readAll(reader, reader.tensors[0]).bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(read == values)
    }

    @Test("Reading streams whole rows in pieces of at most the limit, one row at least", arguments: [
        (24, [24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24]),  // rows of 24 bytes, one per piece
        (100, [96, 96, 96, 48]),
        (10, Array(repeating: 24, count: 14)),
        (1 << 20, [336]),
    ])
    func pieces(limit: Int, expected: [Int]) throws {
        let folder = try TemporaryDirectory()
        var written: [UInt8] = []
        let path = try makeFile(folder) { file in written = try dataset(file.root, "t", [14, 2, 3]) }
        let reader = try HDF5CheckpointReader(path: path)
        let (all, pieces) = try readAll(reader, reader.tensors[0], piece: limit)
        #expect(pieces == expected)
        #expect(all == written)
    }

    // MARK: - Hostile input

    @Test("Soft and external links anywhere are refused, never followed", arguments: ["soft", "external", "legacy soft"])
    func links(kind: String) throws {
        let folder = try TemporaryDirectory()
        let other = try makeFile(folder, "other.h5") { file in try dataset(file.root, "secret", [2]) }
        let path = try makeFile(folder) { file in
            switch kind {
            case "soft":
                try dataset(file.root, "a/real", [2])
                try file.root.createSoftLink("a/alias", target: "/a/real")
            case "external":
                try dataset(file.root, "layers/dense/vars/0", [2])
                try file.root.createExternalLink("layers/dense/vars/1", file: other, object: "/secret")
            default:
                try legacyFile(file)
                try file.root.openGroup("a").createSoftLink("a/extra", target: "/a/a/bias:0")
            }
        }
        let error = try #require(throws: KerasFormatError.self) { try HDF5CheckpointReader(path: path) }
        #expect(error.kind == .unsafeFile)
        #expect(error.description.contains(kind == "external" ? "external link" : "soft link"))
    }

    @Test("A dataset whose values live in another file is refused")
    func externalStorage() throws {
        let folder = try TemporaryDirectory()
        let raw = folder.path("raw.bin")
        try Data(count: 16).write(to: URL(fileURLWithPath: raw))
        let path = try makeFile(folder) { file in
            try file.root.createExternallyStoredDataset("stolen", count: 4, externalFile: raw)
        }
        let error = try #require(throws: KerasFormatError.self) { try HDF5CheckpointReader(path: path) }
        #expect(error.kind == .unsafeFile)
        #expect(error.description.contains("'/stolen'"))
    }

    @Test("A shape bomb (32 GiB declared, nothing stored) is refused before any read, naming the limit's flag")
    func shapeBomb() throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in
            _ = try file.root.createDataset("layers/dense/vars/0", dtype: .float32, shape: [524_288, 16_384], chunkShape: [1, 16_384])
        }
        let error = try #require(throws: KerasFormatError.self) { try HDF5CheckpointReader(path: path) }
        #expect(error.kind == .unsafeFile)
        #expect(error.description.contains("34359738368 bytes"))
        #expect(error.description.contains("16 GiB") && error.description.contains("--max-decompressed"))
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("Not an HDF5 file")
    func notHDF5() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("x.h5")
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: HDF5Error.self) { try HDF5CheckpointReader(path: path) }
    }

    @Test("A tensor of another reader is refused")
    func foreignTensor() throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in try dataset(file.root, "a", [2]) }
        let reader = try HDF5CheckpointReader(path: path)
        let stranger = StoredTensor(info: TensorInfo(name: "a", shape: [3], dtype: .float32), location: "/a")
        #expect(throws: KerasFormatError.self) { try reader.read(stranger, maximumPieceBytes: 100) { _ in } }
    }

    @Test("Legacy tensor names: :0 stripped unless that clashes, the layer written once")
    func legacyNames() throws {
        func names(_ layer: String, _ weights: [String]) throws -> [String] {
            try HDF5CheckpointContents.legacyNames(layer: layer, weightNames: weights, file: "f.h5")
        }
        #expect(try names("dense", ["dense/kernel:0", "dense/bias:0"]) == ["dense/kernel", "dense/bias"])
        #expect(try names("head", ["dense/kernel:0", "bn/gamma:0"]) == ["head/dense/kernel", "head/bn/gamma"])
        #expect(try names("head", ["head/dense/kernel"]) == ["head/dense/kernel"])
        #expect(try names("g", ["k:0", "k"]) == ["g/k:0", "g/k"])
        #expect(try names("g", []) == [])
        #expect(throws: KerasFormatError.self) { try names("g", ["k", "k"]) }
    }

    @Test("Natural order puts dense_2 before dense_10")
    func naturalOrder() {
        let names = ["dense_10", "conv2d_1", "dense", "dense_2", "conv2d", "dense_1", "a01", "a1"]
        #expect(names.sorted(by: HDF5CheckpointTree.naturallyPrecedes)
            == ["a1", "a01", "conv2d", "conv2d_1", "dense", "dense_1", "dense_2", "dense_10"])
    }
}
