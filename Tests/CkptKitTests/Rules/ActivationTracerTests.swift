import Testing
@testable import CkptKit

@Suite("Activation tracing")
struct ActivationTracerTests {
    /// A Functional model from (name, class, config, inputs) rows.
    static func model(_ rows: [(String, String, String, [String])], outputs: [String]) throws -> KerasModel {
        var layers: [String] = []
        for (name, className, config, inputs) in rows {
            let args = inputs.map { #"{"class_name": "__keras_tensor__", "config": {"shape": [null, 8], "keras_history": ["\#($0)", 0, 0]}}"# }
            let nodes = inputs.isEmpty ? "[]" : #"[{"args": [\#(args.joined(separator: ", "))], "kwargs": {}}]"#
            let module = className == "OpAdd" ? "keras.src.ops.numpy" : "keras.layers"
            let cls = className == "OpAdd" ? "Add" : className
            layers.append(#"{"module": "\#(module)", "class_name": "\#(cls)", "name": "\#(name)", "config": {"name": "\#(name)"\#(config.isEmpty ? "" : ", " + config)}, "build_config": {"input_shape": [null, 8]}, "inbound_nodes": \#(nodes)}"#)
        }
        let outs = outputs.map { #"["\#($0)", 0, 0]"# }.joined(separator: ", ")
        let json = #"{"class_name": "Functional", "config": {"name": "f", "layers": [\#(layers.joined(separator: ", "))], "input_layers": [["in", 0, 0]], "output_layers": [\#(outs)]}}"#
        return try KerasModelReader().read(text: json)
    }

    static func reason(for layer: String, in model: KerasModel) throws -> (String, String) {
        let plan = try Planner().plan(model)
        let kernel = try #require(plan.entries.first { $0.layer == layer && $0.variable == "kernel" })
        return (kernel.initializer.name, kernel.reason)
    }

    /// PReLU starts as a ReLU (alpha 0); RMSNormalization and LayerScale are looked through.
    @Test func preluIsAReLUFamilyActivation() throws {
        let model = try Self.model([
            ("in", "InputLayer", "", []),
            ("d1", "Dense", #""units": 8"#, ["in"]),
            ("rms", "RMSNormalization", "", ["d1"]),
            ("act", "PReLU", "", ["rms"]),
            ("out", "Dense", #""units": 2"#, ["act"]),
        ], outputs: ["out"])
        let (initializer, reason) = try Self.reason(for: "d1", in: model)
        #expect(initializer == "he_uniform" && reason.contains("prelu"), "\(reason)")
        #expect(ActivationTable.family(for: ActivationTable.normalize("keras.activations.swish")) == .he)
        #expect(ActivationTable.family(for: "hard_silu") == .he && ActivationTable.family(for: "gelu") == .he)
    }

    @Test func looksThroughBatchNormAndAddToReLU() throws {
        let model = try Self.model([
            ("in", "InputLayer", "", []),
            ("d1", "Dense", #""units": 8"#, ["in"]),
            ("bn", "BatchNormalization", "", ["d1"]),
            ("sum", "OpAdd", "", ["bn", "in"]),
            ("act", "ReLU", "", ["sum"]),
            ("out", "Dense", #""units": 2, "activation": "tanh""#, ["act"]),
        ], outputs: ["out"])
        let (initializer, reason) = try Self.reason(for: "d1", in: model)
        #expect(initializer == "he_uniform")
        #expect(reason.contains("\"act\"") && reason.contains("bn → sum"), "\(reason)")
        #expect(try Self.reason(for: "out", in: model).0 == "glorot_uniform")
    }

    @Test func aWeightedConsumerMeansLinear() throws {
        let model = try Self.model([
            ("in", "InputLayer", "", []),
            ("d1", "Dense", #""units": 8"#, ["in"]),
            ("d2", "Dense", #""units": 8, "activation": "relu""#, ["d1"]),
        ], outputs: ["d2"])
        #expect(try Self.reason(for: "d1", in: model).0 == "glorot_uniform")
        #expect(try Self.reason(for: "d2", in: model).0 == "he_uniform")
    }

    @Test func seluAndUnknownActivations() throws {
        let model = try Self.model([
            ("in", "InputLayer", "", []),
            ("s", "Dense", #""units": 8, "activation": "selu""#, ["in"]),
            ("w", "Dense", #""units": 8, "activation": "weird_thing""#, ["s"]),
            ("a", "Activation", #""activation": "gelu""#, ["w"]),
        ], outputs: ["a"])
        #expect(try Self.reason(for: "s", in: model).0 == "lecun_normal")
        let (initializer, reason) = try Self.reason(for: "w", in: model)
        #expect(initializer == "glorot_uniform")
        #expect(reason.contains("not in the activation table"))
    }

    @Test func nestedModelOutputContinuesInTheParent() throws {
        let json = #"""
        {"class_name": "Functional", "config": {"name": "f", "layers": [
          {"class_name": "InputLayer", "name": "in", "config": {"batch_shape": [null, 4], "name": "in"}, "inbound_nodes": []},
          {"class_name": "Sequential", "name": "head", "config": {"name": "head", "layers": [
             {"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "hin"}},
             {"class_name": "Dense", "config": {"name": "inner", "units": 3}, "build_config": {"input_shape": [null, 4]}}]},
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "keras_history": ["in", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "Activation", "name": "act", "config": {"name": "act", "activation": "relu"},
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "keras_history": ["head", 0, 0]}}], "kwargs": {}}]}],
          "input_layers": [["in", 0, 0]], "output_layers": [["act", 0, 0]]}}
        """#
        let plan = try Planner().plan(try KerasModelReader().read(text: json))
        let kernel = try #require(plan.entries.first { $0.name == "head/inner/kernel" })
        #expect(kernel.kerasPath == "layers/sequential/layers/dense/vars/0")
        #expect(kernel.topLevelLayer == "head")
        #expect(kernel.initializer.name == "he_uniform", "\(kernel.reason)")
        #expect(kernel.reason.contains("\"act\""), "\(kernel.reason)")
    }
}
