import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Each mapping on a one-layer model: the torch names and shapes it gives, keras → torch → keras
/// is the identity on random values, known small arrays move where torch expects them, and what
/// has no faithful torch equivalent is an error naming the layer and its class.
@Suite("Layouts: layer mappings")
struct LayerLayoutTests {
    /// The translation of a compact spec with one input `x` of `input` and the layers `layers`
    /// (JSON objects, the last one named "m" by the caller).
    static func translation(_ layers: String, input: [Int]) throws -> (LayoutTranslation, Plan) {
        let dir = try TemporaryDirectory()
        let spec = #"{"ckpt_spec": 1, "name": "t", "inputs": {"x": {"shape": \#(input)}}, "layers": [\#(layers)]}"#
        try spec.write(toFile: dir.path("spec.json"), atomically: true, encoding: .utf8)
        let loaded = try Checkpoints.loadSpec(path: dir.path("spec.json"))
        let plan = try Checkpoints.plan(model: loaded.model, file: "spec.json", options: PlanOptions())
        return (try LayoutTranslation(model: loaded.model, plan: plan, file: "spec.json"), plan)
    }

    /// Deterministic values that differ everywhere.
    static func values(_ entry: PlanEntry, salt: Int) -> HostTensor {
        let count = entry.shape.reduce(1, *)
        let floats = (0..<count).map { Float(($0 * 7919 + salt * 104729) % 1009) / 1009 - 0.5 }
        return HostTensorTests.floats(floats, entry.shape)
    }

    static let cases: [(String, [Int], [String])] = [
        (#"{"Dense": {"units": 3}, "name": "m"}"#, [4], ["m.weight (3, 4)", "m.bias (3,)"]),
        (#"{"Conv2D": {"filters": 4, "kernel_size": [3, 2], "groups": 2}, "name": "m"}"#, [6, 6, 4], ["m.weight (4, 2, 3, 2)", "m.bias (4,)"]),
        (#"{"Conv1D": {"filters": 5, "kernel_size": 3, "use_bias": false}, "name": "m"}"#, [8, 2], ["m.weight (5, 2, 3)"]),
        (#"{"Conv3D": {"filters": 2, "kernel_size": 2}, "name": "m"}"#, [4, 4, 4, 3], ["m.weight (2, 3, 2, 2, 2)", "m.bias (2,)"]),
        (#"{"Conv2DTranspose": {"filters": 5, "kernel_size": 3}, "name": "m"}"#, [4, 4, 2], ["m.weight (2, 5, 3, 3)", "m.bias (5,)"]),
        (#"{"Conv1DTranspose": {"filters": 5, "kernel_size": 3}, "name": "m"}"#, [4, 2], ["m.weight (2, 5, 3)", "m.bias (5,)"]),
        (#"{"DepthwiseConv2D": {"kernel_size": 3, "depth_multiplier": 2}, "name": "m"}"#, [5, 5, 3], ["m.weight (6, 1, 3, 3)", "m.bias (6,)"]),
        (#"{"DepthwiseConv1D": {"kernel_size": 3}, "name": "m"}"#, [5, 3], ["m.weight (3, 1, 3)", "m.bias (3,)"]),
        (#"{"BatchNormalization": {}, "name": "m"}"#, [5, 5, 4],
         ["m.weight (4,)", "m.bias (4,)", "m.running_mean (4,)", "m.running_var (4,)", "m.num_batches_tracked ()"]),
        (#"{"LayerNormalization": {}, "name": "m"}"#, [3, 6], ["m.weight (6,)", "m.bias (6,)"]),
        (#"{"RMSNormalization": {}, "name": "m"}"#, [3, 6], ["m.weight (6,)"]),
        (#"{"GroupNormalization": {"groups": 2}, "name": "m"}"#, [3, 4], ["m.weight (4,)", "m.bias (4,)"]),
        (#"{"Embedding": {"input_dim": 10, "output_dim": 3}, "name": "m"}"#, [5], ["m.weight (10, 3)"]),
        (#"{"SimpleRNN": {"units": 3}, "name": "m"}"#, [5, 2], ["m.weight_ih_l0 (3, 2)", "m.weight_hh_l0 (3, 3)", "m.bias_ih_l0 (3,)", "m.bias_hh_l0 (3,)"]),
        (#"{"LSTM": {"units": 3}, "name": "m"}"#, [5, 2], ["m.weight_ih_l0 (12, 2)", "m.weight_hh_l0 (12, 3)", "m.bias_ih_l0 (12,)", "m.bias_hh_l0 (12,)"]),
        (#"{"GRU": {"units": 3}, "name": "m"}"#, [5, 2], ["m.weight_ih_l0 (9, 2)", "m.weight_hh_l0 (9, 3)", "m.bias_ih_l0 (9,)", "m.bias_hh_l0 (9,)"]),
        (#"{"Bidirectional": {"layer": {"GRU": {"units": 2}}}, "name": "m"}"#, [5, 2],
         ["m.weight_ih_l0 (6, 2)", "m.weight_hh_l0 (6, 2)", "m.bias_ih_l0 (6,)", "m.bias_hh_l0 (6,)",
          "m.weight_ih_l0_reverse (6, 2)", "m.weight_hh_l0_reverse (6, 2)", "m.bias_ih_l0_reverse (6,)", "m.bias_hh_l0_reverse (6,)"]),
        (#"{"MultiHeadAttention": {"num_heads": 2, "key_dim": 4}, "name": "m", "inputs": ["x", "x"]}"#, [6, 8],
         ["m.in_proj_weight (24, 8)", "m.in_proj_bias (24,)", "m.out_proj.weight (8, 8)", "m.out_proj.bias (8,)"]),
        (#"{"TimeDistributed": {"layer": {"Dense": {"units": 2}}}, "name": "m"}"#, [5, 3], ["m.weight (2, 3)", "m.bias (2,)"]),
    ]

    @Test(arguments: cases)
    func torchNamesShapesAndRoundTrip(layer: String, input: [Int], expected: [String]) throws {
        let (translation, plan) = try Self.translation(layer, input: input)
        let names = try translation.expectedTorchTensors().map { "\($0.name) \(ShapeText.describe($0.shape))" }
        #expect(names == expected)
        // keras → torch → keras is the identity.
        for module in translation.modules {
            let keras = Dictionary(uniqueKeysWithValues: module.entries.enumerated().map { ($1.variable, Self.values($1, salt: $0 + 1)) })
            var torch: [String: HostTensor] = [:]
            for (name, expression) in module.torch.parameters {
                torch[name] = try expression.evaluate { try #require(keras[$0]) }
            }
            for (name, expression) in module.torch.variables {
                let back = try expression.evaluate { try #require(torch[$0]) }
                #expect(back == keras[name], "\(module.path) \(name)")
            }
        }
        #expect(plan.entries.count == translation.modules.reduce(0) { $0 + $1.entries.count })
    }

    /// Evaluates the torch entry `name` of the only module from Keras variables given by their names.
    static func torch(_ translation: LayoutTranslation, _ name: String, _ keras: [String: HostTensor]) throws -> [Float] {
        let module = try #require(translation.modules.first)
        let expression = try #require(module.torch.parameters.first { $0.name == name }?.value)
        return HostTensorTests.values(try expression.evaluate { try #require(keras[$0]) })
    }

    @Test func denseKernelIsTransposed() throws {
        let (translation, _) = try Self.translation(#"{"Dense": {"units": 3}, "name": "m"}"#, input: [2])
        let kernel = HostTensorTests.floats([1, 2, 3, 4, 5, 6], [2, 3])
        #expect(try Self.torch(translation, "weight", ["kernel": kernel]) == [1, 4, 2, 5, 3, 6])
    }

    /// Keras z, r, h → torch r, z, n, for one unit: blocks 0 and 1 swap; the bias rows split.
    @Test func gruGatesSwap() throws {
        let (translation, _) = try Self.translation(#"{"GRU": {"units": 1}, "name": "m"}"#, input: [4, 1])
        let keras = ["gru_cell/kernel": HostTensorTests.floats([1, 2, 3], [1, 3]),
                     "gru_cell/recurrent_kernel": HostTensorTests.floats([4, 5, 6], [1, 3]),
                     "gru_cell/bias": HostTensorTests.floats([7, 8, 9, 10, 11, 12], [2, 3])]
        #expect(try Self.torch(translation, "weight_ih_l0", keras) == [2, 1, 3])
        #expect(try Self.torch(translation, "weight_hh_l0", keras) == [5, 4, 6])
        #expect(try Self.torch(translation, "bias_ih_l0", keras) == [8, 7, 9])
        #expect(try Self.torch(translation, "bias_hh_l0", keras) == [11, 10, 12])
    }

    /// Keras' one LSTM bias goes to bias_ih with zeros in bias_hh; torch's two are summed back.
    @Test func lstmBiasesFoldIntoOne() throws {
        let (translation, _) = try Self.translation(#"{"LSTM": {"units": 1}, "name": "m"}"#, input: [4, 1])
        let bias = HostTensorTests.floats([1, 2, 3, 4], [4])
        #expect(try Self.torch(translation, "bias_ih_l0", ["lstm_cell/bias": bias]) == [1, 2, 3, 4])
        #expect(try Self.torch(translation, "bias_hh_l0", ["lstm_cell/bias": bias]) == [0, 0, 0, 0])
        let module = try #require(translation.modules.first)
        let back = try #require(module.torch.variables.first { $0.name == "lstm_cell/bias" }?.value)
        let torch = ["bias_ih_l0": bias, "bias_hh_l0": HostTensorTests.floats([0.5, 0.25, -1, 2], [4])]
        #expect(HostTensorTests.values(try back.evaluate { try #require(torch[$0]) }) == [1.5, 2.25, 2, 6])
    }

    /// Depthwise kernel [0, w, c, m] = 100w + 10c + m becomes weight [c·2 + m, 0, 0, w].
    @Test func depthwiseKernelBecomesGroupedWeight() throws {
        let (translation, _) = try Self.translation(#"{"DepthwiseConv2D": {"kernel_size": [1, 2], "depth_multiplier": 2}, "name": "m"}"#, input: [3, 3, 2])
        var kernel: [Float] = []
        for w in 0..<2 { for c in 0..<2 { for m in 0..<2 { kernel.append(Float(100 * w + 10 * c + m)) } } }
        var expected: [Float] = []
        for c in 0..<2 { for m in 0..<2 { for w in 0..<2 { expected.append(Float(100 * w + 10 * c + m)) } } }
        #expect(try Self.torch(translation, "weight", ["kernel": HostTensorTests.floats(kernel, [1, 2, 2, 2])]) == expected)
    }

    /// Query kernel [e, h, d] = 100e + 10h + d is row h·2 + d, column e of in_proj_weight.
    @Test func attentionProjectionsPack() throws {
        let (translation, _) = try Self.translation(#"{"MultiHeadAttention": {"num_heads": 2, "key_dim": 2}, "name": "m", "inputs": ["x", "x"]}"#, input: [3, 4])
        let module = try #require(translation.modules.first)
        var keras: [String: HostTensor] = [:]
        for (index, entry) in module.entries.enumerated() { keras[entry.variable] = Self.values(entry, salt: index) }
        var query: [Float] = []
        for e in 0..<4 { for h in 0..<2 { for d in 0..<2 { query.append(Float(100 * e + 10 * h + d)) } } }
        keras["query/kernel"] = HostTensorTests.floats(query, [4, 2, 2])
        let packed = try Self.torch(translation, "in_proj_weight", keras)
        #expect(packed.count == 12 * 4)
        for h in 0..<2 { for d in 0..<2 { for e in 0..<4 { #expect(packed[(h * 2 + d) * 4 + e] == Float(100 * e + 10 * h + d)) } } }
    }

    @Test(arguments: [
        (#"{"SeparableConv2D": {"filters": 4, "kernel_size": 3}, "name": "m"}"#, [6, 6, 3], #"layer "m" (SeparableConv2D) has no faithful torch.nn equivalent"#),
        (#"{"EinsumDense": {"equation": "ab,bc->ac", "output_shape": 4}, "name": "m"}"#, [3], #"layer "m" (EinsumDense) has no faithful"#),
        (#"{"ConvLSTM1D": {"filters": 2, "kernel_size": 3}, "name": "m"}"#, [4, 6, 2], #"layer "m" (ConvLSTM1D) has no faithful"#),
        (#"{"GRU": {"units": 2, "reset_after": false}, "name": "m"}"#, [4, 3], #"layer "m" (GRU) has no faithful torch.nn equivalent: reset_after=False"#),
        (#"{"LSTM": {"units": 2, "activation": "relu"}, "name": "m"}"#, [4, 3], #"layer "m" (LSTM) has no faithful torch.nn equivalent: activation "relu""#),
        (#"{"MultiHeadAttention": {"num_heads": 3, "key_dim": 2}, "name": "m", "inputs": ["x", "x"]}"#, [4, 8], #"layer "m" (MultiHeadAttention) has no faithful torch.nn equivalent: num_heads × key_dim"#),
        (#"{"MultiHeadAttention": {"num_heads": 2, "key_dim": 4, "value_dim": 2}, "name": "m", "inputs": ["x", "x"]}"#, [4, 8], #"value_dim 2 differs from key_dim 4"#),
        (#"{"BatchNormalization": {"center": false}, "name": "m"}"#, [4, 3], #"layer "m" (BatchNormalization) has no faithful torch.nn equivalent: it has scale without center"#),
        (#"{"LayerNormalization": {"rms_scaling": true}, "name": "m"}"#, [4, 3], #"rms_scaling=True"#),
        (#"{"Bidirectional": {"layer": {"LSTM": {"units": 2}}, "merge_mode": "sum"}, "name": "m"}"#, [4, 3], #"merge_mode "sum""#),
        (#"{"LSTM": {"units": 2, "go_backwards": true}, "name": "m"}"#, [4, 3], #"go_backwards=True"#),
    ])
    func unmappedLayersAreErrorsNamingThem(layer: String, input: [Int], fragment: String) {
        #expect { _ = try Self.translation(layer, input: input) } throws: { error in
            "\(error)".contains(fragment) && "\(error)".contains("nothing was written")
        }
    }

    @Test func batchNormNotesNameTheModuleAndWhatToPass() throws {
        let (defaults, _) = try Self.translation(#"{"BatchNormalization": {}, "name": "bn1"}"#, input: [5, 5, 4])
        #expect(defaults.notes.count == 2)
        #expect(defaults.notes.allSatisfy { $0.hasPrefix("bn1 (torch.nn.BatchNorm2d): ") })
        #expect(defaults.notes.contains { $0.contains("Keras epsilon 0.001") && $0.contains("eps=0.001") && $0.contains("1e-05") })
        #expect(defaults.notes.contains { $0.contains("Keras momentum 0.99") && $0.contains("momentum=0.01") && $0.contains("0.1") })
        let (matching, _) = try Self.translation(#"{"BatchNormalization": {"epsilon": 1e-5, "momentum": 0.9}, "name": "bn1"}"#, input: [4])
        #expect(matching.notes.isEmpty)
        #expect(matching.modules.first?.torch.className == "torch.nn.BatchNorm1d")
    }

    /// Nested models' layer names are joined with dots.
    @Test func nestedModelsJoinNamesWithDots() throws {
        let spec = TestPaths.fixture("keras/nested.json")
        let loaded = try Checkpoints.loadSpec(path: spec)
        let plan = try Checkpoints.plan(model: loaded.model, file: spec, options: PlanOptions())
        let translation = try LayoutTranslation(model: loaded.model, plan: plan, file: spec)
        let names = try translation.expectedTorchTensors().map(\.name)
        #expect(names.contains("head.head_dense1.weight"))
        #expect(names.contains("head.head_bn.num_batches_tracked"))
        #expect(names.contains("shared_dense.bias"))
        #expect(!names.contains { $0.contains("/") })
    }
}
