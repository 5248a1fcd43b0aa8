/// The Llama-shaped decoders: Llama (2, 3, 3.x), Mistral, Qwen2/2.5, Qwen3, Gemma, Gemma 2 and
/// Phi-3 (transformers `modeling_llama.py` and the files modelled on it). The tensors, in save
/// order, are `model.embed_tokens`, per layer `model.layers.N.{self_attn, mlp, norms}`,
/// `model.norm` and `lm_head` (absent when tied to the embedding). Init (`_init_weights`):
/// Linear and Embedding `normal(0, initializer_range)`, zero biases, norms ones (zeros for
/// Gemma's `x·(1 + w)` norms), the embedding's padding row zeroed.
struct HFDecoderShape: Sendable {
    /// Biases on q/k/v (`attention_bias` applies to o too where the family says so).
    var qkvBias: Bool = false
    var oBias: Bool = false
    var mlpBias: Bool = false
    /// Qwen3's per-head `q_norm` / `k_norm`.
    var qkNorm: Bool = false
    /// Gemma 2's `pre_feedforward_layernorm` / `post_feedforward_layernorm`.
    var sandwichNorms: Bool = false
    /// Phi-3's fused `qkv_proj` and `gate_up_proj`.
    var fused: Bool = false
    /// The value of every norm weight (1; 0 for Gemma).
    var normValue: Double = 1
    /// The norm module's class name.
    var normModule: String
    /// A sparse mixture of experts in place of the MLP, on the layers it names.
    var moe: HFMixtureOfExperts? = nil
}

/// A sparse MoE block, written with the Hub's per-expert names: what transformers 5's
/// `save_pretrained` writes (it fuses the experts in memory and splits them again on save), and
/// what vLLM and transformers 4 load. The router is `<block>.gate.weight [E, H]`.
struct HFMixtureOfExperts: Sendable {
    enum Naming: Sendable {
        /// Mixtral: `block_sparse_moe.experts.N.{w1 [I, H], w2 [H, I], w3 [I, H]}`.
        case mixtral
        /// Qwen3-MoE: `mlp.experts.N.{gate_proj, up_proj, down_proj}`.
        case qwen
    }
    var experts: Int
    /// Each expert's intermediate size.
    var intermediate: Int
    var naming: Naming
    /// Whether layer i has the sparse block (else the dense MLP).
    var isSparse: @Sendable (Int) -> Bool = { _ in true }

    func tensors(layerPrefix p: String, hidden: Int, std: Double) -> [HFTensor] {
        var t: [HFTensor] = []
        switch naming {
        case .mixtral:
            t.append(.linear(p + "block_sparse_moe.gate", out: experts, in: hidden, std: std))
            for e in 0..<experts {
                let x = p + "block_sparse_moe.experts.\(e)."
                t.append(.linear(x + "w1", out: intermediate, in: hidden, std: std))
                t.append(.linear(x + "w2", out: hidden, in: intermediate, std: std))
                t.append(.linear(x + "w3", out: intermediate, in: hidden, std: std))
            }
        case .qwen:
            t.append(.linear(p + "mlp.gate", out: experts, in: hidden, std: std))
            for e in 0..<experts {
                let x = p + "mlp.experts.\(e)."
                t.append(.linear(x + "gate_proj", out: intermediate, in: hidden, std: std))
                t.append(.linear(x + "up_proj", out: intermediate, in: hidden, std: std))
                t.append(.linear(x + "down_proj", out: hidden, in: intermediate, std: std))
            }
        }
        return t
    }
}

extension HFFamily {
    /// A Llama-shaped family: `configure` reads the family's own fields and returns its shape.
    static func decoder(
        name: String, modelTypes: [String], architecture: String, tieDefault: Bool, defaultHeadDim: Int? = nil, padDefault: Int? = nil,
        extraFields: [String], ignored: Set<String> = [],
        configure: @escaping @Sendable (HFConfig) throws(HFConfigError) -> HFDecoderShape
    ) -> HFFamily {
        HFFamily(
            name: name, modelTypes: modelTypes, architectures: [architecture, architecture.replacingOccurrences(of: "ForCausalLM", with: "Model")],
            fields: ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                     "num_key_value_heads", "head_dim", "tie_word_embeddings", "pad_token_id", "initializer_range"] + extraFields,
            ignored: ignored,
            build: { config throws(HFConfigError) in
                let arch = try config.architecture(supported: [architecture, architecture.replacingOccurrences(of: "ForCausalLM", with: "Model")])
                let vocab = try config.int("vocab_size")
                let hidden = try config.int("hidden_size")
                let inter = try config.int("intermediate_size")
                let layers = try config.int("num_hidden_layers", allowZero: true)
                let heads = try config.int("num_attention_heads")
                let kv = try config.kvHeads(heads: heads)
                let hd = try config.headDim(hidden: hidden, heads: heads, hiddenKey: "hidden_size", headsKey: "num_attention_heads",
                                            defaultHeadDim: defaultHeadDim)
                let tie = try config.bool("tie_word_embeddings", default: tieDefault)
                let std = try config.double("initializer_range", default: 0.02)
                let pad = try config.paddingRow(rows: vocab, default: padDefault)
                let shape = try configure(config)
                let head = arch.hasSuffix("ForCausalLM")
                let prefix = head ? "model." : ""
                var t: [HFTensor] = [.embedding(prefix + "embed_tokens", rows: vocab, width: hidden, std: std, padding: pad)]
                let norm = { (n: String, size: Int) in HFTensor.norm(n, size, module: shape.normModule, value: shape.normValue) }
                for i in 0..<layers {
                    let p = "\(prefix)layers.\(i)."
                    t.append(norm(p + "input_layernorm", hidden))
                    if shape.fused {
                        t.append(.linear(p + "self_attn.qkv_proj", out: (heads + 2 * kv) * hd, in: hidden, std: std))
                    } else {
                        for (proj, out) in [("q_proj", heads * hd), ("k_proj", kv * hd), ("v_proj", kv * hd)] {
                            t.append(.linear(p + "self_attn." + proj, out: out, in: hidden, std: std))
                            if shape.qkvBias { t.append(.bias(p + "self_attn." + proj, out)) }
                        }
                    }
                    t.append(.linear(p + "self_attn.o_proj", out: hidden, in: heads * hd, std: std))
                    if shape.oBias { t.append(.bias(p + "self_attn.o_proj", hidden)) }
                    if shape.qkNorm {
                        t.append(norm(p + "self_attn.q_norm", hd))
                        t.append(norm(p + "self_attn.k_norm", hd))
                    }
                    t.append(norm(p + "post_attention_layernorm", hidden))
                    if shape.sandwichNorms {
                        t.append(norm(p + "pre_feedforward_layernorm", hidden))
                        t.append(norm(p + "post_feedforward_layernorm", hidden))
                    }
                    if let moe = shape.moe, moe.isSparse(i) {
                        t += moe.tensors(layerPrefix: p, hidden: hidden, std: std)
                        continue
                    }
                    if shape.fused {
                        t.append(.linear(p + "mlp.gate_up_proj", out: 2 * inter, in: hidden, std: std))
                    } else {
                        for proj in ["gate_proj", "up_proj"] {
                            t.append(.linear(p + "mlp." + proj, out: inter, in: hidden, std: std))
                            if shape.mlpBias { t.append(.bias(p + "mlp." + proj, inter)) }
                        }
                    }
                    t.append(.linear(p + "mlp.down_proj", out: hidden, in: inter, std: std))
                    if shape.mlpBias { t.append(.bias(p + "mlp.down_proj", hidden)) }
                }
                t.append(norm(prefix + "norm", hidden))
                var tied: [String] = []
                if head {
                    if tie {
                        tied.append("\(prefix)embed_tokens.weight ← lm_head.weight (tie_word_embeddings)")
                    } else {
                        t.append(.linear("lm_head", out: vocab, in: hidden, std: std))
                    }
                }
                return HFModel(family: name, architecture: arch, tensors: t, tied: tied, dtype: nil, generates: head)
            })
    }

    /// Llama 2, 3 and 3.x (`LlamaConfig`: `attention_bias` on q/k/v/o, `mlp_bias`).
    static let llama = decoder(
        name: "Llama", modelTypes: ["llama"], architecture: "LlamaForCausalLM", tieDefault: false,
        extraFields: ["attention_bias", "mlp_bias"]
    ) { config throws(HFConfigError) in
        let attention = try config.bool("attention_bias", default: false)
        return HFDecoderShape(qkvBias: attention, oBias: attention, mlpBias: try config.bool("mlp_bias", default: false),
                              normModule: "LlamaRMSNorm")
    }

    /// Mistral (`MistralConfig`: no biases; `sliding_window` changes no tensor).
    static let mistral = decoder(
        name: "Mistral", modelTypes: ["mistral"], architecture: "MistralForCausalLM", tieDefault: false, extraFields: []
    ) { _ throws(HFConfigError) in HFDecoderShape(normModule: "MistralRMSNorm") }

    /// Qwen2 and Qwen2.5 (`Qwen2Attention`: biases on q/k/v, none on o).
    static let qwen2 = decoder(
        name: "Qwen2", modelTypes: ["qwen2"], architecture: "Qwen2ForCausalLM", tieDefault: false, extraFields: []
    ) { _ throws(HFConfigError) in HFDecoderShape(qkvBias: true, normModule: "Qwen2RMSNorm") }

    /// Qwen3 (`Qwen3Config`: `head_dim` default 128, `attention_bias` on q/k/v/o, per-head q/k norms).
    static let qwen3 = decoder(
        name: "Qwen3", modelTypes: ["qwen3"], architecture: "Qwen3ForCausalLM", tieDefault: false, defaultHeadDim: 128,
        extraFields: ["attention_bias"]
    ) { config throws(HFConfigError) in
        let attention = try config.bool("attention_bias", default: false)
        return HFDecoderShape(qkvBias: attention, oBias: attention, qkNorm: true, normModule: "Qwen3RMSNorm")
    }

    /// Gemma (`GemmaConfig`: `head_dim` default 256, tied embeddings, `x·(1 + w)` norms stored as zeros).
    static let gemma = decoder(
        name: "Gemma", modelTypes: ["gemma"], architecture: "GemmaForCausalLM", tieDefault: true, defaultHeadDim: 256, padDefault: 0,
        extraFields: ["attention_bias"]
    ) { config throws(HFConfigError) in
        let attention = try config.bool("attention_bias", default: false)
        return HFDecoderShape(qkvBias: attention, oBias: attention, normValue: 0, normModule: "GemmaRMSNorm")
    }

    /// Gemma 2 (as Gemma, with four norms per layer).
    static let gemma2 = decoder(
        name: "Gemma 2", modelTypes: ["gemma2"], architecture: "Gemma2ForCausalLM", tieDefault: true, defaultHeadDim: 256, padDefault: 0,
        extraFields: ["attention_bias"]
    ) { config throws(HFConfigError) in
        let attention = try config.bool("attention_bias", default: false)
        return HFDecoderShape(qkvBias: attention, oBias: attention, sandwichNorms: true, normValue: 0, normModule: "Gemma2RMSNorm")
    }

    /// Mixtral (`MixtralConfig`: `num_local_experts` default 8; no biases).
    static let mixtral = decoder(
        name: "Mixtral", modelTypes: ["mixtral"], architecture: "MixtralForCausalLM", tieDefault: false,
        extraFields: ["num_local_experts"], ignored: ["num_experts_per_tok", "router_jitter_noise", "router_aux_loss_coef", "output_router_logits"]
    ) { config throws(HFConfigError) in
        let experts = try config.int("num_local_experts", default: 8)
        let inter = try config.int("intermediate_size")
        return HFDecoderShape(normModule: "MixtralRMSNorm", moe: HFMixtureOfExperts(experts: experts, intermediate: inter, naming: .mixtral))
    }

    /// Qwen3-MoE (`Qwen3MoeConfig`: `num_experts` default 128, `moe_intermediate_size` 768, sparse
    /// on layer i when i ∉ `mlp_only_layers` and (i + 1) mod `decoder_sparse_step` = 0; dense
    /// layers have the `intermediate_size` MLP).
    static let qwen3MoE = decoder(
        name: "Qwen3-MoE", modelTypes: ["qwen3_moe"], architecture: "Qwen3MoeForCausalLM", tieDefault: false, defaultHeadDim: 128,
        extraFields: ["attention_bias", "num_experts", "moe_intermediate_size", "decoder_sparse_step", "mlp_only_layers"],
        ignored: ["num_experts_per_tok", "norm_topk_prob", "router_aux_loss_coef", "output_router_logits"]
    ) { config throws(HFConfigError) in
        let attention = try config.bool("attention_bias", default: false)
        let experts = try config.int("num_experts", default: 128)
        let inter = try config.int("moe_intermediate_size", default: 768)
        let step = try config.int("decoder_sparse_step", default: 1)
        var dense: Set<Int> = []
        if let list = config.value("mlp_only_layers") {
            guard let items = list.array, items.allSatisfy({ ($0.int ?? -1) >= 0 }) else {
                throw config.error("\"mlp_only_layers\" must be a list of layer indices")
            }
            dense = Set(items.compactMap(\.int))
        }
        let denseLayers = dense
        let moe = HFMixtureOfExperts(experts: experts, intermediate: inter, naming: .qwen,
                                     isSparse: { i in !denseLayers.contains(i) && (i + 1) % step == 0 })
        return HFDecoderShape(qkvBias: attention, oBias: attention, qkNorm: true, normModule: "Qwen3MoeRMSNorm", moe: moe)
    }

    /// Phi-3 (`Phi3Attention`: fused `qkv_proj`; `Phi3MLP`: fused `gate_up_proj`; no biases).
    static let phi3 = decoder(
        name: "Phi-3", modelTypes: ["phi3"], architecture: "Phi3ForCausalLM", tieDefault: false, padDefault: 32000, extraFields: [],
        ignored: ["embd_pdrop", "resid_pdrop"]
    ) { _ throws(HFConfigError) in HFDecoderShape(fused: true, normModule: "Phi3RMSNorm") }
}
