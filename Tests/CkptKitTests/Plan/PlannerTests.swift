import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

@Suite("Planner")
struct PlannerTests {
    @Test(arguments: [
        ("Conv2D", "conv2d"), ("Conv2DTranspose", "conv2d_transpose"), ("DepthwiseConv2D", "depthwise_conv2d"),
        ("PReLU", "p_re_lu"), ("ReLU", "re_lu"), ("LSTM", "lstm"), ("ConvLSTM2D", "conv_lstm2d"),
        ("MultiHeadAttention", "multi_head_attention"), ("RMSNormalization", "rms_normalization"),
        ("BatchNormalization", "batch_normalization"), ("InputLayer", "input_layer"), ("Functional", "functional"),
        ("GlobalAveragePooling2D", "global_average_pooling2d"), ("SeparableConv2D", "separable_conv2d"),
    ])
    func snakeCaseMatchesKeras(className: String, key: String) {
        #expect(Planner.snakeCase(className) == key)
    }

    /// Every fixture's plan has exactly the datasets, shapes and order Keras itself writes.
    @Test(arguments: TestPaths.kerasFixtureModels)
    func pathsAndShapesMatchKeras(model: String) throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/\(model).json"))
        let reference = try Reference.load(model)
        let dtypes = try Reference.dtypes(model)
        #expect(plan.entries.count == reference.count)
        let ours = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.kerasPath, $0) })
        for (path, shape) in reference {
            #expect(ours[path]?.shape == shape, "\(model): \(path) expected shape \(shape), plan has \(String(describing: ours[path]?.shape))")
            #expect(ours[path]?.dtype.rawValue == dtypes[path], "\(model): \(path) expected dtype \(dtypes[path] ?? "?")")
        }
        #expect(Set(plan.entries.map(\.name)).count == plan.entries.count, "canonical names are unique")
    }

    @Test func activationIsTracedThroughBatchNormalization() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/resnet_block.json"))
        let kernels = plan.entries.filter { $0.role == .kernel && $0.layerClass == "Conv2D" }
        #expect(!kernels.isEmpty)
        for kernel in kernels {
            #expect(kernel.initializer.name == "he_uniform", "\(kernel.name): \(kernel.reason)")
            #expect(kernel.reason.contains("relu"), "\(kernel.name): \(kernel.reason)")
        }
    }

    @Test func seedTableAndRoleDefaults() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/mlp.json"))
        let byName = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.name, $0) })
        let kernels = plan.entries.filter { $0.role == .kernel }
        #expect(kernels.count == 3)
        #expect(kernels[0].initializer.name == "he_uniform")       // relu
        #expect(kernels[1].initializer.name == "glorot_uniform")   // tanh
        #expect(kernels[2].initializer.name == "glorot_uniform")   // softmax
        for entry in byName.values where entry.role == .bias {
            #expect(entry.distribution == .constant(0))
        }
        // He uniform: limit sqrt(6 / fan_in).
        let first = kernels[0]
        #expect(first.distribution == .uniform(low: -(6.0 / Double(first.shape[0])).squareRoot(),
                                               high: (6.0 / Double(first.shape[0])).squareRoot()))
    }

    @Test func seluGetsLeCunAndNormsGetOnesZeros() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/embed.json"))
        #expect(plan.entries.contains { $0.role == .kernel && $0.initializer.name == "lecun_normal" })
        for entry in plan.entries {
            switch entry.role {
            case .gamma, .movingVariance: #expect(entry.distribution == .constant(1))
            case .beta, .movingMean, .bias: #expect(entry.distribution == .constant(0))
            default: break
            }
        }
    }

    @Test func respectConfigUsesTheJSONInitializers() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/respect.json"), options: PlanOptions(respectConfig: true))
        #expect(plan.entries.allSatisfy { $0.reason.hasPrefix("config") || $0.reason.hasPrefix("Keras default") })
        #expect(plan.entries.contains { $0.initializer.name == "he_normal" })
    }

    /// keras.applications' weightless custom layer (InceptionResNetV2) is accepted and looked through.
    @Test func customScaleLayerIsWeightless() throws {
        let json = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 4}, "build_config": {"input_shape": [null, 3]}}, {"module": "keras.src.applications.inception_resnet_v2", "class_name": "CustomScaleLayer", "config": {"name": "scale", "scale": 0.17}, "registered_name": "CustomScaleLayer", "build_config": {"input_shape": [null, 4]}}, {"class_name": "Activation", "config": {"name": "a", "activation": "relu"}}]}}"#
        let plan = try Planner().plan(try KerasModelReader().read(text: json))
        #expect(plan.entries.map(\.kerasPath) == ["layers/dense/vars/0", "layers/dense/vars/1"])
        #expect(plan.entries[0].initializer.name == "he_uniform", "\(plan.entries[0].reason)")
    }

    /// Canonical names are the layer chain plus Keras' variable.path below the layer; legacy weight
    /// names are "<layer>/<that>" (Keras' own for plain RNNs and attention layers).
    @Test func recurrentNamesRulesAndFills() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/rnn.json"))
        let byPath = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.kerasPath, $0) })
        let lstm = try #require(byPath["layers/lstm/cell/vars/2"])
        #expect(lstm.name == "lstm/lstm_cell/bias")
        #expect(lstm.layoutTensor.legacy?.weightName == "lstm/lstm_cell/bias")
        #expect(lstm.fill == .structured(.unitForgetBias(units: 12, base: .constant(0))))
        let recurrent = try #require(byPath["layers/lstm/cell/vars/1"])
        #expect(recurrent.role == .recurrentKernel && recurrent.initializer.name == "orthogonal", "\(recurrent.reason)")
        #expect(byPath["layers/lstm/cell/vars/0"]?.initializer.name == "glorot_uniform")
        #expect(byPath["layers/bidirectional/forward_layer/cell/vars/0"]?.name == "bi_lstm/forward_lstm/lstm_cell/kernel")
        #expect(byPath["layers/bidirectional_1/backward_layer/cell/vars/2"]?.name == "bi_mixed/gru/gru_cell/bias")
        #expect(byPath["layers/bidirectional_1/backward_layer/cell/vars/2"]?.fill == .elementwise(.constant(0)))
        let td = try #require(byPath["layers/time_distributed/layer/vars/0"])
        #expect(td.name == "td_dense/dense/kernel" && td.initializer.name == "he_uniform", "\(td.reason)")
        #expect(td.layerClass == "TimeDistributed")
        #expect(byPath["layers/conv_lstm2d/cell/vars/2"]?.fill == .structured(.unitForgetBias(units: 4, base: .constant(0))))
    }

    /// --respect-config reads a wrapped layer's initializers from its nested config.
    @Test func respectConfigReadsWrappedLayerConfigs() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/rnn.json"), options: PlanOptions(respectConfig: true))
        let wrapped = plan.entries.filter { $0.layerClass == "Bidirectional" || $0.layerClass == "TimeDistributed" }
        #expect(wrapped.count == 14)
        for entry in wrapped { #expect(entry.reason.hasPrefix("config"), "\(entry.name): \(entry.reason)") }
        #expect(wrapped.filter { $0.role == .recurrentKernel }.allSatisfy { $0.initializer.name == "orthogonal" })
    }

    @Test func attentionNamesAndEinsumFans() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/attention.json"))
        let byPath = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.kerasPath, $0) })
        let query = try #require(byPath["layers/multi_head_attention/query_dense/vars/0"])
        #expect(query.name == "mha/query/kernel" && query.layoutTensor.legacy?.weightName == "mha/query/kernel")
        // Keras: input_axes [0], output_axes [1, 2] → fan_in 16, fan_out 2·8.
        #expect(query.fans == Fans(fanIn: 16, fanOut: 16))
        #expect(byPath["layers/grouped_query_attention/_output_dense/vars/0"]?.name == "gqa/attention_output/kernel")
        // Legacy order inside a layer is Keras' weight order: query, key, value, output.
        let mha = plan.entries.filter { $0.layer == "mha" }.map(\.variable)
        #expect(mha == ["query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
                        "attention_output/kernel", "attention_output/bias"])
        #expect(byPath["layers/attention/vars/1"]?.name == "dot_attention/concat_score_weight")
        #expect(byPath["layers/additive_attention/vars/0"]?.initializer.name == "glorot_uniform")
    }

    @Test func normsPlanInt32CountAndKerasDefaults() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/norms.json"), options: PlanOptions(dtype: .float16))
        let byName = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.name, $0) })
        #expect(byName["adapt_norm/count"]?.dtype == .int32 && byName["adapt_norm/count"]?.shape == [])
        #expect(byName["adapt_norm/mean"]?.dtype == .float16)
        #expect(byName["adapt_norm/count"]?.fill == .elementwise(.constant(0)))
        #expect(byName["layer_scale/gamma"]?.fill == .elementwise(.constant(1e-6)))
        #expect(byName["prelu/alpha"]?.fill == .elementwise(.constant(0)))
        // conv → group_norm → PReLU (alpha 0 starts as a ReLU) → He.
        #expect(byName["conv/kernel"]?.initializer.name == "he_uniform", "\(byName["conv/kernel"]?.reason ?? "")")
    }

    @Test func unknownLayerClassIsNamed() throws {
        let json = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Frobnicate", "config": {"name": "f1"}, "build_config": {"input_shape": [null, 3]}}]}}"#
        let model = try KerasModelReader().read(text: json)
        #expect { try Planner().plan(model) } throws: { error in
            "\(error)".contains("unknown layer class \"Frobnicate\"") && "\(error)".contains("\"f1\"")
        }
    }
}

/// The Keras-written reference of a fixture: dataset path → shape, from Fixtures/make_fixtures.py.
enum Reference {
    static func dtypes(_ model: String) throws -> [String: String] {
        let text = try String(contentsOfFile: TestPaths.fixture("keras/\(model).reference.json"), encoding: .utf8)
        var result: [String: String] = [:]
        for tensor in try JSONParser.parse(text)["tensors"]?.array ?? [] {
            if let path = tensor["keras_path"]?.string, let dtype = tensor["dtype"]?.string { result[path] = dtype }
        }
        return result
    }

    static func load(_ model: String) throws -> [String: [Int]] {
        let text = try String(contentsOfFile: TestPaths.fixture("keras/\(model).reference.json"), encoding: .utf8)
        let json = try JSONParser.parse(text)
        var result: [String: [Int]] = [:]
        for tensor in json["tensors"]?.array ?? [] {
            guard let path = tensor["keras_path"]?.string, let shape = tensor["shape"]?.array else { continue }
            result[path] = shape.compactMap(\.int)
        }
        return result
    }
}
