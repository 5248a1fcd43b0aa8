/// One Hugging Face model family: the `model_type`s it answers to and how a config becomes its
/// tensors. Each family's description is one file, `HFFamily+<Name>.swift`: the config fields it
/// reads (with defaults from transformers' `<Name>Config`), its tensor names and shapes from
/// `modeling_<name>.py`, which tensors are tied, and the values of its `_init_weights`.
struct HFFamily: Sendable {
    /// The display name (`Llama`).
    let name: String
    /// The `model_type` values (`llama`).
    let modelTypes: [String]
    /// The architecture classes ckpt writes, the default (used when `architectures` is absent) first.
    let architectures: [String]
    /// The config fields that change tensors, for docs/huggingface.md's table and `ckpt plan`.
    let fields: [String]
    /// Config fields the family accepts without reading (they do not change tensors).
    var ignored: Set<String> = []
    /// Builds the model from a config whose `model_type` is one of `modelTypes`.
    let build: @Sendable (HFConfig) throws(HFConfigError) -> HFModel
}

/// Every family ckpt describes.
enum HFFamilies {
    static let all: [HFFamily] = [
        .llama, .mistral, .mixtral, .qwen2, .qwen3, .qwen3MoE, .gemma, .gemma2, .phi3, .gpt2, .bert, .roberta, .t5, .vit,
    ]

    /// The known `model_type`s, for messages.
    static var knownTypes: String { all.flatMap(\.modelTypes).joined(separator: ", ") }

    static func family(for modelType: String) -> HFFamily? {
        all.first { $0.modelTypes.contains(modelType) }
    }

    /// Reads `json` (from `file`) as a Hugging Face config and builds its model.
    static func model(json: JSONValue, file: String) throws(HFConfigError) -> HFModel {
        let config = try HFConfig(json: json, file: file)
        guard let family = family(for: config.modelType) else {
            throw config.error("model_type \"\(config.modelType)\" is not one ckpt knows"
                + Suggestions.parenthetical(config.modelType, among: all.flatMap(\.modelTypes))
                + "; the known model types are \(knownTypes)")
        }
        var model = try family.build(config)
        model.dtype = try config.dtype()
        try config.checkUnread(family: family.name, ignored: family.ignored)
        return model
    }
}

/// Checks shared by the families.
extension HFConfig {
    /// The attention head size: `head_dim` when the config gives it (`defaultHeadDim` when the
    /// family's config class has a fixed default), else hidden ÷ heads, which must divide.
    func headDim(hidden: Int, heads: Int, hiddenKey: String, headsKey: String, defaultHeadDim: Int? = nil) throws(HFConfigError) -> Int {
        if value("head_dim") != nil { return try int("head_dim") }
        if let defaultHeadDim { return defaultHeadDim }
        guard hidden % heads == 0 else {
            throw error("inconsistent config: \(headsKey) (\(heads)) does not divide \(hiddenKey) (\(hidden)), and there is no head_dim")
        }
        return hidden / heads
    }

    /// Key/value heads: `num_key_value_heads` (default: every head), which must divide the heads.
    func kvHeads(heads: Int, headsKey: String = "num_attention_heads") throws(HFConfigError) -> Int {
        let kv = try int("num_key_value_heads", default: heads)
        guard heads % kv == 0 else {
            throw error("inconsistent config: num_key_value_heads (\(kv)) does not divide \(headsKey) (\(heads))")
        }
        return kv
    }

    /// The padding row of an embedding of `rows` rows (`pad_token_id`, as `nn.Embedding(padding_idx=)`).
    func paddingRow(rows: Int, default fallback: Int? = nil) throws(HFConfigError) -> Int? {
        let present = object["pad_token_id"] != nil
        guard let pad = present ? try optionalIndex("pad_token_id") : fallback else { return nil }
        guard pad < rows else {
            throw error("inconsistent config: pad_token_id (\(pad)) is not below vocab_size (\(rows)); nn.Embedding refuses it")
        }
        return pad
    }
}
