import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Every format → every format → back: bit-identical values, and exactly the expected rounding for
/// dtype changes.
@Suite("Conversion matrix")
struct ConversionMatrixTests {
    /// A target: file name and writer options.
    struct Target: Sendable, CustomStringConvertible {
        var name: String
        var weightsOnly = false
        var maxShard: Int? = nil
        var description: String { name + (weightsOnly ? " (weights only)" : "") + (maxShard != nil ? " (sharded)" : "") }
    }

    static let targets: [Target] = [
        Target(name: "t.weights.h5"), Target(name: "t.keras"), Target(name: "t.h5"), Target(name: "w.h5", weightsOnly: true),
        Target(name: "t.npz"), Target(name: "t.safetensors"), Target(name: "s.safetensors.index.json", maxShard: 20_000),
    ]

    static func convert(_ input: String, _ output: String, spec: String?, target: Target? = nil, dtype: DType? = nil) throws {
        _ = try Checkpoints.convert(ConvertRequest(
            inputPath: input, outputPath: output, specPath: spec, dtype: dtype,
            writerOptions: WriterOptions(weightsOnly: target?.weightsOnly ?? false, maxShardBytes: target?.maxShard)))
    }

    /// cnn (Conv2D, grouped Conv2D, BatchNormalization, DepthwiseConv2D, SeparableConv2D,
    /// Conv2DTranspose, Dense), embed (Embedding, Conv1D, LayerNormalization), nested (a nested
    /// Sequential, a shared layer).
    @Test(arguments: ["cnn", "embed", "nested"])
    func everyFormatToEveryFormatAndBack(model: String) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/\(model).json")
        _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: dir.path("ref.npz"), seed: 21))
        for (i, first) in Self.targets.enumerated() {
            let a = dir.path("a\(i)-" + first.name)
            try Self.convert(dir.path("ref.npz"), a, spec: spec, target: first)
            for (j, second) in Self.targets.enumerated() {
                let b = dir.path("b\(i)-\(j)-" + second.name)
                // Keras targets get their structure from the source when it carries one; pass
                // --spec only where a user would have to (weights-only .h5, .weights.h5, npz sources).
                let sourceCarriesModel = first.name.hasSuffix(".keras") || (first.name == "t.h5") || first.name.contains("safetensors")
                try Self.convert(a, b, spec: sourceCarriesModel ? nil : spec, target: second)
                let back = dir.path("back\(i)-\(j).npz")
                try Self.convert(b, back, spec: spec)
                let report = try Checkpoints.diff(DiffRequest(pathA: dir.path("ref.npz"), pathB: back))
                #expect(report.isEqual && report.tensors.allSatisfy { $0.status == .equal },
                        "\(model): \(first) → \(second) → npz changed values: \(report.tensors.filter { $0.status != .equal }.map(\.name))")
            }
        }
    }

    @Test(arguments: [DType.float16, .bfloat16, .float64])
    func dtypeConversionRoundsExactlyOnce(dtype: DType) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/cnn.json")
        _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: dir.path("ref.npz"), seed: 4))
        try Self.convert(dir.path("ref.npz"), dir.path("low.safetensors"), spec: nil, dtype: dtype)
        let reference = try NPZCheckpointReader(path: dir.path("ref.npz"))
        let converted = try CheckpointReaders.open(path: dir.path("low.safetensors"))
        for (original, lowered) in zip(reference.tensors, converted.tensors) {
            #expect(lowered.info.dtype == dtype)
            var source: [Float] = []
            try reference.read(original, maximumPieceBytes: 1 << 20) { source += Array($0.bindMemory(to: Float.self)) }
            var bytes: [UInt8] = []
            try converted.read(lowered, maximumPieceBytes: 1 << 20) { bytes += $0 }
            for (k, value) in source.enumerated() {
                let got = bytes.withUnsafeBytes { ElementConversion.double(at: k, of: $0, dtype: dtype) }
                let expected: Double
                switch dtype {
                case .float16: expected = Double(Float16(value))
                case .bfloat16: expected = Double(Float(bitPattern: UInt32(FloatConversion.bfloat16Bits(value)) << 16))
                default: expected = Double(value)
                }
                #expect(got == expected, "\(original.name)[\(k)]: \(value) → \(got), expected \(expected)")
                if got != expected { return }
            }
        }
        // And back to float32: float16/bfloat16 values are exactly representable, so a second
        // conversion changes nothing.
        try Self.convert(dir.path("low.safetensors"), dir.path("up.npz"), spec: nil, dtype: .float32)
        try Self.convert(dir.path("up.npz"), dir.path("low2.safetensors"), spec: nil, dtype: dtype)
        #expect(try Checkpoints.diff(DiffRequest(pathA: dir.path("low.safetensors"), pathB: dir.path("low2.safetensors"))).isEqual)
    }

    @Test func float64ToBFloat16IsRoundedOnce() {
        // 1 + 2^-8 + 2^-30 lies just above the bfloat16 tie 1 + 2^-8: rounding to float32 first
        // would make it the tie (→ 1.0); rounding once gives 1 + 2^-7.
        let value = 1.0 + 0x1p-8 + 0x1p-30
        let input = [value]
        var out = [UInt16](repeating: 0, count: 1)
        input.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { ElementConversion.convert(source, from: .float64, to: .bfloat16, into: $0) }
        }
        #expect(out[0] == 0x3F81)
    }

    @Test func mismatchedModelListsMissingExtraAndShapes() throws {
        let dir = try TemporaryDirectory()
        _ = try Checkpoints.initialize(InitRequest(specPath: TestPaths.fixture("keras/mlp.json"), outputPath: dir.path("m.npz")))
        #expect {
            try Self.convert(dir.path("m.npz"), dir.path("x.weights.h5"), spec: TestPaths.fixture("keras/cnn.json"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("missing") && text.contains("extra") && text.contains("conv1/kernel") && text.contains("m.npz")
        }
        #expect(dir.contents() == ["m.npz"])
    }

    @Test func kerasTargetWithoutStructureAsksForSpec() throws {
        let dir = try TemporaryDirectory()
        _ = try Checkpoints.initialize(InitRequest(specPath: TestPaths.fixture("keras/mlp.json"), outputPath: dir.path("m.npz")))
        #expect { try Self.convert(dir.path("m.npz"), dir.path("x.keras"), spec: nil) } throws: { "\($0)".contains("--spec") }
        #expect(dir.contents() == ["m.npz"])
    }
}
