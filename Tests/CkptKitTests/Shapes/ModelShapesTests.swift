import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// Whole-model shape inference: without `build_config` and inbound tensor shapes, every fixture
/// plans exactly as with them; given shapes are checked; cycles are errors.
@Suite("Model shape inference")
struct ModelShapesTests {
    static let models = TestPaths.kerasFixtureModels

    /// The JSON without any shape Keras recorded: no `build_config`, no shapes on inbound tensors.
    static func stripShapes(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map(stripShapes))
        case .object(let object):
            var result = JSONObject()
            let isTensor = object["class_name"]?.string == "__keras_tensor__"
            for member in object.members where member.key != "build_config" {
                if isTensor && member.key == "config", var config = member.value.object {
                    config["shape"] = nil
                    result[member.key] = .object(config)
                } else {
                    result[member.key] = stripShapes(member.value)
                }
            }
            return .object(result)
        default:
            return value
        }
    }

    static func json(_ model: String) throws -> JSONValue {
        let data = try #require(FileManager.default.contents(atPath: TestPaths.fixture("keras/\(model).json")))
        return try JSONParser.parse(String(decoding: data, as: UTF8.self))
    }

    @Test("without build_config every tensor is planned as before", arguments: models)
    func inferenceReproducesKerasShapes(_ model: String) throws {
        let original = try Planner().plan(KerasModelReader().read(json: Self.json(model)))
        let stripped = Self.stripShapes(try Self.json(model))
        #expect(!JSONWriter.string(stripped, style: .compact).contains("build_config"))
        let inferred = try Planner().plan(KerasModelReader().read(json: stripped))
        #expect(inferred.entries.map(\.name) == original.entries.map(\.name))
        #expect(inferred.entries.map(\.shape) == original.entries.map(\.shape))
        #expect(inferred.entries.map(\.kerasPath) == original.entries.map(\.kerasPath))
    }

    static func message(_ text: String) -> String {
        do {
            _ = try KerasModelReader(file: "m.json").read(text: text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("a build_config that disagrees with the inputs is an error naming the layer")
    func disagreement() throws {
        var text = try String(contentsOfFile: TestPaths.fixture("keras/mlp.json"), encoding: .utf8)
        // hidden2 takes hidden1's 256 units; claim 255.
        let range = try #require(text.range(of: #""build_config": {"input_shape": [null, 256]}"#))
        text.replaceSubrange(range, with: #""build_config": {"input_shape": [null, 255]}"#)
        let message = Self.message(text)
        #expect(message.hasPrefix("m.json: "), "\(message)")
        #expect(message.contains("build_config.input_shape (None, 255) disagrees with the shape its inputs give, (None, 256)"), "\(message)")
    }

    @Test("a cycle in the graph is an error naming the layers on it")
    func cycle() {
        let text = #"""
        {"class_name": "Functional", "config": {"name": "loop", "layers": [
          {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [null, 4]}, "inbound_nodes": []},
          {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 4}, "inbound_nodes": [[["b", 0, 0, {}]]]},
          {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 4}, "inbound_nodes": [[["a", 0, 0, {}]]]}
        ], "input_layers": [["in", 0, 0]], "output_layers": [["b", 0, 0]]}}
        """#
        let message = Self.message(text)
        #expect(message.contains("cycle: a → b → a") || message.contains("cycle: b → a → b"), "\(message)")
    }

    @Test("incompatible shapes at a merge are an error naming the merge")
    func mergeMismatch() {
        let text = #"""
        {"class_name": "Model", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_input_shape": [null, 4]}, "inbound_nodes": []},
          {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 3}, "inbound_nodes": [[["in", 0, 0, {}]]]},
          {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 5}, "inbound_nodes": [[["in", 0, 0, {}]]]},
          {"class_name": "Add", "name": "sum", "config": {"name": "sum"}, "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]}
        ], "input_layers": [["in", 0, 0]], "output_layers": [["sum", 0, 0]]}}
        """#
        let message = Self.message(text)
        #expect(message.contains("layer \"sum\" (Add)") && message.contains("incompatible shapes at the merge"), "\(message)")
    }

    @Test("Keras 2 Sequential: batch_input_shape on the first layer flows through the stack")
    func keras2Sequential() throws {
        let text = #"""
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "Conv2D", "config": {"name": "c", "filters": 8, "kernel_size": [3, 3], "strides": [2, 2],
            "padding": "valid", "batch_input_shape": [null, 15, 15, 3], "activation": "relu"}},
          {"class_name": "Flatten", "config": {"name": "f"}},
          {"class_name": "Dense", "config": {"name": "d", "units": 10, "activation": "softmax"}}
        ]}}
        """#
        let plan = try Planner().plan(KerasModelReader().read(text: text))
        #expect(plan.entries.map(\.shape) == [[3, 3, 3, 8], [8], [392, 10], [10]])
    }
}
