import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `--respect-config` (and profiles) inside wrappers (issue: for `Bidirectional(LSTM(...,
/// unit_forget_bias=True))` both biases came out all zeros). The cause was a class of bugs: the
/// planner gave a wrapped variable its inner layer's config but kept the wrapper's class, so
/// every class-specific key was read as the wrapper's. For each layer class below, with
/// non-default initializers in its config, the plan of the wrapped layer equals the plan of
/// the layer alone, tensor by tensor (initializer, parameters, distribution, fill).
@Suite("Wrapped layers are planned as the layer alone")
struct WrapperRespectConfigCLITests {
    /// (class, config, input shape without batch).
    static let layers: [(String, String, [Int])] = [
        ("Dense", #"{"units": 6, "kernel_initializer": "he_normal", "bias_initializer": "ones"}"#, [5]),
        ("Conv1D", #"{"filters": 4, "kernel_size": 3, "kernel_initializer": "lecun_normal", "bias_initializer": "ones"}"#, [10, 3]),
        ("Conv2D", #"{"filters": 4, "kernel_size": 3, "kernel_initializer": "he_uniform", "bias_initializer": {"class_name": "Constant", "config": {"value": 0.5}}}"#, [8, 8, 3]),
        ("SeparableConv1D", #"{"filters": 4, "kernel_size": 3, "depthwise_initializer": "ones", "pointwise_initializer": "he_normal"}"#, [10, 3]),
        ("DepthwiseConv2D", #"{"kernel_size": 3, "depthwise_initializer": "lecun_uniform", "bias_initializer": "ones", "use_bias": true}"#, [8, 8, 3]),
        ("BatchNormalization", #"{"gamma_initializer": "zeros", "moving_variance_initializer": "zeros", "beta_initializer": "ones"}"#, [6]),
        ("LayerNormalization", #"{"beta_initializer": "ones", "gamma_initializer": "zeros"}"#, [6]),
        ("LSTM", #"{"units": 4, "unit_forget_bias": true, "kernel_initializer": "he_normal"}"#, [5, 3]),
        ("LSTM", #"{"units": 4, "unit_forget_bias": false, "bias_initializer": "ones"}"#, [5, 3]),
        ("GRU", #"{"units": 3, "bias_initializer": "ones", "recurrent_initializer": "glorot_normal"}"#, [5, 3]),
        ("SimpleRNN", #"{"units": 3, "kernel_initializer": "he_normal", "bias_initializer": "ones"}"#, [5, 3]),
        ("EinsumDense", #"{"equation": "ab,bc->ac", "output_shape": 6, "bias_axes": "c", "kernel_initializer": "he_normal", "bias_initializer": "ones"}"#, [5]),
        ("Embedding", #"{"input_dim": 20, "output_dim": 4, "embeddings_initializer": "he_normal"}"#, [5]),
        ("ReversibleEmbedding", #"{"input_dim": 20, "output_dim": 4, "tie_weights": false, "embeddings_initializer": "he_normal"}"#, [5]),
        ("Conv3D", #"{"filters": 2, "kernel_size": 2, "kernel_initializer": "he_normal", "bias_initializer": "ones"}"#, [4, 4, 4, 2]),
        ("Conv1DTranspose", #"{"filters": 3, "kernel_size": 3, "kernel_initializer": "lecun_normal", "bias_initializer": "ones"}"#, [10, 3]),
        ("Conv2DTranspose", #"{"filters": 3, "kernel_size": 3, "kernel_initializer": "he_uniform"}"#, [6, 6, 3]),
        ("Conv3DTranspose", #"{"filters": 2, "kernel_size": 2, "kernel_initializer": "glorot_normal"}"#, [4, 4, 4, 2]),
        ("DepthwiseConv1D", #"{"kernel_size": 3, "depthwise_initializer": "he_normal", "use_bias": true, "bias_initializer": "ones"}"#, [10, 3]),
        ("SeparableConv2D", #"{"filters": 4, "kernel_size": 3, "depthwise_initializer": "he_uniform", "pointwise_initializer": "lecun_normal"}"#, [8, 8, 3]),
        ("GroupNormalization", #"{"groups": 2, "gamma_initializer": "zeros", "beta_initializer": "ones"}"#, [6]),
        ("RMSNormalization", #"{"epsilon": 0.001}"#, [6]),
        ("Normalization", #"{"axis": -1}"#, [6]),
        ("PReLU", #"{"alpha_initializer": "ones"}"#, [6]),
        ("LayerScale", #"{"init_values": 0.1, "projection_dim": 6}"#, [6]),
        ("ConvLSTM1D", #"{"filters": 2, "kernel_size": 3, "unit_forget_bias": true, "kernel_initializer": "he_normal"}"#, [5, 8, 3]),
        ("ConvLSTM2D", #"{"filters": 2, "kernel_size": 3, "bias_initializer": "ones"}"#, [3, 6, 6, 2]),
        ("ConvLSTM3D", #"{"filters": 1, "kernel_size": 2}"#, [2, 4, 4, 4, 1]),
    ]
    /// The catalog's weighted classes that take several inputs (attention), or are wrappers,
    /// which cannot be wrapped alone; every other weighted class must be in `layers`.
    static let notWrappable: Set<String> = [
        "Bidirectional", "TimeDistributed", "MultiHeadAttention", "GroupQueryAttention", "GroupedQueryAttention",
        "Attention", "AdditiveAttention",
    ]

    @Test func everyWeightedClassIsCovered() {
        let covered = Set(Self.layers.map(\.0))
        #expect(LayerCatalog.weightedClasses.subtracting(Self.notWrappable).subtracting(covered).isEmpty,
                "weighted classes without a wrapper test: \(LayerCatalog.weightedClasses.subtracting(Self.notWrappable).subtracting(covered).sorted())")
    }
    static let recurrent: Set<String> = ["LSTM", "GRU", "SimpleRNN"]

    /// Each tensor's initializer, parameters, distribution and fill, in order, without names.
    static func plan(_ spec: String, _ options: [String], in dir: TemporaryDirectory) throws -> [String] {
        let path = dir.path("spec-\(UUID().uuidString).json")
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.ckpt(["plan", path, "--json"] + options)
        #expect(result.status == 0, "\(spec): \(result.stderr)")
        guard let tensors = try JSONParser.parse(result.stdout)["tensors"]?.array else { return [] }
        return tensors.map { tensor in
            var kept = JSONObject()
            for key in ["shape", "role", "initializer", "distribution", "expected_std", "fill"] { kept[key] = tensor[key] ?? .null }
            return JSONWriter.string(.object(kept), style: .compact)
        }
    }

    /// The classes a compact spec can name (LayerScale is a keras.applications layer, reached
    /// through Keras JSON only: `nestedModelsEqualAlone` covers it, in TimeDistributed too).
    static var compactIndices: [Int] { layers.indices.filter { layers[$0].0 != "LayerScale" } }

    @Test(arguments: compactIndices)
    func wrappedEqualsAlone(index: Int) throws {
        let (name, config, input) = Self.layers[index]
        let dir = try TemporaryDirectory()
        func spec(_ layer: String, input: [Int]) -> String {
            #"{"ckpt_spec": 1, "input": \#(input), "layers": [\#(layer)]}"#
        }
        let alone = #"{"\#(name)": \#(config)}"#
        for options in [["--respect-config"], ["--profile", "keras"], ["--profile", "torch"], []] {
            let reference = try Self.plan(spec(alone, input: input), options, in: dir)
            #expect(!reference.isEmpty)
            // TimeDistributed over an extra time axis.
            let timeDistributed = try Self.plan(spec(#"{"TimeDistributed": {"layer": \#(alone)}}"#, input: [7] + input), options, in: dir)
            #expect(timeDistributed == reference, "\(name) in TimeDistributed, \(options)")
            guard Self.recurrent.contains(name) else { continue }
            // Bidirectional: the forward and the backward copies each equal the layer alone.
            let both = try Self.plan(spec(#"{"Bidirectional": {"layer": \#(alone)}}"#, input: input), options, in: dir)
            #expect(both == reference + reference, "\(name) in Bidirectional, \(options)")
            // With a backward_layer of another config, the backward half follows that config.
            let otherConfig = config.replacingOccurrences(of: "\"units\": ", with: "\"go_backwards\": true, \"units\": ")
                .replacingOccurrences(of: "true, \"kernel", with: "false, \"kernel")
            let backward = #"{"\#(name)": \#(otherConfig)}"#
            let backwardAlone = try Self.plan(spec(backward, input: input), options, in: dir)
            let pair = try Self.plan(spec(#"{"Bidirectional": {"layer": \#(alone), "backward_layer": \#(backward)}}"#, input: input), options, in: dir)
            #expect(pair == reference + backwardAlone, "\(name) in Bidirectional with a backward_layer, \(options)")
        }
    }

    /// Keras JSON (compact specs have no nested models) of `layer` (class and config) inside
    /// `wrapping`, on an input of `input` (without batch).
    static func kerasJSON(_ name: String, _ config: String, wrapping: String, input: [Int]) -> String {
        let inner = #"{"class_name": "\#(name)", "config": \#(config.dropLast()), "name": "inner_layer"}}"#
        func sequential(_ body: String, _ modelName: String) -> String {
            #"{"class_name": "Sequential", "config": {"name": "\#(modelName)", "layers": [\#(body)]}}"#
        }
        func timeDistributed(_ body: String, _ layerName: String) -> String {
            #"{"class_name": "TimeDistributed", "config": {"name": "\#(layerName)", "layer": \#(body)}}"#
        }
        let batchShape = "[null, " + input.map(String.init).joined(separator: ", ") + "]"
        let functional = #"""
            {"class_name": "Functional", "config": {"name": "functional_inner", "layers": [
              {"class_name": "InputLayer", "name": "f_in", "config": {"batch_shape": \#(batchShape), "name": "f_in"}, "inbound_nodes": []},
              {"class_name": "\#(name)", "name": "inner_layer", "config": \#(config.dropLast()), "name": "inner_layer"},
               "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": \#(batchShape), "dtype": "float32", "keras_history": ["f_in", 0, 0]}}], "kwargs": {}}]}],
              "input_layers": [["f_in", 0, 0]], "output_layers": [["inner_layer", 0, 0]]}}
            """#
        let body: String
        switch wrapping {
        case "Sequential": body = sequential(inner, "sequential_inner")
        case "Functional": body = functional
        case "TimeDistributed(Sequential)": body = timeDistributed(sequential(inner, "sequential_inner"), "td")
        case "TimeDistributed(Functional)": body = timeDistributed(functional, "td")
        case "alone": body = inner
        case "TimeDistributed": body = timeDistributed(inner, "td")
        default:  // two levels deep
            body = timeDistributed(sequential(timeDistributed(sequential(inner, "deep_inner"), "td_inner"), "deep_outer"), "td_outer")
        }
        let extra = wrapping.hasPrefix("TimeDistributed") ? [7] : wrapping == "deep" ? [7, 2] : []
        let outerShape = "[null, " + (extra + input).map(String.init).joined(separator: ", ") + "]"
        return #"{"class_name": "Sequential", "config": {"name": "outer", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": \#(outerShape), "name": "x"}}, \#(body)]}}"#
    }

    static let nestings = ["TimeDistributed", "Sequential", "Functional", "TimeDistributed(Sequential)", "TimeDistributed(Functional)", "deep"]

    /// Nested Sequential and Functional models, alone and inside TimeDistributed, two levels deep
    /// included (Keras JSON without build_config: every shape comes from ckpt's inference): the
    /// layer's plan equals the plan of the layer alone.
    @Test(arguments: layers.indices)
    func nestedModelsEqualAlone(index: Int) throws {
        let (name, config, input) = Self.layers[index]
        let dir = try TemporaryDirectory()
        for options in [["--respect-config"], ["--profile", "torch"], []] {
            let reference = try Self.plan(Self.kerasJSON(name, config, wrapping: "alone", input: input), options, in: dir)
            #expect(!reference.isEmpty)
            for nesting in Self.nestings {
                let nested = try Self.plan(Self.kerasJSON(name, config, wrapping: nesting, input: input), options, in: dir)
                #expect(nested == reference, "\(name) in \(nesting), \(options)")
            }
        }
    }

    /// Bidirectional wraps a recurrent layer, never a model (Keras refuses one): one clear error.
    @Test func bidirectionalOfAModelIsRefused() throws {
        let dir = try TemporaryDirectory()
        let spec = #"{"class_name": "Sequential", "config": {"name": "outer", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 5, 3], "name": "x"}}, {"class_name": "Bidirectional", "config": {"name": "bi", "layer": {"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "LSTM", "config": {"name": "l", "units": 4}}]}}}}]}}"#
        let path = dir.path("bi.json")
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.ckpt(["plan", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Bidirectional wraps a recurrent layer") && result.stderr.contains("got Sequential"), "\(result.stderr)")
    }
}
