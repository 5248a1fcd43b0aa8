import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// Deterministic bytes for a tensor (SplitMix64 over the name), valid for every dtype: floats
/// get small finite values, so the bytes survive any round trip unchanged.
private func values(for info: TensorInfo) -> [UInt8] {
    var state = info.name.utf8.reduce(UInt64(0x9E37_79B9_7F4A_7C15)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    var bytes: [UInt8] = []
    for _ in 0..<info.elementCount {
        let unit = Float(next() >> 40) / Float(1 << 24) - 0.5
        switch info.dtype {
        case .float32: withUnsafeBytes(of: unit.bitPattern.littleEndian) { bytes += $0 }
        case .float64: withUnsafeBytes(of: Double(unit).bitPattern.littleEndian) { bytes += $0 }
        case .float16: withUnsafeBytes(of: Float16(unit).bitPattern.littleEndian) { bytes += $0 }
        case .bfloat16: withUnsafeBytes(of: UInt16(unit.bitPattern >> 16).littleEndian) { bytes += $0 }
        case .bool: bytes.append(UInt8(next() & 1))
        default:
            let raw = next()
            withUnsafeBytes(of: raw.littleEndian) { bytes += $0.prefix(info.dtype.byteSize) }
        }
    }
    return bytes
}

/// Writes every tensor of `layout` with `values(for:)`, in pieces of up to 3 rows.
private func write(_ layout: CheckpointLayout, to path: String, options: WriterOptions = WriterOptions()) throws {
    let writer = try LegacyH5Writer(path: path, layout: layout, options: options)
    do {
        for tensor in layout.tensors {
            try writer.beginTensor(tensor)
            let bytes = values(for: tensor.info)
            let rows = tensor.info.shape.first ?? 1
            let rowBytes = rows == 0 ? 0 : bytes.count / rows
            var row = 0
            while row < rows, rowBytes > 0 {
                let count = min(3, rows - row)
                try bytes[row * rowBytes..<(row + count) * rowBytes].withUnsafeBytes { try writer.append($0) }
                row += count
            }
            try writer.endTensor()
        }
        try writer.finish()
    } catch {
        writer.abort()
        throw error
    }
}

/// All bytes of a tensor, read in small pieces.
private func readAll(_ reader: HDF5CheckpointReader, _ tensor: StoredTensor) throws -> [UInt8] {
    var bytes: [UInt8] = []
    try reader.read(tensor, maximumPieceBytes: 40) { bytes += $0 }
    return bytes
}

private func tensor(
    _ name: String, _ shape: [Int], _ dtype: DType = .float32, layer: String, weight: String, trainable: Bool = true
) -> LayoutTensor {
    LayoutTensor(info: TensorInfo(name: name, shape: shape, dtype: dtype), kerasPath: nil,
                 legacy: LegacyLocation(layer: layer, weightName: weight, trainable: trainable))
}

/// A Functional model: an input, a Dense, a nested model `head` (Dense, BatchNormalization,
/// Dense, so trainable and non-trainable weights interleave in save order), a weightless
/// Dropout, a Normalization with an int32 scalar, and an output Dense.
private func nestedLayout(modelConfig: String? = #"{"class_name": "Functional", "config": {}}"#) -> CheckpointLayout {
    CheckpointLayout(
        tensors: [
            tensor("dense/kernel", [7, 5], layer: "dense", weight: "dense/kernel"),
            tensor("dense/bias", [5], layer: "dense", weight: "dense/bias"),
            tensor("head/inner/kernel", [5, 4], layer: "head", weight: "inner/kernel"),
            tensor("head/inner/bias", [4], layer: "head", weight: "inner/bias"),
            tensor("head/bn/gamma", [4], layer: "head", weight: "bn/gamma"),
            tensor("head/bn/beta", [4], layer: "head", weight: "bn/beta"),
            tensor("head/bn/moving_mean", [4], layer: "head", weight: "bn/moving_mean", trainable: false),
            tensor("head/bn/moving_variance", [4], layer: "head", weight: "bn/moving_variance", trainable: false),
            tensor("head/inner_1/kernel", [4, 3], .float64, layer: "head", weight: "inner_1/kernel"),
            tensor("head/inner_1/bias", [3], .float64, layer: "head", weight: "inner_1/bias"),
            tensor("norm/mean", [3], layer: "norm", weight: "norm/mean", trainable: false),
            tensor("norm/variance", [3], layer: "norm", weight: "norm/variance", trainable: false),
            tensor("norm/count", [], .int32, layer: "norm", weight: "norm/count", trainable: false),
            tensor("out/kernel", [3, 1], .float16, layer: "out", weight: "out/kernel"),
            tensor("out/bias", [1], .float16, layer: "out", weight: "out/bias"),
        ],
        topLevelLayers: ["input", "dense", "head", "dropout", "norm", "out"],
        modelConfig: modelConfig)
}

private let headWeightNames = [
    "inner/kernel", "inner/bias", "bn/gamma", "bn/beta", "inner_1/kernel", "inner_1/bias",
    "bn/moving_mean", "bn/moving_variance",
]

@Suite("Legacy .h5 writer")
struct LegacyH5Tests {
    @Test("A full model has Keras' attributes and groups, weight_names trainable first")
    func fullModelStructure() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("model.h5")
        let layout = nestedLayout()
        try write(layout, to: path)

        let file = try HDF5File.open(atPath: path)
        #expect(try file.root.stringAttribute("keras_version") == LegacyH5Writer.kerasVersion)
        #expect(try file.root.stringAttribute("backend") == LegacyH5Writer.backend)
        #expect(try file.root.stringAttribute("model_config") == layout.modelConfig)
        let weights = try file.root.openGroup("model_weights")
        #expect(try weights.stringArrayAttribute("layer_names") == layout.topLevelLayers)
        #expect(try weights.attributeRank("layer_names") == 1)
        #expect(try weights.stringAttribute("backend") == LegacyH5Writer.backend)
        #expect(try weights.stringAttribute("keras_version") == LegacyH5Writer.kerasVersion)
        #expect(try weights.children().map(\.name).sorted()
            == ["dense", "dropout", "head", "input", "norm", "out", "top_level_model_weights"])

        #expect(try weights.openGroup("head").stringArrayAttribute("weight_names") == headWeightNames)
        #expect(try weights.openGroup("norm").stringArrayAttribute("weight_names") == ["norm/mean", "norm/variance", "norm/count"])
        for empty in ["input", "dropout", "top_level_model_weights"] {
            // Keras writes np.asarray([]): an empty float64 array, not an empty string array.
            let group = try weights.openGroup(empty)
            #expect(try group.doubleArrayAttribute("weight_names") == [])
            #expect(throws: HDF5Error.self) { try group.stringArrayAttribute("weight_names") }
        }
        let kernel = try weights.openDataset("head/inner_1/kernel")
        #expect(kernel.shape == [4, 3])
        #expect(try kernel.dtype == .float64)
        #expect(!kernel.isChunked)
        #expect(try weights.openDataset("norm/norm/count").shape == [])
        #expect(try weights.openDataset("out/out/kernel").dtype == .float16)
    }

    @Test("Our reader reads a full model back: names, layers by position, identical bytes")
    func fullModelRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("model.h5")
        let layout = nestedLayout()
        try write(layout, to: path)

        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.format == .legacyH5)
        #expect(reader.modelConfig == layout.modelConfig)
        #expect(reader.legacyLayers.map(\.name) == layout.topLevelLayers)
        #expect(reader.weightedLegacyLayers.map(\.name) == ["dense", "head", "norm", "out"])
        #expect(reader.tensors.map(\.name) == [
            "dense/kernel", "dense/bias",
            "head/inner/kernel", "head/inner/bias", "head/bn/gamma", "head/bn/beta", "head/inner_1/kernel",
            "head/inner_1/bias", "head/bn/moving_mean", "head/bn/moving_variance",
            "norm/mean", "norm/variance", "norm/count", "out/kernel", "out/bias",
        ])
        #expect(reader.legacyLocations[2] == LegacyLocation(layer: "head", weightName: "inner/kernel", trainable: true))
        #expect(reader.tensors[2].location == "/model_weights/head/inner/kernel")
        #expect(reader.metadata.contains { $0.key == "keras_version" && $0.value == LegacyH5Writer.kerasVersion })
        #expect(!reader.metadata.contains { $0.key == "model_config" })
        let byName = Dictionary(uniqueKeysWithValues: layout.tensors.map { ($0.info.name, $0.info) })
        for stored in reader.tensors {
            let info = try #require(byName[stored.name])
            #expect(stored.info == info)
            #expect(try readAll(reader, stored) == values(for: info), "\(stored.name)")
        }
    }

    @Test("Weights only: tf.keras layout at the root, :0 names, all layers listed")
    func weightsOnly() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("weights.h5")
        let layout = nestedLayout(modelConfig: nil)
        try write(layout, to: path, options: WriterOptions(weightsOnly: true))

        let file = try HDF5File.open(atPath: path)
        #expect(try file.root.stringArrayAttribute("layer_names") == layout.topLevelLayers)
        #expect(try file.root.stringAttribute("backend") == LegacyH5Writer.backend)
        #expect(try file.root.stringAttribute("keras_version") == LegacyH5Writer.kerasVersion)
        #expect(try !file.root.hasAttribute("model_config"))
        #expect(!file.root.contains("model_weights"))
        #expect(try file.root.openGroup("head").stringArrayAttribute("weight_names") == headWeightNames.map { $0 + ":0" })
        #expect(try file.root.openGroup("dropout").doubleArrayAttribute("weight_names") == [])
        #expect(try file.root.openGroup("top_level_model_weights").doubleArrayAttribute("weight_names") == [])
        #expect(file.root.contains("dense/dense/kernel:0"))
        try file.close()

        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.format == .legacyH5)
        #expect(reader.modelConfig == nil)
        #expect(reader.tensors.map(\.name).prefix(3) == ["dense/kernel", "dense/bias", "head/inner/kernel"])
        #expect(reader.legacyLocations[0].weightName == "dense/kernel:0")
        let byName = Dictionary(uniqueKeysWithValues: layout.tensors.map { ($0.info.name, $0.info) })
        #expect(Set(reader.tensors.map(\.name)) == Set(byName.keys))
        for stored in reader.tensors {
            let info = try #require(byName[stored.name])
            #expect(try readAll(reader, stored) == values(for: info))
        }
    }

    @Test("The same layout and values give byte-identical files", arguments: [false, true])
    func reproducible(weightsOnly: Bool) throws {
        let folder = try TemporaryDirectory()
        let layout = nestedLayout()
        let options = WriterOptions(weightsOnly: weightsOnly)
        try write(layout, to: folder.path("a.h5"), options: options)
        try write(layout, to: folder.path("b.h5"), options: options)
        let a = try Data(contentsOf: folder.url.appendingPathComponent("a.h5"))
        let b = try Data(contentsOf: folder.url.appendingPathComponent("b.h5"))
        #expect(a == b)
        #expect(folder.contents() == ["a.h5", "b.h5"])
    }

    @Test("bfloat16 tensors are stored as exact float32 (the legacy loader cannot read opaque bfloat16)")
    func bfloat16Widened() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("bf16.h5")
        let layout = CheckpointLayout(
            tensors: [tensor("d/kernel", [5, 3], .bfloat16, layer: "d", weight: "d/kernel"),
                      tensor("d/scale", [], .bfloat16, layer: "d", weight: "d/scale")],
            topLevelLayers: ["d"], modelConfig: "{}")
        try write(layout, to: path)
        let reader = try HDF5CheckpointReader(path: path)
        for (stored, info) in zip(reader.tensors, layout.tensors.map(\.info)) {
            #expect(stored.info.dtype == .float32)
            #expect(stored.info.shape == info.shape)
            let halves = values(for: info).withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
            let expected = halves.map { Float(bitPattern: UInt32($0) << 16) }
            let floats = try readAll(reader, stored).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            #expect(floats == expected)
        }
    }

    // MARK: - Attribute chunking

    @Test("Keras' chunk count (np.array_split of a fixed-width bytes array, 64512 bytes each)")
    func chunkCounts() {
        // Values from keras' save_attributes_to_hdf5_group run on the same names.
        let names3000 = (0..<3000).map { String(format: "layer_%05d_", $0) + String(repeating: "x", count: 20) }
        #expect(LegacyAttributes.kerasChunkCount(names3000) == 2)  // 3000 × 32 bytes
        #expect(LegacyAttributes.kerasChunkCount(["dense", "bn"]) == 1)
        #expect(LegacyAttributes.kerasChunkCount([]) == 1)
        // One long name widens every element: 2016 × 32 = 64512 fits, 2017 × 32 does not.
        let widened = ["a", String(repeating: "b", count: 32)] + Array(repeating: "c", count: 2014)
        #expect(LegacyAttributes.kerasChunkCount(widened) == 1)
        #expect(LegacyAttributes.kerasChunkCount(widened + ["d"]) == 2)
        #expect(LegacyAttributes.kerasChunkCount([String(repeating: "x", count: 64513)]) == nil)
        #expect(LegacyAttributes.chunkSizes(count: 10, chunks: 3) == [4, 3, 3])
    }

    @Test("5000 long layer names are split into layer_names0…2 and read back in order")
    func chunkedLayerNames() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("many.h5")
        let layers = (0..<5000).map { "a_layer_with_a_rather_long_name_\($0)" }
        let weighted = [0, 1234, 4999]
        let layout = CheckpointLayout(
            tensors: weighted.map { tensor("\(layers[$0])/kernel", [2, 2], layer: layers[$0], weight: "\(layers[$0])/kernel") },
            topLevelLayers: layers, modelConfig: "{}")
        #expect(LegacyAttributes.kerasChunkCount(layers) == 3)  // 5000 × 36 bytes = 180000
        try write(layout, to: path)

        do {
            let weights = try HDF5File.open(atPath: path).root.openGroup("model_weights")
            #expect(try !weights.hasAttribute("layer_names"))
            #expect(try weights.stringArrayAttribute("layer_names0")?.count == 1667)
            #expect(try weights.stringArrayAttribute("layer_names1")?.count == 1667)
            #expect(try weights.stringArrayAttribute("layer_names2")?.count == 1666)
            #expect(try !weights.hasAttribute("layer_names3"))
        }
        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.legacyLayers.map(\.name) == layers)
        #expect(reader.weightedLegacyLayers.map(\.name) == weighted.map { layers[$0] })
        for (stored, layoutTensor) in zip(reader.tensors, layout.tensors) {
            #expect(stored.name == layoutTensor.info.name)
            #expect(try readAll(reader, stored) == values(for: layoutTensor.info))
        }
    }

    @Test("Where Keras would fail (4100 short names in one vlen array), the names go in two chunks")
    func chunkFallback() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("short.h5")
        let layers = (0..<4100).map { String(format: "l%09d", $0) }
        #expect(LegacyAttributes.kerasChunkCount(layers) == 1)
        try write(CheckpointLayout(tensors: [], topLevelLayers: layers), to: path, options: WriterOptions(weightsOnly: true))
        let root = try HDF5File.open(atPath: path).root
        #expect(try root.stringArrayAttribute("layer_names0")?.count == 2050)
        #expect(try root.stringArrayAttribute("layer_names1")?.count == 2050)
        #expect(try HDF5CheckpointReader(path: path).legacyLayers.map(\.name) == layers)
    }

    @Test("A layer with 1700 long weight names gets weight_names0, weight_names1")
    func chunkedWeightNames() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("wide.h5")
        let names = (0..<1700).map { String(format: "block/sublayer_with_long_name_%04d/scale", $0) }
        let layout = CheckpointLayout(
            tensors: names.map { tensor("big/\($0)", [], layer: "big", weight: $0) },
            topLevelLayers: ["big"], modelConfig: "{}")
        try write(layout, to: path)
        let group = try HDF5File.open(atPath: path).root.openGroup("model_weights/big")
        #expect(try group.stringArrayAttribute("weight_names0")?.count == 850)
        #expect(try group.stringArrayAttribute("weight_names1")?.count == 850)
        let reader = try HDF5CheckpointReader(path: path)
        #expect(reader.tensors.map(\.name) == names.map { "big/" + $0 })
    }

    // MARK: - Errors

    @Test("A full model without the model's JSON is refused before any file appears")
    func fullModelNeedsConfig() throws {
        let folder = try TemporaryDirectory()
        let error = try #require(throws: KerasFormatError.self) {
            try LegacyH5Writer(path: folder.path("m.h5"), layout: nestedLayout(modelConfig: nil), options: WriterOptions())
        }
        #expect(error.kind == .missingModel)
        #expect(error.description.contains("--weights-only"))
        #expect(folder.contents().isEmpty)
    }

    @Test("Layouts that Keras could not read back are refused", arguments: [
        ("no legacy location", KerasFormatError.Kind.missingModel),
        ("unknown layer", .invalidLayout),
        ("duplicate layer", .invalidLayout),
        ("slash in layer", .invalidLayout),
        ("same dataset twice", .invalidLayout),
        ("dataset inside dataset", .invalidLayout),
        ("empty weight name component", .invalidLayout),
        ("reserved layer name", .invalidLayout),
    ])
    func invalidLayouts(problem: String, kind: KerasFormatError.Kind) throws {
        var layout = CheckpointLayout(
            tensors: [tensor("a/kernel", [2], layer: "a", weight: "a/kernel"), tensor("b/kernel", [2], layer: "b", weight: "b/kernel")],
            topLevelLayers: ["a", "b"], modelConfig: "{}")
        switch problem {
        case "no legacy location": layout.tensors[1].legacy = nil
        case "unknown layer": layout.tensors[1].legacy?.layer = "c"
        case "duplicate layer": layout.topLevelLayers = ["a", "b", "a"]
        case "slash in layer": layout.topLevelLayers = ["a", "b/c"]
        case "same dataset twice": layout.tensors[1].legacy = LegacyLocation(layer: "a", weightName: "a/kernel", trainable: false)
        case "dataset inside dataset": layout.tensors[1].legacy = LegacyLocation(layer: "a", weightName: "a/kernel/x", trainable: true)
        case "empty weight name component": layout.tensors[1].legacy?.weightName = "b//kernel"
        default: layout.topLevelLayers = ["a", "b", "top_level_model_weights"]
        }
        let folder = try TemporaryDirectory()
        let error = try #require(throws: KerasFormatError.self) {
            try LegacyH5Writer(path: folder.path("m.h5"), layout: layout, options: WriterOptions())
        }
        #expect(error.kind == kind, "\(error)")
        #expect(!error.description.contains("\n"))
        #expect(folder.contents().isEmpty)
    }

    @Test("Out-of-order tensors, partial rows and early finish are usage errors; abort leaves nothing")
    func usageErrors() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("m.h5")
        let layout = nestedLayout()
        let writer = try LegacyH5Writer(path: path, layout: layout, options: WriterOptions())
        #expect(throws: KerasFormatError.self) { try writer.beginTensor(layout.tensors[1]) }
        try writer.beginTensor(layout.tensors[0])
        let bytes = values(for: layout.tensors[0].info)
        // Rows of the (7, 5) float32 kernel are 20 bytes.
        #expect(throws: KerasFormatError.self) { try bytes[0..<30].withUnsafeBytes { try writer.append($0) } }
        try bytes[0..<40].withUnsafeBytes { try writer.append($0) }
        #expect(throws: KerasFormatError.self) { try writer.endTensor() }
        #expect(throws: KerasFormatError.self) { try writer.finish() }
        writer.abort()
        #expect(folder.contents().isEmpty)
    }

    @Test("An existing file is kept unless overwriting is asked for")
    func overwrite() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("m.h5")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: OutputError.self) { try LegacyH5Writer(path: path, layout: nestedLayout(), options: WriterOptions()) }
        try write(nestedLayout(), to: path, options: WriterOptions(overwrite: true))
        #expect(try HDF5CheckpointReader(path: path).tensors.count == nestedLayout().tensors.count)
    }
}
