/// GPT-2 (transformers `modeling_gpt2.py`). `Conv1D` weights are stored `[in, out]`.
/// Tensors: `transformer.wte [V, E]`, `transformer.wpe [n_positions, E]`, per layer
/// `transformer.h.N.{ln_1, attn.c_attn [E, 3E], attn.c_proj [E, E], ln_2, mlp.c_fc [E, inner],
/// mlp.c_proj [inner, E]}` with biases, `transformer.ln_f`; `lm_head` is tied to `wte`.
/// Init (`GPT2PreTrainedModel._init_weights`): normal(0, initializer_range) for Conv1D, Linear
/// and Embedding, zero biases, LayerNorm ones/zeros, and every `c_proj.weight` normal with std
/// initializer_range / √(2·n_layer).
extension HFFamily {
    static let gpt2 = HFFamily(
        name: "GPT-2", modelTypes: ["gpt2"], architectures: ["GPT2LMHeadModel", "GPT2Model"],
        fields: ["vocab_size", "n_embd", "n_layer", "n_head", "n_positions", "n_inner", "tie_word_embeddings",
                 "add_cross_attention", "initializer_range"],
        build: { config throws(HFConfigError) in
            let arch = try config.architecture(supported: ["GPT2LMHeadModel", "GPT2Model"])
            let vocab = try config.int("vocab_size", default: 50257)
            let width = try config.int("n_embd", default: 768)
            let layers = try config.int("n_layer", default: 12, allowZero: true)
            let heads = try config.int("n_head", default: 12)
            let positions = try config.int("n_positions", default: 1024)
            let inner = try config.int("n_inner", default: 4 * width)
            let tie = try config.bool("tie_word_embeddings", default: true)
            let std = try config.double("initializer_range", default: 0.02)
            guard width % heads == 0 else {
                throw config.error("inconsistent config: n_head (\(heads)) does not divide n_embd (\(width))")
            }
            if try config.bool("add_cross_attention", default: false) {
                throw config.error("add_cross_attention: true (GPT-2 with cross-attention) is not supported by ckpt")
            }
            let head = arch == "GPT2LMHeadModel"
            let prefix = head ? "transformer." : ""
            let projectionStd = std / (2.0 * Double(layers)).squareRoot()
            func conv(_ name: String, _ input: Int, _ output: Int, std: Double) -> [HFTensor] {
                [HFTensor(name: name + ".weight", shape: [input, output], kind: .linearWeight, module: "Conv1D", value: .normal(std: std)),
                 .bias(name, output, module: "Conv1D")]
            }
            func layerNorm(_ name: String) -> [HFTensor] {
                [.norm(name, width, module: "nn.LayerNorm"), .normBias(name, width, module: "nn.LayerNorm")]
            }
            var t: [HFTensor] = [
                .embedding(prefix + "wte", rows: vocab, width: width, std: std, padding: nil),
                .embedding(prefix + "wpe", rows: positions, width: width, std: std, padding: nil),
            ]
            for i in 0..<layers {
                let p = "\(prefix)h.\(i)."
                t += layerNorm(p + "ln_1")
                t += conv(p + "attn.c_attn", width, 3 * width, std: std)
                t += conv(p + "attn.c_proj", width, width, std: projectionStd)
                t += layerNorm(p + "ln_2")
                t += conv(p + "mlp.c_fc", width, inner, std: std)
                t += conv(p + "mlp.c_proj", inner, width, std: projectionStd)
            }
            t += layerNorm(prefix + "ln_f")
            var tied: [String] = []
            if head {
                if tie {
                    tied.append("transformer.wte.weight ← lm_head.weight (tie_word_embeddings)")
                } else {
                    t.append(.linear("lm_head", out: vocab, in: width, std: std))
                }
            }
            return HFModel(family: "GPT-2", architecture: arch, tensors: t, tied: tied, dtype: nil, generates: head)
        })
}
