import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `ckpt init` through the library: every format read back with our own readers gives exactly the
/// generator's bytes, and every tensor's statistics match its distribution.
@Suite("Init round trip")
struct InitRoundTripTests {
    /// The bytes the generator makes for a plan entry.
    static func generated(_ entry: PlanEntry, seed: UInt64) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try TensorGenerator(capacity: 1000).generate(entry, seed: seed) { bytes.append(contentsOf: $0) }
        return bytes
    }

    @Test(arguments: ["cnn", "nested", "embed"])
    func npzAndWeightsH5ReadBackIdentical(model: String) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/\(model).json")
        let plan = try Checkpoints.plan(specPath: spec)
        for name in ["m.npz", "m.weights.h5"] {
            _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: dir.path(name), seed: 5))
        }
        let npz = try NPZCheckpointReader(path: dir.path("m.npz"))
        #expect(npz.tensors.map(\.name) == plan.entries.map(\.name))
        let h5 = try HDF5File.open(atPath: dir.path("m.weights.h5"))
        for entry in plan.entries {
            let expected = try Self.generated(entry, seed: 5)
            #expect(expected.count == entry.info.byteCount)
            var fromNPZ: [UInt8] = []
            let stored = try #require(npz.tensors.first { $0.name == entry.name })
            try npz.read(stored, maximumPieceBytes: 4096) { fromNPZ.append(contentsOf: $0) }
            #expect(fromNPZ == expected, "npz \(entry.name)")
            let dataset = try h5.root.openDataset(entry.kerasPath)
            #expect(dataset.shape == entry.shape)
            #expect(try dataset.readBytes() == expected, "h5 \(entry.kerasPath)")
        }
    }

    /// Values never leave their distribution's bounds; mean and std pass z-tests at a total
    /// false-alarm rate below 1e-6 per tensor (bounded by the exact moments of the distribution).
    @Test(arguments: ["mlp", "cnn", "respect"])
    func generatedStatisticsMatchFormulas(model: String) throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/\(model).json"),
                                        options: PlanOptions(respectConfig: model == "respect"))
        for entry in plan.entries {
            let bytes = try Self.generated(entry, seed: 99)
            let values: [Float] = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let stats = SampleStatistics(values)
            // Structured fills (orthogonal, identity, …) have their own tests.
            guard let distribution = entry.distribution else { continue }
            if case .constant(let c) = distribution {
                #expect(values.allSatisfy { $0 == Float(c) }, "\(entry.name) must be exactly \(c)")
                continue
            }
            if let bounds = distribution.bounds {
                #expect(stats.minimum >= Double(Float(bounds.lower)) && stats.maximum <= Double(Float(bounds.upper)),
                        "\(entry.name) outside [\(bounds.lower), \(bounds.upper)]")
            }
            let n = Double(stats.count)
            guard n >= 256 else { continue }
            let sigma = distribution.standardDeviation
            // z = 5.3 has a two-sided tail of about 1.2e-7; the std's sampling std is about σ/√(2n)
            // for these light-tailed distributions (uniform: σ·√(0.2/n)), so 5.3·σ·√(1/n) is a safe bound.
            #expect(abs(stats.mean - distribution.mean) <= 5.3 * sigma / n.squareRoot(), "\(entry.name) mean \(stats.mean)")
            #expect(abs(stats.standardDeviation - sigma) <= 5.3 * sigma / n.squareRoot(), "\(entry.name) std \(stats.standardDeviation) vs \(sigma)")
        }
    }

    @Test func valuesDependOnlyOnSeedAndName() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/mlp.json"))
        let kernel = try #require(plan.entries.first { $0.role == .kernel })
        let a = try Self.generated(kernel, seed: 1)
        var renamed = kernel
        renamed.name = "other/kernel"
        #expect(try Self.generated(renamed, seed: 1) != a)
        #expect(try Self.generated(kernel, seed: 2) != a)
        // The piece size does not matter.
        var big: [UInt8] = []
        try TensorGenerator().generate(kernel, seed: 1) { big.append(contentsOf: $0) }
        #expect(big == a)
    }

    @Test func float16AndBFloat16RoundToNearestEven() {
        let inputs: [Float] = [1.0, 1.0 + 1.0 / 2048, 1.0 + 3.0 / 2048, 65504, 70000, -0.0, .infinity, 1.0 + 1.0 / 256, 1.0 + 3.0 / 256, 3.0e-8]
        var halves = [UInt16](repeating: 0, count: inputs.count)
        var brains = [UInt16](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { source in
            halves.withUnsafeMutableBufferPointer { FloatConversion.toFloat16(source, $0) }
            brains.withUnsafeMutableBufferPointer { FloatConversion.toBFloat16(source, $0) }
        }
        // float16: ties go to even (1 + 2^-11 → 1.0; 1 + 3·2^-11 → 1 + 2^-9), overflow → inf.
        #expect(halves[0] == 0x3C00)
        #expect(halves[1] == 0x3C00)
        #expect(halves[2] == 0x3C02)
        #expect(halves[3] == 0x7BFF)
        #expect(halves[4] == 0x7C00)
        #expect(halves[5] == 0x8000)
        #expect(halves[6] == 0x7C00)
        // bfloat16: 1 + 2^-8 is a tie → 1.0; 1 + 3·2^-8 → 1 + 2^-6 (0x3F82).
        #expect(brains[7] == 0x3F80)
        #expect(brains[8] == 0x3F82)
        #expect(brains[6] == 0x7F80)
        #expect(FloatConversion.bfloat16Bits(.nan) & 0x7FC0 == 0x7FC0)
    }
}
