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
    ]
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

    @Test(arguments: layers.indices)
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
}
