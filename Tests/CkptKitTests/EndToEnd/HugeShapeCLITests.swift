import Foundation
import Testing
import CkptTestSupport

/// Shapes whose sizes overflow (issue: `ckpt plan` trapped with SIGILL on a Dense of 2⁶² units):
/// every command that reads a spec ends in one error line naming the layer or tensor, exit 1.
@Suite("Huge shapes are errors, never traps")
struct HugeShapeCLITests {
    static let specs: [(name: String, json: String, names: String)] = [
        ("Dense of 2^62 units", #"{"ckpt_spec":1,"input":[8],"layers":[{"Dense":{"units":4611686018427387904}}]}"#, "dense/kernel"),
        ("input of 2^62", #"{"ckpt_spec":1,"input":[4611686018427387904],"layers":[{"Dense":{"units":4}}]}"#, "dense/kernel"),
        ("Embedding of 2^62", #"{"ckpt_spec":1,"input":[8],"layers":[{"Embedding":{"input_dim":4611686018427387904,"output_dim":8}}]}"#, "embedding/embeddings"),
        ("a kernel whose product overflows", #"{"ckpt_spec":1,"input":[8],"layers":[{"Dense":{"units":3037000500}},{"Dense":{"units":3037000500}}]}"#, "dense_1/kernel"),
        ("Flatten whose product overflows", #"{"ckpt_spec":1,"input":[3037000500,3037000500,4],"layers":[{"Flatten":{}},{"Dense":{"units":4}}]}"#, "flatten"),
        ("UpSampling past Int", #"{"ckpt_spec":1,"input":[3037000500,4],"layers":[{"UpSampling1D":{"size":4611686018427387904}},{"Flatten":{}}]}"#, "up_sampling1d"),
        ("Conv1D of 2^62 filters", #"{"ckpt_spec":1,"input":[30,4],"layers":[{"Conv1D":{"filters":4611686018427387904,"kernel_size":3}}]}"#, "conv1d/kernel"),
        // The catalog's own arithmetic (gates × units, channels × depth_multiplier) trapped before
        // the planner's size check could run.
        ("LSTM of 2^62 units", #"{"ckpt_spec":1,"input":[4,8],"layers":[{"LSTM":{"units":4611686018427387904}}]}"#, "lstm"),
        ("GRU of 2^62 units", #"{"ckpt_spec":1,"input":[4,8],"layers":[{"GRU":{"units":4611686018427387904}}]}"#, "gru"),
        ("Bidirectional LSTM of 2^62 units", #"{"ckpt_spec":1,"input":[4,8],"layers":[{"Bidirectional":{"layer":{"LSTM":{"units":4611686018427387904}}}}]}"#, "bidirectional"),
        ("ConvLSTM2D of 2^62 filters", #"{"ckpt_spec":1,"input":[4,8,8,3],"layers":[{"ConvLSTM2D":{"filters":4611686018427387904,"kernel_size":3}}]}"#, "conv_lstm2d"),
        ("SeparableConv2D with depth_multiplier 2^62", #"{"ckpt_spec":1,"input":[16,16,3],"layers":[{"SeparableConv2D":{"filters":8,"kernel_size":3,"depth_multiplier":4611686018427387904}}]}"#, "separable_conv2d"),
        ("DepthwiseConv2D with depth_multiplier 2^62", #"{"ckpt_spec":1,"input":[16,16,3],"layers":[{"DepthwiseConv2D":{"kernel_size":3,"depth_multiplier":4611686018427387904}}]}"#, "depthwise_conv2d"),
        ("many tensors whose total overflows", #"{"ckpt_spec":1,"input":[1024],"layers":[{"Dense":{"units":1125899906842624}},{"Dense":{"units":1024}},{"Dense":{"units":1125899906842624}},{"Dense":{"units":1024}}]}"#, "too large"),
    ]

    @Test(arguments: specs.indices)
    func everyCommandEndsInOneError(index: Int) throws {
        let (name, json, expected) = Self.specs[index]
        let dir = try TemporaryDirectory()
        let spec = dir.path("spec.json")
        try json.write(toFile: spec, atomically: true, encoding: .utf8)
        for arguments in [["plan", spec], ["plan", "--json", spec], ["init", spec, "-o", dir.path("o.npz")],
                          ["init", spec, "-o", dir.path("o.h5")], ["export-keras", spec]] {
            let result = try ProcessRunner.ckpt(arguments)
            let what = "\(name): ckpt \(arguments.dropLast().joined(separator: " "))"
            // export-keras does not plan: an overflow in shape inference is an error, sizes of
            // weights are not its business.
            if arguments[0] == "export-keras", result.status == 0 { continue }
            #expect(result.status == 1, "\(what): exit \(result.status): \(result.stderr)")
            #expect(result.stderr.hasPrefix("ckpt: error: ") && result.stderr.split(separator: "\n").count == 1, "\(what): \(result.stderr)")
            #expect(result.stderr.contains(expected) && result.stderr.contains("too large"), "\(what): \(result.stderr)")
        }
        #expect(dir.contents() == ["spec.json"], "nothing written")
    }
}
