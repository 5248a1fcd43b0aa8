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
    @Test(arguments: ["mlp", "cnn", "resnet_block", "nested", "embed", "respect", "resnet50", "mobilenetv2", "vgg16", "mobilenetv3small", "densenet121"])
    func pathsAndShapesMatchKeras(model: String) throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/\(model).json"))
        let reference = try Reference.load(model)
        #expect(plan.entries.count == reference.count)
        let ours = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.kerasPath, $0.shape) })
        for (path, shape) in reference {
            #expect(ours[path] == shape, "\(model): \(path) expected shape \(shape), plan has \(String(describing: ours[path]))")
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
