import Foundation
import Testing
import CkptTestSupport

/// `ckpt convert --layout torch|keras` against the real Keras 3 and torch (the venv of
/// scripts/setup-python-torch.sh; Tests/Interop/check_layouts.py): for every mapped layer class
/// and for whole models (a CNN with BatchNorm, an LSTM and bidirectional GRU tagger, a
/// transformer encoder block, a nested model), the Keras model and the torch module given the
/// converted weights give the same outputs on a random input, in both directions (keras → torch
/// through save_weights and load_state_dict(strict=True); torch → keras through
/// torch.save(module.state_dict()) and load_weights or load_model).
@Suite("Interop: layouts")
struct LayoutInteropTests {
    static func check(_ group: String, cases: [String]) throws {
        try TorchInteropTests.requireVenv()
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_layouts.py").path
        let result = try ProcessRunner.run(TestPaths.torchVenvPython, [script, group, "--ckpt", TestPaths.ckptBinary])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("\(cases.count * 2) passed, 0 failed"), "\(result.stdout)")
        for name in cases {
            for direction in ["keras->torch", "torch->keras"] {
                #expect(result.stdout.contains("PASS \(name) \(direction)\n"), "\(name) \(direction): \(result.stdout)")
            }
        }
    }

    @Test func everyMappedLayerMatchesItsTorchModule() throws {
        try Self.check("layers", cases: [
            "dense", "dense_no_bias_rank3", "time_distributed_dense", "conv1d", "conv2d_groups_strides", "conv2d_same", "conv3d",
            "depthwise_conv1d", "depthwise_conv2d", "conv1d_transpose", "conv2d_transpose", "conv3d_transpose",
            "batch_norm_1d", "batch_norm_2d", "batch_norm_3d_no_affine", "layer_norm", "layer_norm_two_axes", "rms_norm", "group_norm",
            "embedding", "simple_rnn", "simple_rnn_relu", "lstm", "gru", "bidirectional_lstm", "bidirectional_gru",
            "multi_head_attention", "multi_head_attention_no_bias",
        ])
    }

    @Test func wholeModelsMatchInBothDirections() throws {
        try Self.check("models", cases: ["cnn_batch_norm", "lstm_gru_tagger", "transformer_encoder", "nested_model"])
    }
}
