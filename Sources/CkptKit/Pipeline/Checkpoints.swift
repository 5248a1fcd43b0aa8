import Foundation

/// The library's entry points: plan a model, and make a checkpoint from it.
public enum Checkpoints {
    /// Reads a model architecture file.
    public static func loadModel(path: String) throws(ModelError) -> KerasModel {
        try loadSpec(path: path).model
    }

    /// Reads a model architecture file: the model, the text it came from, and the Keras 3 JSON a
    /// Keras target (`.keras`, full `.h5`) embeds: the text itself when it is Keras 3 JSON, else
    /// (a compact spec, Keras 2 JSON) the model exported as Keras 3 JSON.
    /// `keras2JSON` is the text when it is Keras 2 JSON (``KerasDialect``).
    static func loadSpec(path: String) throws(ModelError) -> (model: KerasModel, text: String, kerasJSON: String, keras2JSON: String?) {
        let (json, data) = try readJSON(path: path)
        // Valid UTF-8 (the parser checked), so decoding is exact.
        let text = String(decoding: data, as: UTF8.self)
        let model = try KerasModelReader(file: path).read(json: json)
        let keras3 = isKeras3JSON(json)
        return (model, text, keras3 ? text : KerasJSONExporter.exportText(model), isKeras2JSON(json) ? text : nil)
    }

    /// Whether `json` is Keras 3 JSON as written (not a compact spec, not Keras 2, whose top
    /// level has no `module`; docs/formats/keras-weights.md, "Keras 2 and Keras 3 model JSON").
    static func isKeras3JSON(_ json: JSONValue) -> Bool {
        !CompactSpec.isCompact(json) && json["module"] != nil
    }

    /// Whether `json` is Keras 2 (tf.keras) model JSON: not a compact spec, no top-level `module`.
    static func isKeras2JSON(_ json: JSONValue) -> Bool {
        !CompactSpec.isCompact(json) && json["module"] == nil
    }

    /// The Keras 3 JSON of the model architecture file at `path` (a compact spec, Keras 2 or
    /// Keras 3 JSON), as `model.to_json()` writes it: what `ckpt export-keras` prints.
    public static func exportKeras(specPath path: String) throws(ModelError) -> String {
        try loadSpec(path: path).kerasJSON
    }

    /// Plans every tensor of the model in `path`.
    /// A Hugging Face `config.json` is planned as its family describes (docs/huggingface.md).
    public static func plan(specPath path: String, options: PlanOptions = PlanOptions()) throws -> Plan {
        if let hf = try huggingFaceModel(path: path) { return try planHuggingFace(hf.model, file: path, options: options) }
        return try plan(model: loadModel(path: path), file: path, options: options)
    }

    /// Plans every tensor of `model`; `file` labels errors.
    static func plan(model: KerasModel, file: String, options: PlanOptions) throws(ModelError) -> Plan {
        do {
            return try Planner(options: options).plan(model)
        } catch {
            throw ModelError(file: file, error.message)
        }
    }

    /// Makes a checkpoint: plans the model, generates every tensor and writes the file atomically.
    /// A Hugging Face `config.json` makes a Hugging Face folder (or any format keyed by name).
    public static func initialize(_ request: InitRequest) throws -> InitResult {
        if let hf = try huggingFaceModel(path: request.specPath) {
            // A folder unless the name asks for a file format (`-o model.safetensors`, `-o m.npz`).
            let format = request.format ?? CheckpointFormat.infer(fromPath: request.outputPath) ?? .huggingFace
            guard format.descriptor.keying == .name else {
                throw OutputError(path: request.outputPath, "a Hugging Face model has no Keras layers, so it cannot be written as \(format.rawValue); write a Hugging Face folder (the default), safetensors or npz")
            }
            let plan = try planHuggingFace(hf.model, file: request.specPath, options: request.planOptions)
            let layout = huggingFaceLayout(plan, model: hf.model, configBytes: hf.bytes, request: request)
            return try write(plan, layout: layout, format: format, request: request)
        }
        guard let format = request.format ?? CheckpointFormat.infer(fromPath: request.outputPath) else {
            throw OutputError(path: request.outputPath, CheckpointFormat.unknownExtensionMessage(for: request.outputPath))
        }
        let spec = try loadSpec(path: request.specPath)
        let plan = try plan(model: spec.model, file: request.specPath, options: request.planOptions)
        var layout = plan.layout(modelConfig: spec.kerasJSON,
                                 recipe: request.writerOptions.writesRecipe ? plan.recipe(seed: request.seed, options: request.planOptions) : nil)
        if !request.writerOptions.weightsOnly {
            layout.legacyModelConfig = try KerasDialect.legacyConfig(
                keras2: spec.keras2JSON, requested: request.writerOptions.kerasDialect, format: format, path: request.outputPath)
        }
        return try write(plan, layout: layout, format: format, request: request)
    }

    /// Generates `plan`'s tensors into a writer of `format` for `layout`, as `request` says.
    static func write(_ plan: Plan, layout: CheckpointLayout, format: CheckpointFormat, request: InitRequest) throws -> InitResult {
        let writer = try format.descriptor.makeWriter(WriterRequest(path: request.outputPath, layout: layout, options: request.writerOptions))
        // A tensor's values depend only on the seed and its name, so skipping the tensors of
        // shards another machine writes changes nothing in the rest, and any number of
        // threads gives the same bytes.
        let selected = plan.entries.indices.filter { writer.wantsTensor(at: $0) }
        let drive = WriterDrive(writer: writer, isCancelled: request.isCancelled, onBytes: request.onBytes)
        try drive.run {
            let generation = ParallelGeneration(
                entries: plan.entries, selected: selected, seed: request.seed, threads: request.threads,
                pieceElements: request.pieceElements ?? TensorGenerator.pieceElements)
            request.onStart?(selected.reduce(0) { $0 + plan.entries[$1].info.byteCount })
            var rows = RowZeroing()
            try generation.run(begin: { entry in rows.begin(entry); try drive.begin(entry.layoutTensor) },
                               append: { bytes in try rows.pass(bytes, to: drive.append) }, end: { _ in try drive.end() })
        }
        let files = writer.writtenFiles ?? [request.outputPath]
        // A sharded safetensors output is several files (and none at the target path itself).
        let size = files.reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
        var result = InitResult(plan: plan, outputPath: request.outputPath, format: format, fileSize: size, files: files)
        if let shards = writer.shardCount { result.shardCount = shards }
        return result
    }

    /// Throws `CancellationError` once `isCancelled` says so.
    static func checkCancellation(_ isCancelled: (@Sendable () -> Bool)?) throws(CancellationError) {
        if let isCancelled, isCancelled() { throw CancellationError() }
    }
}
