import Foundation
import Testing
@testable import CkptKit
import CkptTestSupport

/// Each warning with a model that must raise it and one that must not.
@Suite("Analysis warnings")
struct AnalysisWarningsTests {
    static func kinds(_ report: AnalysisReport) -> Set<String> { Set(report.warnings.map(\.kind)) }

    @Test func varianceDriftOverTheDepth() throws {
        let dir = try TemporaryDirectory()
        let deep = AnalysisFixtures.mlp(depth: 8, width: 64, activation: "tanh")
        let vanishing = try AnalysisFixtures.analyze(deep, rules: ["*/kernel=random_normal:stddev=0.02"], in: dir)
        #expect(Self.kinds(vanishing).isSuperset(of: ["forward_vanishing", "backward_vanishing"]), "\(vanishing.warnings)")
        let relu = AnalysisFixtures.mlp(depth: 8, width: 64, activation: "relu")
        let exploding = try AnalysisFixtures.analyze(relu, rules: ["*/kernel=random_normal:stddev=1"], in: dir)
        #expect(Self.kinds(exploding).isSuperset(of: ["forward_exploding", "backward_exploding"]), "\(exploding.warnings)")
        #expect(exploding.warnings.first { $0.kind == "forward_exploding" }?.message.contains("he_normal") == true)
        let he = try AnalysisFixtures.analyze(AnalysisFixtures.mlp(depth: 8, width: 256, activation: "relu"), rules: ["*/kernel=he_normal"], in: dir)
        #expect(Self.kinds(he).isDisjoint(with: ["forward_vanishing", "forward_exploding", "backward_vanishing", "backward_exploding"]), "\(he.warnings)")
    }

    @Test func deadReLUs() throws {
        let dir = try TemporaryDirectory()
        let spec = AnalysisFixtures.mlp(depth: 2, width: 32, activation: "relu")
        let dead = try AnalysisFixtures.analyze(spec, rules: ["d1/bias=constant:value=-20"], in: dir)
        let warning = try #require(dead.warnings.first { $0.kind == "dead_relu" })
        #expect(warning.layer == "d1")
        #expect(dead.layers.first { $0.name == "d1" }?.deadFraction == 1)
        let alive = try AnalysisFixtures.analyze(spec, in: dir)
        #expect(!Self.kinds(alive).contains("dead_relu"))
        #expect(alive.layers.first { $0.name == "d1" }?.deadFraction == 0)
    }

    @Test func saturatedUnits() throws {
        let dir = try TemporaryDirectory()
        let spec = AnalysisFixtures.mlp(depth: 2, width: 64, activation: "tanh")
        let saturated = try AnalysisFixtures.analyze(spec, rules: ["*/kernel=random_normal:stddev=1"], in: dir)
        #expect(saturated.warnings.contains { $0.kind == "saturated" && $0.layer == "d1" && $0.message.contains("glorot") })
        let fine = try AnalysisFixtures.analyze(spec, in: dir)
        #expect(!Self.kinds(fine).contains("saturated"))
        #expect((fine.layers.first { $0.name == "d1" }?.saturatedFraction ?? 1) < 0.5)
    }

    @Test func identicalUnits() throws {
        let dir = try TemporaryDirectory()
        let spec = AnalysisFixtures.mlp(depth: 2, width: 16, activation: "relu")
        let symmetric = try AnalysisFixtures.analyze(spec, rules: ["d1/kernel=constant:value=0.1"], in: dir)
        #expect(symmetric.warnings.contains { $0.kind == "symmetry" && $0.layer == "d1" && $0.message.contains("d1/kernel") })
        #expect(!Self.kinds(try AnalysisFixtures.analyze(spec, in: dir)).contains("symmetry"))
    }

    @Test func zeroWeightsWithZeroGradient() throws {
        let dir = try TemporaryDirectory()
        let spec = AnalysisFixtures.mlp(depth: 3, width: 16, activation: "relu")
        // Two zero layers in a row block each other.
        let blocked = try AnalysisFixtures.analyze(spec, rules: ["d2/kernel=zeros", "d3/kernel=zeros"], in: dir)
        #expect(Set(blocked.warnings.filter { $0.kind == "zero_gradient" }.map(\.layer)) == ["d2", "d3"], "\(blocked.warnings)")
        // Only the last, linear layer at zero (as zero-init schemes do) still learns. (Before a
        // ReLU it would not: the ReLU's derivative at 0 is 0, as in JAX and PyTorch.)
        let linearHead = spec.replacingOccurrences(of: "\"relu\"}, \"name\": \"d3\"", with: "\"linear\"}, \"name\": \"d3\"")
        #expect(linearHead != spec)
        let last = try AnalysisFixtures.analyze(linearHead, rules: ["d3/kernel=zeros"], in: dir)
        #expect(!Self.kinds(last).contains("zero_gradient"), "\(last.warnings)")
    }

    @Test func nonFiniteValues() throws {
        let dir = try TemporaryDirectory()
        let spec = AnalysisFixtures.mlp(depth: 3, width: 8, activation: "linear")
        let overflow = try AnalysisFixtures.analyze(spec, rules: ["*/kernel=random_normal:stddev=1e15"], in: dir)
        #expect(Self.kinds(overflow).contains("nan_inf"), "\(overflow.warnings)")
        #expect(!Self.kinds(try AnalysisFixtures.analyze(spec, in: dir)).contains("nan_inf"))
    }
}
