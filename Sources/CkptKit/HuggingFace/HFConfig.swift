/// A Hugging Face `config.json` (transformers' `PretrainedConfig.to_json_string()`), read field by
/// field. Every field a family reads is remembered, so that a field ckpt does not understand and
/// that could change the tensors is an error naming it (``HFConfig/checkUnread(family:ignored:)``).
///
/// Both dialects found on the Hub are read: transformers 4 (`torch_dtype`, top-level `rope_theta`,
/// `rope_scaling`) and transformers 5 (`dtype`, `rope_parameters`). Neither RoPE form changes a
/// saved tensor (`inv_freq` is a non-persistent buffer), so both are accepted and not used.
final class HFConfig {
    /// The file, for messages.
    let file: String
    /// The whole object, in file order.
    let object: JSONObject
    /// `model_type`.
    let modelType: String
    /// The fields read so far.
    private(set) var read: Set<String> = ["model_type"]

    /// Whether `json` is a Hugging Face config: an object with a string `model_type` or an
    /// `architectures` list, and not a Keras model (`class_name`) or compact spec (`layers`).
    static func recognizes(_ json: JSONValue) -> Bool {
        guard let object = json.object, object["class_name"] == nil, object["layers"] == nil else { return false }
        return object["model_type"]?.string != nil || object["architectures"]?.array != nil
    }

    init(json: JSONValue, file: String) throws(HFConfigError) {
        self.file = file
        guard let object = json.object else { throw HFConfigError(file: file, "a Hugging Face config.json is a JSON object") }
        self.object = object
        guard let type = object["model_type"]?.string, !type.isEmpty else {
            throw HFConfigError(file: file, "\"model_type\" is missing; ckpt picks the model family by it (known: \(HFFamilies.knownTypes))")
        }
        modelType = type
    }

    func error(_ message: String) -> HFConfigError { HFConfigError(file: file, message) }

    /// The raw value of `key`, remembered as read; nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    /// A positive whole number (or ≥ 0 with `allowZero`).
    func int(_ key: String, default fallback: Int? = nil, allowZero: Bool = false) throws(HFConfigError) -> Int {
        guard let raw = value(key) else {
            if let fallback { return fallback }
            throw error("\"\(key)\" is missing; the \(modelType) family needs it to size the tensors")
        }
        guard let number = raw.int, number > 0 || (allowZero && number == 0) else {
            throw error("\"\(key)\" is \(JSONWriter.string(raw, style: .compact)); expected a whole number \(allowZero ? "≥ 0" : "≥ 1")")
        }
        guard number <= 1 << 40 else { throw error("\"\(key)\" is \(number), too large for a tensor dimension") }
        return number
    }

    /// An optional whole number ≥ 0 (a token id): nil when absent or null.
    func optionalIndex(_ key: String) throws(HFConfigError) -> Int? {
        guard let raw = value(key) else { return nil }
        guard let number = raw.int, number >= 0 else {
            throw error("\"\(key)\" is \(JSONWriter.string(raw, style: .compact)); expected a whole number ≥ 0 or null")
        }
        return number
    }

    func bool(_ key: String, default fallback: Bool) throws(HFConfigError) -> Bool {
        guard let raw = value(key) else { return fallback }
        guard let flag = raw.bool else {
            throw error("\"\(key)\" is \(JSONWriter.string(raw, style: .compact)); expected true or false")
        }
        return flag
    }

    func double(_ key: String, default fallback: Double) throws(HFConfigError) -> Double {
        guard let raw = value(key) else { return fallback }
        guard let number = raw.double, number.isFinite, number >= 0 else {
            throw error("\"\(key)\" is \(JSONWriter.string(raw, style: .compact)); expected a number ≥ 0")
        }
        return number
    }

    func string(_ key: String, default fallback: String) throws(HFConfigError) -> String {
        guard let raw = value(key) else { return fallback }
        guard let text = raw.string else {
            throw error("\"\(key)\" is \(JSONWriter.string(raw, style: .compact)); expected a string")
        }
        return text
    }

    /// The architecture class: the first of `architectures`, or `fallback` when there is none.
    func architecture(supported: [String]) throws(HFConfigError) -> String {
        guard let list = value("architectures")?.array, let first = list.first else { return supported[0] }
        guard let name = first.string else { throw error("\"architectures\" must be a list of class names") }
        guard supported.contains(name) else {
            throw error("architecture \(name) of model_type \(modelType) is not supported; ckpt writes \(supported.joined(separator: ", "))")
        }
        return name
    }

    /// The dtype the config names (`dtype` in transformers 5, `torch_dtype` in 4), nil when none.
    func dtype() throws(HFConfigError) -> DType? {
        for key in ["dtype", "torch_dtype"] {
            guard let raw = value(key) else { continue }
            switch raw.string {
            case "float32": return .float32
            case "bfloat16": return .bfloat16
            case "float16": return .float16
            case "float64": return .float64
            case "auto": return nil
            default:
                throw error("\"\(key)\" is \(JSONWriter.string(raw, style: .compact)); ckpt writes float32, bfloat16, float16 or float64")
            }
        }
        return nil
    }

    /// Fields every family accepts without reading: they change how the model runs or is
    /// served, not which tensors it has or their shapes.
    static let harmless: Set<String> = [
        "architectures", "transformers_version", "_name_or_path", "dtype", "torch_dtype", "use_cache",
        "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id", "decoder_start_token_id",
        "hidden_act", "hidden_activation", "activation_function", "attention_dropout", "hidden_dropout",
        "hidden_dropout_prob", "attention_probs_dropout_prob", "resid_pdrop", "embd_pdrop", "attn_pdrop",
        "summary_first_dropout", "classifier_dropout", "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon",
        "rope_theta", "rope_scaling", "rope_parameters", "partial_rotary_factor", "max_position_embeddings",
        "max_window_layers", "sliding_window", "use_sliding_window", "layer_types", "pretraining_tp",
        "attn_logit_softcapping", "final_logit_softcapping", "query_pre_attn_scalar", "cache_implementation",
        "original_max_position_embeddings", "id2label", "label2id", "problem_type", "output_attentions",
        "output_hidden_states", "return_dict", "is_encoder_decoder", "task_specific_params", "gradient_checkpointing",
        "use_return_dict", "tokenizer_class", "prefix", "quantization_config_none", "scale_attn_weights",
        "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "summary_type", "summary_use_proj",
        "summary_activation", "summary_proj_to_labels", "n_ctx", "chunk_size_feed_forward", "use_bidirectional_attention",
        "attention_chunk_size", "head_dim_scale", "embedding_multiplier", "logits_scaling", "num_labels",
    ]

    /// Words in a field name that suggest it sizes or adds tensors.
    private static let structuralWords = [
        "num_", "n_", "_size", "size", "dim", "bias", "head", "expert", "layer", "vocab", "tie", "proj",
        "moe", "norm", "embed", "intermediate", "hidden", "inner", "kv", "lora", "shared", "quant", "cross", "adapter",
        "type_vocab", "position_embedding", "decoder", "encoder",
    ]

    /// Throws for the first field that no family code read, is not ``harmless`` (or in `ignored`),
    /// and whose name suggests it changes tensors.
    func checkUnread(family: String, ignored: Set<String> = []) throws(HFConfigError) {
        for (key, value) in object.members where !read.contains(key) && !Self.harmless.contains(key) && !ignored.contains(key) {
            if value.isNull { continue }
            let lower = key.lowercased()
            guard Self.structuralWords.contains(where: { lower.contains($0) }) else { continue }
            throw error("field \"\(key)\" is not understood by ckpt's \(family) description and could change the tensors; remove it if it does not, or describe the model another way (docs/huggingface.md lists the fields each family reads)")
        }
    }
}
