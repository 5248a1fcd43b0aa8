/// How a Hugging Face family maps onto a llama.cpp architecture: the `general.architecture`
/// value, tensor names (gguf-py `constants.py` `TENSOR_NAMES`, `tensor_mapping.py`), the
/// hyperparameters written as `{arch}.*` metadata, and whether Q and K are permuted for RoPE
/// (llama.cpp `convert_hf_to_gguf.py`).
struct GGUFArchitecture: Sendable {
    /// `general.architecture` (`llama`).
    let name: String
    /// The Hugging Face `model_type`s it is written for.
    let modelTypes: [String]
    /// Whether Q and K rows are permuted from HF's rotate-half RoPE layout to llama.cpp's
    /// interleaved one (`LlamaModel.permute`, `undo_permute = True`): Llama and Mistral. Qwen2
    /// and Qwen3 run NeoX-style RoPE in llama.cpp and are written as they are.
    let permutesQK: Bool
    /// transformers' `max_position_embeddings` default per `model_type` (the converter reads the
    /// config through `AutoConfig`, which fills in defaults).
    let contextDefaults: [String: Int]
    /// `head_dim` when the config class has a fixed default (Qwen3: 128, Gemma: 256).
    var defaultHeadDim: Int? = nil
    /// Per-layer names that differ from ``layerNames`` (Gemma 2's four norms), looked up first.
    var layerOverrides: [(hf: String, gguf: String)] = []
    /// Added to every `…norm.weight` on the way to GGUF (Gemma's norms compute `x·(1 + w)`;
    /// `convert_hf_to_gguf.py` stores `w + 1`), and taken off again when read.
    var normShift: Float = 0
    /// Whether llama.cpp's architecture has an `output` tensor (Gemma's is always the embedding).
    var hasOutput = true
    /// transformers' `rms_norm_eps` default (1e-6; Phi-3's and Mixtral's config classes have 1e-5).
    var epsilonDefault = 1e-6
    /// How the HF checkpoint names its experts, for an architecture with a mixture of experts;
    /// llama.cpp stacks each projection of every expert into one 3-D tensor (`ffn_gate_exps`).
    var experts: ExpertNaming? = nil

    /// The Hub's per-expert names (what ckpt's Hugging Face folders have).
    enum ExpertNaming: Sendable {
        /// Mixtral: `block_sparse_moe.experts.E.{w1, w2, w3}` (gate, down, up).
        case mixtral
        /// Qwen3-MoE: `mlp.experts.E.{gate_proj, up_proj, down_proj}`.
        case qwen

        var prefix: String { self == .mixtral ? "block_sparse_moe.experts." : "mlp.experts." }
        var projections: [(hf: String, gguf: String)] {
            self == .mixtral ? [("w1", "ffn_gate_exps"), ("w2", "ffn_down_exps"), ("w3", "ffn_up_exps")]
                : [("gate_proj", "ffn_gate_exps"), ("up_proj", "ffn_up_exps"), ("down_proj", "ffn_down_exps")]
        }
    }

    /// Per layer: the HF module path after `layers.N.` and llama.cpp's name after `blk.N.`.
    static let layerNames: [(hf: String, gguf: String)] = [
        ("input_layernorm", "attn_norm"),
        ("self_attn.q_proj", "attn_q"), ("self_attn.k_proj", "attn_k"), ("self_attn.v_proj", "attn_v"),
        ("self_attn.o_proj", "attn_output"),
        ("self_attn.q_norm", "attn_q_norm"), ("self_attn.k_norm", "attn_k_norm"),
        ("post_attention_layernorm", "ffn_norm"),
        ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"), ("mlp.down_proj", "ffn_down"),
    ]
    /// Outside the layers.
    static let globalNames: [(hf: String, gguf: String)] = [
        ("model.embed_tokens", "token_embd"), ("model.norm", "output_norm"), ("lm_head", "output"),
    ]

    /// Llama, Mistral and Mixtral (`convert_hf_to_gguf.py` registers all three as `LlamaModel`).
    static let llama = GGUFArchitecture(name: "llama", modelTypes: ["llama", "mistral", "mixtral"], permutesQK: true,
                                        contextDefaults: ["llama": 2048, "mistral": 4096 * 32, "mixtral": 4096 * 32],
                                        layerOverrides: [("block_sparse_moe.gate", "ffn_gate_inp")], experts: .mixtral)
    static let qwen2 = GGUFArchitecture(name: "qwen2", modelTypes: ["qwen2"], permutesQK: false, contextDefaults: ["qwen2": 32768])
    static let qwen3 = GGUFArchitecture(name: "qwen3", modelTypes: ["qwen3"], permutesQK: false, contextDefaults: ["qwen3": 32768],
                                        defaultHeadDim: 128)
    static let qwen3MoE = GGUFArchitecture(name: "qwen3moe", modelTypes: ["qwen3_moe"], permutesQK: false,
                                           contextDefaults: ["qwen3_moe": 32768], defaultHeadDim: 128,
                                           layerOverrides: [("mlp.gate", "ffn_gate_inp")], experts: .qwen)
    static let gemma = GGUFArchitecture(name: "gemma", modelTypes: ["gemma"], permutesQK: false, contextDefaults: ["gemma": 8192],
                                        defaultHeadDim: 256, normShift: 1, hasOutput: false)
    /// Gemma 2: `post_attention_layernorm` follows attention there (`post_attention_norm`), and
    /// the MLP's norms are `pre_feedforward_layernorm` (`ffn_norm`) and `post_feedforward_layernorm`.
    static let gemma2 = GGUFArchitecture(
        name: "gemma2", modelTypes: ["gemma2"], permutesQK: false, contextDefaults: ["gemma2": 8192], defaultHeadDim: 256,
        layerOverrides: [("post_attention_layernorm", "post_attention_norm"), ("pre_feedforward_layernorm", "ffn_norm"),
                         ("post_feedforward_layernorm", "post_ffw_norm")],
        normShift: 1, hasOutput: false)
    /// Phi-3: fused `qkv_proj` (`attn_qkv`) and `gate_up_proj` (`ffn_up`), NeoX RoPE (not permuted).
    static let phi3 = GGUFArchitecture(
        name: "phi3", modelTypes: ["phi3"], permutesQK: false, contextDefaults: ["phi3": 4096],
        layerOverrides: [("self_attn.qkv_proj", "attn_qkv"), ("mlp.gate_up_proj", "ffn_up")], epsilonDefault: 1e-5)

    /// Every architecture ckpt writes.
    static let all: [GGUFArchitecture] = [.llama, .qwen2, .qwen3, .qwen3MoE, .gemma, .gemma2, .phi3]

    /// The supported `model_type`s, for messages.
    static var supportedTypes: String { all.flatMap(\.modelTypes).joined(separator: ", ") }

    static func forModelType(_ type: String) -> GGUFArchitecture? { all.first { $0.modelTypes.contains(type) } }
    static func named(_ name: String) -> GGUFArchitecture? { all.first { $0.name == name } }

    private var layerTable: [(hf: String, gguf: String)] { layerOverrides + Self.layerNames }
    private var globalTable: [(hf: String, gguf: String)] { hasOutput ? Self.globalNames : Self.globalNames.filter { $0.gguf != "output" } }

    /// llama.cpp's name of HF tensor `name` (`model.layers.0.self_attn.q_proj.weight` →
    /// `blk.0.attn_q.weight`); a bare `LlamaModel`'s names (no `model.`) map too. Nil when it has none.
    func ggufName(_ name: String) -> String? {
        let suffix: String
        if name.hasSuffix(".weight") { suffix = ".weight" } else if name.hasSuffix(".bias") { suffix = ".bias" } else { return nil }
        var module = String(name.dropLast(suffix.count))
        if module != "lm_head" && !module.hasPrefix("model.") { module = "model." + module }
        if let global = globalTable.first(where: { $0.hf == module }) { return global.gguf + suffix }
        let parts = module.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]), layer >= 0,
              String(layer) == parts[2], let entry = layerTable.first(where: { $0.hf == parts[3] }) else { return nil }
        return "blk.\(layer).\(entry.gguf)\(suffix)"
    }

    /// The HF name of llama.cpp tensor `name` (a `…ForCausalLM` name), nil when it is not one ckpt maps.
    func hfName(_ name: String) -> String? {
        let suffix: String
        if name.hasSuffix(".weight") { suffix = ".weight" } else if name.hasSuffix(".bias") { suffix = ".bias" } else { return nil }
        let module = String(name.dropLast(suffix.count))
        if let global = globalTable.first(where: { $0.gguf == module }) { return global.hf + suffix }
        let parts = module.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0, String(layer) == parts[1],
              let entry = layerTable.first(where: { $0.gguf == parts[2] }) else { return nil }
        return "model.layers.\(layer).\(entry.hf)\(suffix)"
    }

    /// For an expert's projection (`model.layers.3.mlp.experts.5.up_proj.weight`): llama.cpp's
    /// stacked tensor (`blk.3.ffn_up_exps.weight`) and the expert's index in it.
    func expertSlot(_ name: String) -> (name: String, expert: Int)? {
        guard let experts, name.hasSuffix(".weight") else { return nil }
        var module = String(name.dropLast(".weight".count))
        if !module.hasPrefix("model.") { module = "model." + module }
        let parts = module.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]), layer >= 0,
              String(layer) == parts[2], parts[3].hasPrefix(experts.prefix) else { return nil }
        let rest = parts[3].dropFirst(experts.prefix.count).split(separator: ".").map(String.init)
        guard rest.count == 2, let expert = Int(rest[0]), expert >= 0, String(expert) == rest[0],
              let projection = experts.projections.first(where: { $0.hf == rest[1] }) else { return nil }
        return ("blk.\(layer).\(projection.gguf).weight", expert)
    }

    /// The HF name of expert `expert` of llama.cpp's stacked tensor `name`, nil when `name` is not one.
    func hfExpertName(_ name: String, expert: Int) -> String? {
        guard let experts, name.hasSuffix(".weight") else { return nil }
        let parts = name.dropLast(".weight".count).split(separator: ".").map(String.init)
        guard parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0, String(layer) == parts[1],
              let projection = experts.projections.first(where: { $0.gguf == parts[2] }) else { return nil }
        return "model.layers.\(layer).\(experts.prefix)\(expert).\(projection.hf).weight"
    }

    /// What is added to HF tensor `name`'s values in GGUF (``normShift`` for a norm's weight, else 0).
    func shift(hfName name: String) -> Float { name.hasSuffix("norm.weight") ? normShift : 0 }

    /// The heads a permuted tensor is grouped by: Q by the attention heads, K by the key/value
    /// heads; nil for a tensor that is not permuted.
    func permutationHeads(ggufName name: String, heads: Int, kvHeads: Int) -> Int? {
        guard permutesQK else { return nil }
        for suffix in [".weight", ".bias"] {
            if name.hasSuffix(".attn_q" + suffix) { return heads }
            if name.hasSuffix(".attn_k" + suffix) { return kvHeads }
        }
        return nil
    }
}

/// The hyperparameters of a Hugging Face config that llama.cpp reads, with transformers'
/// defaults where the config leaves them out.
struct GGUFHyperparameters: Sendable {
    var vocab: Int
    var hidden: Int
    var intermediate: Int
    var layers: Int
    var heads: Int
    var kvHeads: Int
    var headDim: Int
    var context: Int
    var ropeTheta: Double
    var rmsEpsilon: Double
    /// Experts per MoE layer (0 without), and how many each token uses.
    var experts = 0
    var expertsUsed = 0

    /// Reads `config` for `architecture`.
    init(_ config: HFConfig, architecture: GGUFArchitecture) throws(HFConfigError) {
        vocab = try config.int("vocab_size")
        hidden = try config.int("hidden_size")
        intermediate = try config.int("intermediate_size")
        layers = try config.int("num_hidden_layers", allowZero: true)
        heads = try config.int("num_attention_heads")
        kvHeads = try config.kvHeads(heads: heads)
        headDim = try config.headDim(hidden: hidden, heads: heads, hiddenKey: "hidden_size", headsKey: "num_attention_heads",
                                     defaultHeadDim: architecture.defaultHeadDim)
        context = try config.int("max_position_embeddings", default: architecture.contextDefaults[config.modelType] ?? 2048)
        // transformers 5 keeps rope_theta in rope_parameters; 4 at the top level (default 10000).
        if let nested = config.value("rope_parameters")?["rope_theta"]?.double {
            ropeTheta = nested
        } else {
            ropeTheta = try config.double("rope_theta", default: config.modelType == "mixtral" ? 1e6 : 10000)
        }
        rmsEpsilon = try config.double("rms_norm_eps", default: config.modelType == "mixtral" ? 1e-5 : architecture.epsilonDefault)
        ropeDimensions = headDim
        if architecture.name == "gemma2" {
            // Gemma2Config's defaults; convert_hf_to_gguf.py's Gemma2Model writes these three.
            extra = [
                ("gemma2.attn_logit_softcapping", .float32(Float(try config.double("attn_logit_softcapping", default: 50)))),
                ("gemma2.final_logit_softcapping", .float32(Float(try config.double("final_logit_softcapping", default: 30)))),
                ("gemma2.attention.sliding_window", .uint32(UInt32(clamping: try config.int("sliding_window", default: 4096)))),
            ]
        }
        if config.modelType == "mixtral" {
            // MixtralConfig's defaults; the converter's TextModel writes both counts.
            experts = try config.int("num_local_experts", default: 8)
            expertsUsed = try config.int("num_experts_per_tok", default: 2)
            extra = [("llama.expert_count", .uint32(UInt32(clamping: experts))),
                     ("llama.expert_used_count", .uint32(UInt32(clamping: expertsUsed)))]
        }
        if config.modelType == "qwen3_moe" {
            // Qwen3MoeConfig's defaults; Qwen3MoeModel adds the experts' own width.
            experts = try config.int("num_experts", default: 128)
            expertsUsed = try config.int("num_experts_per_tok", default: 8)
            let width = try config.int("moe_intermediate_size", default: 768)
            let step = try config.int("decoder_sparse_step", default: 1)
            let dense = config.value("mlp_only_layers")?.array ?? []
            guard step == 1, dense.isEmpty else {
                throw config.error("llama.cpp's qwen3moe has experts in every layer; this config has dense layers (decoder_sparse_step \(step), mlp_only_layers \(dense.count))")
            }
            extra = [("qwen3moe.expert_count", .uint32(UInt32(clamping: experts))),
                     ("qwen3moe.expert_used_count", .uint32(UInt32(clamping: expertsUsed))),
                     ("qwen3moe.expert_feed_forward_length", .uint32(UInt32(clamping: width)))]
        }
        if architecture.name == "phi3" {
            // convert_hf_to_gguf.py's Phi3MiniModel (Phi3Config defaults): the rotated part of
            // each head, the original context, and sliding_window 0 when there is none.
            let factor = try config.double("partial_rotary_factor", default: 1)
            ropeDimensions = Int(factor * Double(hidden)) / heads
            let original = try config.int("original_max_position_embeddings", default: 4096)
            let window = try config.int("sliding_window", default: 0, allowZero: true)
            extra = [
                ("phi3.rope.scaling.original_context_length", .uint32(UInt32(clamping: original))),
                ("phi3.attention.sliding_window", .uint32(UInt32(clamping: window))),
            ]
        }
    }

    /// `{arch}.rope.dimension_count`: the head size, or Phi-3's rotated part of it.
    var ropeDimensions: Int

    /// Keys only some architectures have.
    var extra: [(key: String, value: GGUFValue)] = []

    /// The `{arch}.*` metadata, in the order `convert_hf_to_gguf.py` adds it.
    func metadata(arch: String) -> [(key: String, value: GGUFValue)] {
        [
            ("\(arch).vocab_size", .uint32(UInt32(clamping: vocab))),
            ("\(arch).block_count", .uint32(UInt32(clamping: layers))),
            ("\(arch).context_length", .uint32(UInt32(clamping: context))),
            ("\(arch).embedding_length", .uint32(UInt32(clamping: hidden))),
            ("\(arch).feed_forward_length", .uint32(UInt32(clamping: intermediate))),
            ("\(arch).attention.head_count", .uint32(UInt32(clamping: heads))),
            ("\(arch).attention.head_count_kv", .uint32(UInt32(clamping: kvHeads))),
            ("\(arch).rope.freq_base", .float32(Float(ropeTheta))),
            ("\(arch).attention.layer_norm_rms_epsilon", .float32(Float(rmsEpsilon))),
            ("\(arch).attention.key_length", .uint32(UInt32(clamping: headDim))),
            ("\(arch).attention.value_length", .uint32(UInt32(clamping: headDim))),
            ("\(arch).rope.dimension_count", .uint32(UInt32(clamping: ropeDimensions))),
        ] + extra
    }
}
