/// One tensor of a Hugging Face model as transformers' `state_dict()` names it, in PyTorch
/// layout (`nn.Linear` weights are `[out, in]`; GPT-2's `Conv1D` weights are `[in, out]`), with
/// the value the family's `_init_weights` gives it.
struct HFTensor: Sendable, Equatable {
    /// What kind of module parameter it is: decides its role, and the profiles' values.
    enum Kind: String, Sendable {
        /// `nn.Linear.weight` / GPT-2 `Conv1D.weight`, and MoE expert matrices.
        case linearWeight = "linear weight"
        /// `nn.Linear.bias` / `Conv1D.bias` and other additive biases.
        case bias
        /// `nn.Embedding.weight`.
        case embedding
        /// A norm's scale (`LayerNorm.weight`, `RMSNorm.weight`).
        case normWeight = "norm weight"
        /// A norm's shift (`LayerNorm.bias`).
        case normBias = "norm bias"
    }

    /// How `_init_weights` sets it.
    enum Value: Sendable, Equatable {
        /// `normal_(0, std)`.
        case normal(std: Double)
        /// `trunc_normal_(0, std)`, cut at ±2 (PyTorch's absolute default bounds).
        case truncatedNormal(std: Double)
        /// Every element the same (`zeros_`, `ones_`).
        case constant(Double)
    }

    /// The state-dict key (`model.layers.0.self_attn.q_proj.weight`).
    var name: String
    /// The shape in PyTorch layout.
    var shape: [Int]
    var kind: Kind
    /// The module's class in transformers (`nn.Linear`, `LlamaRMSNorm`), for rules' `class` selector.
    var module: String
    var value: Value
    /// Rows zeroed after the fill (an embedding's `padding_idx`, as `_init_weights` does).
    var zeroRows: [Int] = []

    /// The module path: the name without its last component (`model.layers.0.self_attn.q_proj`).
    var modulePath: String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[..<dot])
    }
}

/// A Hugging Face model as ckpt writes it: its tensors in save order and what the folder needs.
struct HFModel: Sendable {
    /// The family's display name (`Llama`).
    var family: String
    /// The architecture class (`LlamaForCausalLM`).
    var architecture: String
    var tensors: [HFTensor]
    /// Tied tensors that are not saved, as `saved ← tied` notes (`model.embed_tokens.weight ← lm_head.weight`).
    var tied: [String] = []
    /// The config's dtype (`dtype` / `torch_dtype`), nil when it names none.
    var dtype: DType?
    /// Whether transformers writes a `generation_config.json` beside it (a model that can generate).
    var generates: Bool
}

/// Shorthands the family descriptions are written in.
extension HFTensor {
    static func linear(_ name: String, out: Int, in input: Int, std: Double) -> HFTensor {
        HFTensor(name: name + ".weight", shape: [out, input], kind: .linearWeight, module: "nn.Linear", value: .normal(std: std))
    }

    static func bias(_ name: String, _ size: Int, module: String = "nn.Linear") -> HFTensor {
        HFTensor(name: name + ".bias", shape: [size], kind: .bias, module: module, value: .constant(0))
    }

    static func embedding(_ name: String, rows: Int, width: Int, std: Double, padding: Int?) -> HFTensor {
        HFTensor(name: name + ".weight", shape: [rows, width], kind: .embedding, module: "nn.Embedding",
                 value: .normal(std: std), zeroRows: padding.map { [$0] } ?? [])
    }

    /// A norm's scale: ones, or zeros for norms computed as `x·(1 + w)` (Gemma).
    static func norm(_ name: String, _ size: Int, module: String, value: Double = 1) -> HFTensor {
        HFTensor(name: name + ".weight", shape: [size], kind: .normWeight, module: module, value: .constant(value))
    }

    static func normBias(_ name: String, _ size: Int, module: String) -> HFTensor {
        HFTensor(name: name + ".bias", shape: [size], kind: .normBias, module: module, value: .constant(0))
    }
}
