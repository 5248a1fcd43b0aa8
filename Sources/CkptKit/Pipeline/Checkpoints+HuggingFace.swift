/// `ckpt init` and `ckpt plan` for a Hugging Face `config.json` (docs/huggingface.md).
extension Checkpoints {
    /// The file at `path` as JSON, and its bytes.
    static func readJSON(path: String) throws(ModelError) -> (json: JSONValue, bytes: [UInt8]) {
        if let problem = InputFile.problem(at: path) { throw ModelError(file: path, problem) }
        let data: [UInt8]
        do {
            data = try InputFile.contents(of: path)
        } catch {
            throw ModelError(file: path, "cannot read the file: \(error.reason)")
        }
        do {
            return (try JSONParser.parse(data), data)
        } catch {
            throw ModelError(file: path, "malformed JSON at \(error.description)")
        }
    }

    /// The Hugging Face model the file at `path` describes, or nil when it is not a Hugging Face
    /// config (a Keras model JSON or a compact spec).
    static func huggingFaceModel(path: String) throws -> (model: HFModel, bytes: [UInt8])? {
        let (json, bytes) = try readJSON(path: path)
        guard HFConfig.recognizes(json) else { return nil }
        return (try HFFamilies.model(json: json, file: path), bytes)
    }

    /// Plans the Hugging Face model of the config at `path`.
    static func planHuggingFace(_ model: HFModel, file: String, options: PlanOptions) throws(HFConfigError) -> Plan {
        try HFPlanner(options: options, file: file).plan(model)
    }

    /// The layout of a Hugging Face folder: `{"format": "pt"}` and the recipe in every
    /// safetensors header, the config as given, and a `generation_config.json` for models that
    /// generate.
    static func huggingFaceLayout(_ plan: Plan, model: HFModel, configBytes: [UInt8], request: InitRequest) -> CheckpointLayout {
        var options = request.planOptions
        options.profile = options.profile ?? .hf
        // The folder writer puts {"format": "pt"} in every header.
        var layout = plan.layout(recipe: request.writerOptions.writesRecipe ? plan.recipe(seed: request.seed, options: options) : nil)
        layout.folderFiles = huggingFaceFolderFiles(model: model, configBytes: configBytes)
        return layout
    }

    /// A Hugging Face folder's small files: `generation_config.json` for models that generate,
    /// then the config as given.
    static func huggingFaceFolderFiles(model: HFModel, configBytes: [UInt8]) -> [FolderFile] {
        var files: [FolderFile] = []
        if model.generates, let generation = generationConfig(configBytes: configBytes) {
            files.append(FolderFile(name: "generation_config.json", bytes: generation))
        }
        files.append(FolderFile(name: "config.json", bytes: configBytes))
        return files
    }

    /// What `GenerationConfig.from_model_config(config).to_json_string()` keeps of a config: the
    /// token ids it gives, `_from_model_config`, and the transformers version, keys sorted.
    static func generationConfig(configBytes: [UInt8]) -> [UInt8]? {
        guard let config = (try? JSONParser.parse(configBytes))?.object else { return nil }
        var object = JSONObject()
        object["_from_model_config"] = .bool(true)
        for key in ["bos_token_id", "decoder_start_token_id", "eos_token_id", "pad_token_id"] {
            if let value = config[key], !value.isNull { object[key] = value }
        }
        if let version = config["transformers_version"] { object["transformers_version"] = version }
        return Array((JSONWriter.string(.object(object), style: .pretty) + "\n").utf8)
    }
}
