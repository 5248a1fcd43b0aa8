extension Checkpoints {
    /// `ckpt convert --layout torch|keras`: the Keras model comes from `--spec` or the source
    /// file (a `.keras`, a full `.h5`, ckpt's safetensors); its layers become torch modules
    /// (``LayoutTranslation``), and the tensors are made through ``LayoutReader``.
    static func convert(_ request: ConvertRequest, layout: TensorLayout, reader: CheckpointReader, format: CheckpointFormat) throws -> ConvertResult {
        let model: KerasModel
        let file: String
        var kerasJSON: String?
        var keras2JSON: String?
        let structure: String
        if let specPath = request.specPath {
            let spec = try loadSpec(path: specPath)
            (model, file, kerasJSON, keras2JSON, structure) = (spec.model, specPath, spec.kerasJSON, spec.keras2JSON, "--spec")
        } else if let text = reader.modelConfig {
            file = reader.path + " (model config)"
            model = try KerasModelReader(file: file).read(text: text)
            let keras3 = (try? JSONParser.parse(text)).map(isKeras3JSON) ?? true
            (kerasJSON, keras2JSON, structure) = (keras3 ? text : KerasJSONExporter.exportText(model), keras3 ? nil : text, "the source file")
        } else {
            throw LayoutError(path: request.inputPath, "--layout \(layout.rawValue) needs the Keras model, and this \(reader.format.rawValue) file carries none; pass --spec with its Keras JSON or compact spec")
        }
        let plan = try plan(model: model, file: file, options: PlanOptions())
        let translation = try LayoutTranslation(model: model, plan: plan, file: file)
        let targets: [LayoutTranslation.Target]
        var tensors: [LayoutTensor]
        var checkpoint: CheckpointLayout
        switch layout {
        case .torch:
            guard format.descriptor.keying == .name, format != .huggingFace else {
                throw OutputError(path: request.outputPath, "--layout torch writes a torch state_dict, keyed by name: write .bin, .safetensors or .npz, not \(format.rawValue)")
            }
            let pairs = try TensorMatching.match(reader, plan: plan)
            targets = try translation.torchTargets(sources: Dictionary(pairs.map { ($0.entry.name, $0.source) }, uniquingKeysWith: { a, _ in a }), file: reader.path)
            tensors = targets.map { LayoutTensor(info: $0.info) }
            checkpoint = CheckpointLayout(tensors: [], topLevelLayers: [], modelConfig: nil, recipe: nil)
        case .keras:
            targets = try translation.kerasTargets(reader: reader)
            tensors = targets.map { $0.entry?.layoutTensor ?? LayoutTensor(info: $0.info) }
            checkpoint = CheckpointLayout(tensors: [], topLevelLayers: plan.topLevelLayers, modelConfig: kerasJSON, recipe: nil)
            if !request.writerOptions.weightsOnly {
                checkpoint.legacyModelConfig = try KerasDialect.legacyConfig(
                    keras2: keras2JSON, requested: request.writerOptions.kerasDialect, format: format, path: request.outputPath)
            }
        }
        for index in tensors.indices {
            tensors[index].info.dtype = targetDType(targets[index].info.dtype, request.dtype)
        }
        checkpoint.tensors = tensors
        let translated = LayoutReader(source: reader, targets: targets)
        return try write(Array(zip(tensors, translated.tensors)), layout: checkpoint, reader: translated, format: format, request: request,
                         structure: structure, warnings: translation.notes)
    }
}
