import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Every writable format of the registry, through the writer the registry makes (behind
/// ``CheckedWriter``): every dtype, scalars, empty tensors and zero-size dimensions round-trip
/// through ckpt's readers, and every misuse of the writer contract is an error that leaves
/// nothing behind once the writer is aborted. A new format gets these cases by its registry line.
@Suite("Writer contract, every writable format")
struct WriterConformanceTests {
    /// GGUF holds a known architecture's tensors only (llama.cpp names, from a config.json), not
    /// any names and dtypes: GGUFTests and GGUFCLITests cover it.
    static var formats: [CheckpointFormat] { FormatRegistry.writable.map(\.format).filter { $0 != .gguf } }

    /// Shapes that exercise the contract's corners: rows, a scalar, no rows, rows of no bytes.
    static let shapes: [[Int]] = [[3, 2], [], [0, 4], [2, 0], [5]]

    static func layout(_ dtypes: [DType]) -> CheckpointLayout {
        var tensors: [LayoutTensor] = []
        var layers: [String] = []
        for (d, dtype) in dtypes.enumerated() {
            for (s, shape) in shapes.enumerated() {
                let layer = "layer_\(d)_\(s)"
                layers.append(layer)
                tensors.append(LayoutTensor(
                    info: TensorInfo(name: "\(layer)/w", shape: shape, dtype: dtype), kerasPath: "layers/\(layer)/vars/0",
                    legacy: LegacyLocation(layer: layer, weightName: "\(layer)/w", trainable: true)))
            }
        }
        var layout = CheckpointLayout(tensors: tensors, topLevelLayers: layers,
                                      modelConfig: #"{"class_name": "Functional", "config": {"name": "m", "layers": []}}"#)
        // A Hugging Face folder needs its config.json (the other formats ignore it).
        layout.folderFiles = [FolderFile(name: "config.json", bytes: Array(#"{"model_type": "llama"}"#.utf8))]
        return layout
    }

    /// Deterministic bytes for a tensor (any bit pattern is a valid value of a numeric type,
    /// except bool, which gets 0 and 1).
    static func bytes(_ info: TensorInfo) -> [UInt8] {
        (0..<info.byteCount).map { i in info.dtype == .bool ? UInt8(i % 2) : UInt8(truncatingIfNeeded: i &* 37 &+ info.name.count) }
    }

    /// The output's name: `out` with the format's first ending, or `out-hf` for a folder format.
    static func name(_ format: CheckpointFormat) -> String {
        format.descriptor.extensions.first.map { "out.\($0.dropFirst())" } ?? "out-\(format.rawValue)"
    }

    static func write(_ layout: CheckpointLayout, _ format: CheckpointFormat, to path: String) throws {
        let writer = try format.descriptor.makeWriter(WriterRequest(path: path, layout: layout, options: WriterOptions()))
        do {
            for tensor in layout.tensors {
                try writer.beginTensor(tensor)
                let values = bytes(tensor.info)
                let row = TensorPieces.rowBytes(tensor.info)
                // Row by row, so pieces are whole rows but not whole tensors.
                var offset = 0
                while offset < values.count {
                    let count = row > 0 && !tensor.info.shape.isEmpty ? row : values.count
                    try values[offset ..< offset + count].withUnsafeBytes { try writer.append($0) }
                    offset += count
                }
                try writer.endTensor()
            }
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
    }

    @Test(arguments: formats)
    func everyDTypeAndShapeRoundTrips(format: CheckpointFormat) throws {
        let dir = try TemporaryDirectory()
        let layout = Self.layout(DType.allCases)
        let path = dir.path(Self.name(format))
        try Self.write(layout, format, to: path)
        let reader = try CheckpointReaders.open(path: path)
        #expect(reader.tensors.count == layout.tensors.count, "\(format)")
        // Keras formats name tensors by their path; pair through the layout.
        let byName = Dictionary(reader.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for tensor in layout.tensors {
            let key = format.isNameKeyed ? tensor.info.name : (format == .legacyH5 ? tensor.legacy!.weightName : tensor.kerasPath!)
            guard let stored = byName[key] ?? byName[key + ":0"] else {
                Issue.record("\(format): no tensor \(key) among \(reader.tensors.map(\.name).prefix(4))…")
                continue
            }
            var expected = Self.bytes(tensor.info)
            if format == .legacyH5, tensor.info.dtype == .bfloat16 {
                // Legacy .h5 has no bfloat16: Keras' legacy loader reads float32, which every
                // bfloat16 widens to exactly (its two bytes become the high half).
                #expect(stored.info.dtype == .float32, "\(format): \(key)")
                expected = stride(from: 0, to: expected.count, by: 2).flatMap { [0, 0, expected[$0], expected[$0 + 1]] }
            } else {
                #expect(stored.info.dtype == tensor.info.dtype, "\(format): \(key)")
            }
            #expect(stored.info.shape == tensor.info.shape, "\(format): \(key)")
            var read: [UInt8] = []
            try reader.read(stored, maximumPieceBytes: 7) { read += $0 }
            #expect(read == expected, "\(format): \(key) \(tensor.info.dtype)")
        }
        #expect(dir.contents() == [Self.name(format)] || format == .safetensors, "\(format): \(dir.contents())")
    }

    /// One misuse each, after a correct start; each must throw "writer misuse", and after
    /// `abort` the folder is empty.
    enum Misuse: String, CaseIterable, Sendable {
        case appendWithoutTensor, wrongTensor, partialRow, tooManyBytes, endTooEarly, finishEarly, beginWhileOpen,
             useAfterFinish, useAfterAbort
    }

    static let cases: [(CheckpointFormat, Misuse)] = formats.flatMap { format in Misuse.allCases.map { (format, $0) } }

    @Test(arguments: cases)
    func misuseIsAnErrorAndLeavesNothing(format: CheckpointFormat, misuse: Misuse) throws {
        let dir = try TemporaryDirectory()
        let layout = Self.layout([.float32])
        let path = dir.path(Self.name(format))
        let writer = try format.descriptor.makeWriter(WriterRequest(path: path, layout: layout, options: WriterOptions()))
        let first = layout.tensors[0]  // (3, 2) float32: rows of 8 bytes
        let values = Self.bytes(first.info)
        func misused(_ body: () throws -> Void) {
            #expect(throws: OutputError.self, "\(format) \(misuse)") { try body() }
            do { try body() } catch { #expect("\(error)".contains("writer misuse"), "\(format) \(misuse): \(error)") }
        }
        switch misuse {
        case .appendWithoutTensor:
            misused { try values.withUnsafeBytes { try writer.append($0) } }
        case .wrongTensor:
            misused { try writer.beginTensor(layout.tensors[1]) }
        case .partialRow:
            try writer.beginTensor(first)
            misused { try values[0 ..< 5].withUnsafeBytes { try writer.append($0) } }
        case .tooManyBytes:
            try writer.beginTensor(first)
            try values.withUnsafeBytes { try writer.append($0) }
            misused { try values[0 ..< 8].withUnsafeBytes { try writer.append($0) } }
        case .endTooEarly:
            try writer.beginTensor(first)
            try values[0 ..< 8].withUnsafeBytes { try writer.append($0) }
            misused { try writer.endTensor() }
        case .finishEarly:
            try writer.beginTensor(first)
            try values.withUnsafeBytes { try writer.append($0) }
            try writer.endTensor()
            misused { try writer.finish() }
        case .beginWhileOpen:
            try writer.beginTensor(first)
            misused { try writer.beginTensor(layout.tensors[1]) }
        case .useAfterFinish:
            var empty = CheckpointLayout(tensors: [], topLevelLayers: [], modelConfig: layout.modelConfig)
            empty.folderFiles = layout.folderFiles
            // A folder format's first writer has made its folder already: the second writes beside it.
            let donePath = format.descriptor.extensions.isEmpty ? path + "-done" : path
            let done = try format.descriptor.makeWriter(WriterRequest(path: donePath, layout: empty, options: WriterOptions()))
            try done.finish()
            misused { try done.beginTensor(first) }
            misused { try done.finish() }
            #expect(FileManager.default.fileExists(atPath: donePath), "\(format): the finished file stays")
            try FileManager.default.removeItem(atPath: donePath)
        case .useAfterAbort:
            try writer.beginTensor(first)
            writer.abort()
            misused { try values.withUnsafeBytes { try writer.append($0) } }
        }
        writer.abort()
        writer.abort()  // twice is harmless
        #expect(dir.contents().isEmpty, "\(format) \(misuse): left \(dir.contents())")
    }
}
