import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Depth-aware schemes and the residual branches they are found through.
@Suite("Schemes")
struct SchemeTests {
    typealias R = RuleTests

    @Test func residualBranchesOfResNet50() throws {
        let model = try Checkpoints.loadModel(path: TestPaths.fixture("keras/resnet50.json"))
        let branches = ResidualBranches(model: model) { (try? LayerCatalog.variables(of: $0)) ?? [] }
        #expect(branches.branches.count == 16)
        let first = try #require(branches.branches.first)
        #expect(first.add == "conv2_block1_add")
        #expect(first.kernelLayers == ["conv2_block1_1_conv", "conv2_block1_2_conv", "conv2_block1_3_conv"])
        #expect(first.lastNorm == "conv2_block1_3_bn")
        // The projection shortcut is not a branch.
        #expect(!first.layers.contains("conv2_block1_0_conv"))
    }

    @Test func zeroGammaOnTheLastBNOfEachResNet50Block() throws {
        let plan = try R.plan("resnet50", schemes: ["zero_gamma"])
        let zeroed = plan.entries.filter { $0.reason.hasPrefix("--scheme 'zero_gamma'") }.map(\.name)
        let expected = [(2, 3), (3, 4), (4, 6), (5, 3)].flatMap { stage, blocks in
            (1...blocks).map { "conv\(stage)_block\($0)_3_bn/gamma" }
        }
        #expect(zeroed == expected)
        for name in zeroed { #expect(try R.entry(plan, name).fill == .elementwise(.constant(0))) }
        #expect(try R.entry(plan, "conv2_block1_0_bn/gamma").initializer.name == "ones")
        #expect(try R.entry(plan, "conv2_block1_2_bn/gamma").initializer.name == "ones")
    }

    @Test func gpt2ScalingOnAttention() throws {
        let base = try R.plan("attention")
        for (scheme, n) in [("gpt2_residual", 1.0), ("gpt2_residual:n_layers=12", 12.0)] {
            let plan = try R.plan("attention", schemes: [scheme])
            let scaled = plan.entries.filter { $0.scale != 1 }.map(\.name)
            #expect(scaled == ["mha/attention_output/kernel", "ffn_down/kernel"])
            for name in scaled {
                let expected = try #require(R.std(try R.entry(base, name))) / (2 * n).squareRoot()
                let std = try #require(R.std(try R.entry(plan, name)))
                #expect(abs(std - expected) <= 1e-15 * expected, "\(name): \(std) vs \(expected)")
                #expect(try R.entry(plan, name).reason.contains("× 1/√(2·\(NumberText.short(n)))"))
            }
        }
        // The rules file's nanoGPT setup: N(0, 0.02) then 0.02/√(2·2) on the output projections.
        let text = try String(contentsOfFile: TestPaths.fixture("rules/transformer.json"), encoding: .utf8)
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/attention.json"),
                                        options: PlanOptions(rules: try RuleSet.parse(text: text, path: "transformer.json")))
        #expect(try R.entry(plan, "ffn_down/kernel").fill == .elementwise(.normal(mean: 0, std: 0.02 / 2)))
        #expect(try R.entry(plan, "mha/attention_output/kernel").fill == .elementwise(.normal(mean: 0, std: 0.01)))
        #expect(try R.entry(plan, "mha/query/kernel").fill == .elementwise(.normal(mean: 0, std: 0.02)))
        #expect(try R.entry(plan, "classes/kernel").initializer.name == "zeros")
    }

    @Test func fixupOnResNetBlockAndResNet50() throws {
        let plan = try R.plan("resnet_block", schemes: ["fixup"])
        #expect(try R.entry(plan, "block_conv2/kernel").fill == .elementwise(.constant(0)))
        #expect(try R.entry(plan, "classes/kernel").fill == .elementwise(.constant(0)))
        // One branch of two conv layers: L^(−1/2) = 1, He normal fan_out: √2/√(3·3·16).
        let conv1 = try R.entry(plan, "block_conv1/kernel")
        #expect(conv1.initializer.name.hasPrefix("kaiming_normal") && conv1.distribution?.mean == 0)
        #expect(abs(try #require(R.std(conv1)) - (2.0 / 144).squareRoot()) < 1e-15)
        let resnet = try R.plan("resnet50", schemes: ["fixup"])
        let first = try R.entry(resnet, "conv2_block1_1_conv/kernel")
        // L = 16 branches, m = 3: × 16^(−1/4) = 0.5; fan_out = 1·1·64.
        let expected = (2.0 / 64).squareRoot() * 0.5
        #expect(abs(try #require(R.std(first)) - expected) < 1e-15)
        #expect(try R.entry(resnet, "conv5_block3_3_conv/kernel").fill == .elementwise(.constant(0)))
        #expect(try R.entry(resnet, "predictions/kernel").fill == .elementwise(.constant(0)))
    }

    @Test func deepnetAndTFixupOnAttention() throws {
        let plan = try R.plan("attention", schemes: ["deepnet:n_layers=6"])
        let beta = pow(48.0, -0.25)
        let value = try R.entry(plan, "mha/value/kernel")
        #expect(value.initializer == (try Initializer.parse(ruleText: "xavier_normal:gain=\(beta)")))
        #expect(value.reason.contains("forward-pass constant"))
        #expect(try R.entry(plan, "mha/query/kernel").initializer == (try Initializer.parse(ruleText: "xavier_normal")))
        #expect(try R.entry(plan, "ffn_up/kernel").initializer.name.contains("xavier_normal"))
        let tfixup = try R.plan("attention", schemes: ["t_fixup:n_layers=4"])
        let factor = 0.67 * pow(4.0, -0.25)
        let output = try R.entry(tfixup, "mha/attention_output/kernel")
        #expect(output.initializer.name == "glorot_uniform" && abs(output.scale - factor) < 1e-15)
        #expect(try R.entry(tfixup, "mha/query/kernel").scale == 1)
        #expect(abs(try R.entry(tfixup, "ffn_down/kernel").scale - factor) < 1e-15)
    }

    @Test func zerOAndResidualBranchSelector() throws {
        let plan = try R.plan("resnet_block", schemes: ["zer_o"])
        #expect(try R.entry(plan, "stem/kernel").fill == .structured(.zerO))
        #expect(try R.entry(plan, "block_conv2/kernel").fill == .elementwise(.constant(0)))
        let file = #"{"rules": [{"match": {"residual_branch": "last_norm", "role": "gamma"}, "initializer": "zeros"}, {"match": {"residual_branch": "last", "role": "kernel"}, "scale": 0.1}]}"#
        let rules = try R.plan("resnet_block", file: file)
        #expect(try R.entry(rules, "block_bn2/gamma").initializer.name == "zeros")
        #expect(try R.entry(rules, "block_bn1/gamma").initializer.name == "ones")
        #expect(try R.entry(rules, "block_conv2/kernel").scale == 0.1)
        #expect(try R.entry(rules, "block_conv1/kernel").scale == 1)
    }

    @Test func schemeWithoutBranchesWarns() throws {
        let plan = try R.plan("mlp", schemes: ["zero_gamma"])
        #expect(plan.warnings == ["--scheme 'zero_gamma' (zero_gamma) changes no tensor (0 residual branches found)"])
    }
}
