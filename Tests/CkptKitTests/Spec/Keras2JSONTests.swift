import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Keras 2 (tf.keras) JSON, from Fixtures/keras2/make_keras2_fixtures.py: ckpt plans the weights
/// tf.keras has (shapes compared in order within each layer; ckpt's names are Keras 3's), and
/// its Keras 3 export plans the same checkpoint.
@Suite("Keras 2 JSON dialect")
struct Keras2JSONTests {
    static let models = ["rnn", "attention", "autoencoder", "nested", "wrapped_models"]

    static func manifestLayers(_ model: String) throws -> [(layer: String, shapes: [[Int]])] {
        let text = try String(contentsOfFile: TestPaths.fixture("keras2/manifest.json"), encoding: .utf8)
        let layers = try #require(try JSONParser.parse(text)["models"]?[model]?["layers"]?.array)
        return layers.map { layer in
            (layer["layer"]?.string ?? "",
             layer["weights"]?.array?.map { $0["shape"]?.array?.compactMap(\.int) ?? [] } ?? [])
        }
    }

    @Test(arguments: models)
    func plansTheWeightsTFKerasHas(model: String) throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras2/\(model).json"))
        let expected = try Self.manifestLayers(model)
        var covered = 0
        for (layer, shapes) in expected {
            let mine = plan.entries.filter { $0.name.hasPrefix(layer + "/") }.map(\.shape)
            #expect(mine == shapes, "\(model): layer \(layer)")
            covered += mine.count
        }
        #expect(covered == plan.entries.count, "\(model): ckpt plans tensors tf.keras does not have")
    }

    @Test(arguments: models)
    func exportedKeras3JSONPlansTheSameCheckpoint(model: String) throws {
        let path = TestPaths.fixture("keras2/\(model).json")
        let exported = try Checkpoints.exportKeras(specPath: path)
        // Keras 3 dialect: a module at the top, no Keras 2-only keys, no list-style nodes.
        let json = try JSONParser.parse(exported)
        #expect(json["module"] != nil)
        for fragment in ["batch_input_shape", "time_major", "softmax_robust_masking", "\"inbound_nodes\": [[["] {
            #expect(!exported.contains(fragment), "\(model): \(fragment)")
        }
        let original = try Checkpoints.plan(specPath: path)
        let again = try Checkpoints.plan(model: KerasModelReader().read(text: exported), file: "", options: PlanOptions())
        #expect(original.entries.map(\.kerasPath) == again.entries.map(\.kerasPath))
        #expect(original.entries.map(\.shape) == again.entries.map(\.shape))
    }

    /// Keras 2 numbers a nested model's only call 1; Keras 3 numbers it 0.
    @Test func nestedModelNodesAreRenumbered() throws {
        let exported = try Checkpoints.exportKeras(specPath: TestPaths.fixture("keras2/nested.json"))
        let layers = try #require(try JSONParser.parse(exported)["config"]?["layers"]?.array)
        let batchNorm = try #require(layers.first { $0["class_name"]?.string == "BatchNormalization" })
        let history = batchNorm["inbound_nodes"]?.array?.first?["args"]?.array?.first?["config"]?["keras_history"]
        #expect(history == ["encoder", 0, 0])
        #expect(try JSONParser.parse(exported)["config"]?["output_layers"] == ["head", 0, 0])
    }

    /// Keras 3 JSON is exported as it is.
    @Test func keras3JSONIsKept() throws {
        let path = TestPaths.fixture("keras/mlp.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(try Checkpoints.exportKeras(specPath: path) == text)
    }
}
