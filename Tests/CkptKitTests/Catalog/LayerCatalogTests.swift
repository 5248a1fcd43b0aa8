import Testing
@testable import CkptKit

/// Per-class catalog facts (Keras 3.15.1): variables, shapes, save order, trainable flags,
/// sub-layer keys, canonical names, and errors that name the layer.
@Suite("Layer catalog")
struct LayerCatalogTests {
    /// The variables of one layer built on `input` (a JSON shape with the batch dimension).
    static func variables(_ className: String, _ config: String = "", input: String = "[null, 8]",
                          build: String? = nil) throws -> [VariableSpec] {
        let buildConfig = build ?? #"{"input_shape": \#(input)}"#
        let json = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "\#(className)", "config": {"name": "l"\#(config.isEmpty ? "" : ", " + config)}, "build_config": \#(buildConfig)}]}}"#
        let model = try KerasModelReader().read(text: json)
        return try LayerCatalog.variables(of: model.layers[0])
    }

    static func summary(_ variables: [VariableSpec]) -> [String] {
        variables.map { ($0.sublayer + [$0.name]).joined(separator: "/") + " " + ShapeText.describe($0.shape) + ($0.trainable ? "" : " frozen") }
    }

    static func expectError(_ className: String, _ config: String, input: String = "[null, 8]", build: String? = nil,
                            mentions: String) {
        #expect {
            _ = try variables(className, config, input: input, build: build)
        } throws: { error in
            "\(error)".contains("\"l\"") && "\(error)".contains(mentions)
        }
    }

    // MARK: Core

    @Test func denseAndEinsumDense() throws {
        let dense = try Self.variables("Dense", #""units": 4"#, input: "[null, 3]")
        #expect(Self.summary(dense) == ["kernel (3, 4)", "bias (4,)"])
        #expect(dense[0].fanSemantics == .dense(inputs: 3, outputs: 4))
        #expect(try Self.variables("Dense", #""units": 4, "use_bias": false"#).count == 1)

        let simple = try Self.variables("EinsumDense", #""equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c""#, input: "[null, 3]")
        #expect(Self.summary(simple) == ["kernel (3, 4)", "bias (4,)"])
        let heads = try Self.variables("EinsumDense", #""equation": "abc,cde->abde", "output_shape": [null, 2, 4], "bias_axes": "de""#,
                                       input: "[null, 5, 3]")
        #expect(Self.summary(heads) == ["kernel (3, 2, 4)", "bias (2, 4)"])
        #expect(heads[0].fanSemantics == .einsum(inputAxes: [0], outputAxes: [1, 2]))
        #expect(heads[0].fanAxes?.input == [0] && heads[0].fanAxes?.output == [1, 2])
        let elided = try Self.variables("EinsumDense", #""equation": "...b,bc->...c", "output_shape": 6"#, input: "[null, 5, 3]")
        #expect(Self.summary(elided) == ["kernel (3, 6)"])
        Self.expectError("EinsumDense", #""equation": "ab,bc", "output_shape": 4"#, mentions: "should be an einsum equation")
        Self.expectError("EinsumDense", #""equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "z""#, mentions: "bias axis 'z'")
    }

    @Test func convolutionsCarryTheirFanSemantics() throws {
        let grouped = try Self.variables("Conv2D", #""filters": 8, "kernel_size": 3, "groups": 2"#, input: "[null, 9, 9, 4]")
        #expect(Self.summary(grouped) == ["kernel (3, 3, 2, 8)", "bias (8,)"])
        #expect(grouped[0].fanSemantics == .convolution(kernel: [3, 3], inputChannels: 4, outputChannels: 8, groups: 2))
        let transposed = try Self.variables("Conv2DTranspose", #""filters": 6, "kernel_size": [3, 2], "strides": 2"#, input: "[null, 9, 9, 4]")
        #expect(Self.summary(transposed) == ["kernel (3, 2, 6, 4)", "bias (6,)"])
        #expect(transposed[0].fanSemantics == .transposedConvolution(kernel: [3, 2], inputChannels: 4, outputChannels: 6, strides: [2, 2]))
        let depthwise = try Self.variables("DepthwiseConv2D", #""kernel_size": 3, "depth_multiplier": 2"#, input: "[null, 9, 9, 4]")
        #expect(depthwise[0].fanSemantics == .depthwise(kernel: [3, 3], channels: 4, multiplier: 2))
        let separable = try Self.variables("SeparableConv1D", #""filters": 5, "kernel_size": 3"#, input: "[null, 9, 4]")
        #expect(Self.summary(separable) == ["depthwise_kernel (3, 4, 1)", "pointwise_kernel (1, 4, 5)", "bias (5,)"])
        #expect(separable[1].fanSemantics == .convolution(kernel: [1], inputChannels: 4, outputChannels: 5, groups: 1))
        let embedding = try Self.variables("Embedding", #""input_dim": 100, "output_dim": 7"#, input: "[null, 5]")
        #expect(embedding[0].fanSemantics == .embedding(vocabulary: 100, dim: 7))
        Self.expectError("Conv2D", #""filters": 8, "kernel_size": 3, "groups": 3"#, input: "[null, 9, 9, 4]", mentions: "groups=3")
    }

    // MARK: Recurrent

    @Test func simpleRNNLivesInItsCell() throws {
        let rnn = try Self.variables("SimpleRNN", #""units": 5"#, input: "[null, 7, 3]")
        #expect(Self.summary(rnn) == ["cell/kernel (3, 5)", "cell/recurrent_kernel (5, 5)", "cell/bias (5,)"])
        #expect(rnn.map(\.nameInLayer) == ["simple_rnn_cell/kernel", "simple_rnn_cell/recurrent_kernel", "simple_rnn_cell/bias"])
        #expect(rnn.map(\.role) == [.kernel, .recurrentKernel, .bias])
        #expect(rnn[0].innerActivation == "tanh")
        #expect(rnn[1].fanSemantics == .recurrent(inputs: 5, units: 5, gates: 1, kernel: [], isRecurrentKernel: true))
        #expect(try Self.variables("SimpleRNN", #""units": 5, "use_bias": false"#, input: "[null, 7, 3]").count == 2)
    }

    @Test func lstmPacksFourGatesAndMarksTheForgetBias() throws {
        let lstm = try Self.variables("LSTM", #""units": 6"#, input: "[null, 7, 3]")
        #expect(Self.summary(lstm) == ["cell/kernel (3, 24)", "cell/recurrent_kernel (6, 24)", "cell/bias (24,)"])
        #expect(lstm.map(\.nameInLayer) == ["lstm_cell/kernel", "lstm_cell/recurrent_kernel", "lstm_cell/bias"])
        #expect(lstm[2].unitForgetBias == 6)
        #expect(lstm[0].fanSemantics == .recurrent(inputs: 3, units: 6, gates: 4, kernel: [], isRecurrentKernel: false))
        let plain = try Self.variables("LSTM", #""units": 6, "unit_forget_bias": false"#, input: "[null, 7, 3]")
        #expect(plain[2].unitForgetBias == nil)
        let relu = try Self.variables("LSTM", #""units": 6, "activation": "relu""#, input: "[null, 7, 3]")
        #expect(relu[0].innerActivation == "relu")
    }

    @Test(arguments: [(true, [2, 12]), (false, [12])])
    func gruBiasFollowsResetAfter(resetAfter: Bool, bias: [Int]) throws {
        let gru = try Self.variables("GRU", #""units": 4, "reset_after": \#(resetAfter)"#, input: "[null, 7, 3]")
        #expect(gru.map(\.shape) == [[3, 12], [4, 12], bias])
        #expect(gru.allSatisfy { $0.sublayer == ["cell"] && $0.unitForgetBias == nil })
    }

    @Test func convLSTMKernelsAreSpatial() throws {
        let last = try Self.variables("ConvLSTM2D", #""filters": 4, "kernel_size": 3"#, input: "[null, 5, 8, 8, 3]")
        #expect(Self.summary(last) == ["cell/kernel (3, 3, 3, 16)", "cell/recurrent_kernel (3, 3, 4, 16)", "cell/bias (16,)"])
        #expect(last[0].nameInLayer == "conv_lstm_cell/kernel")
        #expect(last[2].unitForgetBias == 4)
        let first = try Self.variables("ConvLSTM1D", #""filters": 2, "kernel_size": 5, "data_format": "channels_first""#, input: "[null, 5, 3, 10]")
        #expect(first.map(\.shape) == [[5, 3, 8], [5, 2, 8], [8]])
        Self.expectError("ConvLSTM2D", #""filters": 4, "kernel_size": 3"#, input: "[null, 8, 8, 3]", mentions: "rank 5")
    }

    @Test func recurrentErrorsNameTheLayer() {
        Self.expectError("LSTM", "", input: "[null, 7, 3]", mentions: "\"units\"")
        Self.expectError("GRU", #""units": 4"#, input: "[null, 3]", mentions: "rank 3")
        Self.expectError("SimpleRNN", #""units": 4"#, input: "[null, 7, null]", mentions: "unknown")
    }

    @Test func bidirectionalCopiesTheLayerBackwardWhenNoBackwardLayerIsGiven() throws {
        let inner = #"{"class_name": "LSTM", "config": {"name": "lstm", "units": 3}}"#
        let bi = try Self.variables("Bidirectional", #""layer": \#(inner)"#, input: "[null, 7, 5]")
        #expect(Self.summary(bi) == [
            "forward_layer/cell/kernel (5, 12)", "forward_layer/cell/recurrent_kernel (3, 12)", "forward_layer/cell/bias (12,)",
            "backward_layer/cell/kernel (5, 12)", "backward_layer/cell/recurrent_kernel (3, 12)", "backward_layer/cell/bias (12,)",
        ])
        #expect(bi.map(\.nameInLayer) == [
            "forward_lstm/lstm_cell/kernel", "forward_lstm/lstm_cell/recurrent_kernel", "forward_lstm/lstm_cell/bias",
            "backward_lstm/lstm_cell/kernel", "backward_lstm/lstm_cell/recurrent_kernel", "backward_lstm/lstm_cell/bias",
        ])
        #expect(bi[2].unitForgetBias == 3 && bi[0].config?["units"]?.int == 3)
    }

    @Test func bidirectionalWithADistinctBackwardLayer() throws {
        let forward = #"{"class_name": "LSTM", "config": {"name": "forward_lstm", "units": 3}}"#
        let backward = #"{"class_name": "GRU", "config": {"name": "gru", "units": 2, "go_backwards": true}}"#
        let bi = try Self.variables("Bidirectional", #""layer": \#(forward), "backward_layer": \#(backward)"#, input: "[null, 7, 5]")
        #expect(bi.map(\.shape) == [[5, 12], [3, 12], [12], [5, 6], [2, 6], [2, 6]])
        #expect(bi[3].nameInLayer == "gru/gru_cell/kernel" && bi[3].sublayer == ["backward_layer", "cell"])
        #expect(bi[0].nameInLayer == "forward_lstm/lstm_cell/kernel")
        let dense = #"{"class_name": "Dense", "config": {"name": "d", "units": 3}}"#
        Self.expectError("Bidirectional", #""layer": \#(dense)"#, input: "[null, 7, 5]", mentions: "recurrent layer")
    }

    @Test func timeDistributedBuildsTheInnerLayerWithoutTheTimeAxis() throws {
        let dense = #"{"class_name": "Dense", "config": {"name": "dense", "units": 3, "activation": "relu"}}"#
        let td = try Self.variables("TimeDistributed", #""layer": \#(dense)"#, input: "[null, 7, 5]")
        #expect(Self.summary(td) == ["layer/kernel (5, 3)", "layer/bias (3,)"])
        #expect(td.map(\.nameInLayer) == ["dense/kernel", "dense/bias"] && td[0].innerActivation == "relu")
        let conv = #"{"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": 3}}"#
        #expect(try Self.variables("TimeDistributed", #""layer": \#(conv)"#, input: "[null, 7, 9, 9, 2]")[0].shape == [3, 3, 2, 4])
        let bn = #"{"class_name": "BatchNormalization", "config": {"name": "bn"}}"#
        let frozen = try Self.variables("TimeDistributed", #""layer": \#(bn)"#, input: "[null, 7, 5]")
        #expect(frozen.map(\.trainable) == [true, true, false, false])
        Self.expectError("TimeDistributed", "", input: "[null, 7, 5]", mentions: "\"layer\"")
    }

    // MARK: Attention

    @Test func multiHeadAttentionProjectionsInKerasWeightOrder() throws {
        let build = #"{"shapes_dict": {"query_shape": [null, 4, 6], "value_shape": [null, 5, 10]}}"#
        let mha = try Self.variables("MultiHeadAttention", #""num_heads": 2, "key_dim": 3, "value_dim": 7"#, build: build)
        #expect(Self.summary(mha) == [
            "query_dense/kernel (6, 2, 3)", "query_dense/bias (2, 3)", "key_dense/kernel (10, 2, 3)", "key_dense/bias (2, 3)",
            "value_dense/kernel (10, 2, 7)", "value_dense/bias (2, 7)", "output_dense/kernel (2, 7, 6)", "output_dense/bias (6,)",
        ])
        #expect(mha.map(\.nameInLayer) == [
            "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
            "attention_output/kernel", "attention_output/bias",
        ])
        #expect(mha[6].fanSemantics == .attention(modelDim: 6, heads: 2, headDim: 7, isOutput: true))
        #expect(mha[6].fanAxes?.input == [0, 1] && mha[0].fanAxes?.input == [0])
        let keyed = #"{"shapes_dict": {"query_shape": [null, 4, 6], "value_shape": [null, 5, 10], "key_shape": [null, 5, 8]}}"#
        let shaped = try Self.variables("MultiHeadAttention", #""num_heads": 2, "key_dim": 3, "use_bias": false, "output_shape": [4, 2], "use_gate": true"#, build: keyed)
        #expect(Self.summary(shaped) == [
            "query_dense/kernel (6, 2, 3)", "key_dense/kernel (8, 2, 3)", "_gate_dense/kernel (6, 2, 3)",
            "value_dense/kernel (10, 2, 3)", "output_dense/kernel (2, 3, 4, 2)",
        ])
        Self.expectError("MultiHeadAttention", #""key_dim": 3"#, build: build, mentions: "\"num_heads\"")
    }

    @Test func groupedQueryAttention() throws {
        let build = #"{"shapes_dict": {"query_shape": [null, null, 16], "value_shape": [null, null, 12]}}"#
        let gqa = try Self.variables("GroupQueryAttention", #""head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2"#, build: build)
        #expect(Self.summary(gqa) == [
            "_query_dense/kernel (16, 4, 4)", "_query_dense/bias (4, 4)", "_key_dense/kernel (12, 2, 4)", "_key_dense/bias (2, 4)",
            "_value_dense/kernel (12, 2, 4)", "_value_dense/bias (2, 4)", "_output_dense/kernel (4, 4, 16)", "_output_dense/bias (16,)",
        ])
        Self.expectError("GroupQueryAttention", #""head_dim": 4, "num_query_heads": 3, "num_key_value_heads": 2"#, build: build,
                         mentions: "multiple of num_key_value_heads")
        #expect(LayerCatalog.pythonClassName("GroupQueryAttention") == "GroupedQueryAttention")
    }

    @Test func dotProductAndAdditiveAttentionScales() throws {
        let two = "[[null, 4, 6], [null, 5, 6]]"
        #expect(try Self.variables("Attention", "", input: two).isEmpty)
        #expect(Self.summary(try Self.variables("Attention", #""use_scale": true, "score_mode": "concat""#, input: two))
                == ["scale ()", "concat_score_weight ()"])
        #expect(Self.summary(try Self.variables("Attention", #""score_mode": "concat""#, input: two)) == ["concat_score_weight ()"])
        let additive = try Self.variables("AdditiveAttention", "", input: two)
        #expect(Self.summary(additive) == ["scale (6,)"])
        #expect(additive[0].kerasDefault == "glorot_uniform" && additive[0].role == .scale)
        #expect(try Self.variables("AdditiveAttention", #""use_scale": false"#, input: two).isEmpty)
        Self.expectError("Attention", #""score_mode": "cosine""#, input: two, mentions: "score_mode")
    }

    // MARK: Normalization and friends

    @Test func normalizationLayers() throws {
        let group = try Self.variables("GroupNormalization", #""groups": 3"#, input: "[null, 4, 4, 6]")
        #expect(Self.summary(group) == ["gamma (6,)", "beta (6,)"])
        Self.expectError("GroupNormalization", #""groups": 4"#, input: "[null, 4, 4, 6]", mentions: "groups=4")
        let rms = try Self.variables("RMSNormalization", #""axis": [1, 2]"#, input: "[null, 4, 5, 6]")
        #expect(Self.summary(rms) == ["scale (4, 5)"] && rms[0].role == .gamma)
        #expect(try Self.variables("UnitNormalization", "").isEmpty)
        let layerNorm = try Self.variables("LayerNormalization", #""rms_scaling": true"#, input: "[null, 4, 6]")
        #expect(Self.summary(layerNorm) == ["gamma (6,)"])
    }

    @Test func normalizationAdaptsMeanVarianceAndAnInt32Count() throws {
        let adapt = try Self.variables("Normalization", #""axis": -1, "mean": null"#, input: "[null, 4, 6]")
        #expect(Self.summary(adapt) == ["mean (6,) frozen", "variance (6,) frozen", "count () frozen"])
        #expect(adapt.map(\.dtype) == [nil, nil, .int32] && adapt[2].role == .count)
        let scalar = try Self.variables("Normalization", #""axis": null"#, input: "[null, 4, 6]")
        #expect(scalar.map(\.shape) == [[], [], []])
        #expect(try Self.variables("Normalization", #""axis": -1, "mean": [0.5], "variance": [2.0]"#, input: "[null, 4, 6]").isEmpty)
    }

    @Test func preluAndLayerScale() throws {
        let prelu = try Self.variables("PReLU", #""shared_axes": [1, 2]"#, input: "[null, 4, 5, 6]")
        #expect(Self.summary(prelu) == ["alpha (1, 1, 6)"] && prelu[0].role == .alpha)
        #expect(try Self.variables("PReLU", "", input: "[null, 4, 6]")[0].shape == [4, 6])
        Self.expectError("PReLU", #""shared_axes": [3]"#, input: "[null, 4, 6]", mentions: "shared axis 3")
        let scale = try Self.variables("LayerScale", #""init_values": 1e-06, "projection_dim": 12"#, input: "[null, 4, 4, 12]")
        #expect(Self.summary(scale) == ["variable (12,)"] && scale[0].nameInLayer == "gamma")
        #expect(try Initializer.keras(scale[0].kerasDefault).fill(fans: Fans.keras(shape: [12]), shape: [12]) == .elementwise(.constant(1e-6)))
    }

    /// keras.layers.ReversibleEmbedding, registered by its one descriptor file: the table, and
    /// with tie_weights false the (output_dim, input_dim) reverse table, both from
    /// embeddings_initializer; the output shape adds output_dim.
    @Test func reversibleEmbedding() throws {
        let tied = try Self.variables("ReversibleEmbedding", #""input_dim": 30, "output_dim": 6"#, input: "[null, 12]")
        #expect(Self.summary(tied) == ["embeddings (30, 6)"] && tied[0].role == .embeddings)
        let untied = try Self.variables("ReversibleEmbedding", #""input_dim": 30, "output_dim": 6, "tie_weights": false"#, input: "[null, 12]")
        #expect(Self.summary(untied) == ["embeddings (30, 6)", "reverse_embeddings (6, 30)"])
        #expect(untied.allSatisfy { $0.initializerKey == "embeddings_initializer" && $0.kerasDefault == "uniform" })
        #expect(untied[1].role == .kernel && untied[1].fanSemantics == .dense(inputs: 6, outputs: 30))
        Self.expectError("ReversibleEmbedding", #""input_dim": 30, "output_dim": 6, "quantization_config": {"mode": "int8"}"#,
                         input: "[null, 12]", mentions: "quantized")
        let descriptor = try #require(LayerRegistry.descriptor("ReversibleEmbedding"))
        #expect(descriptor.kind == .embedding && descriptor.family == .core)
    }
}
