import Foundation

/// What `ckpt convert` needs.
public struct ConvertRequest: Sendable {
    /// The checkpoint to read and the one to write.
    public var inputPath: String
    public var outputPath: String
    /// The output format; nil to infer it from `outputPath`.
    public var format: CheckpointFormat?
    /// A model JSON giving the structure when the source carries none.
    public var specPath: String?
    /// Convert floating-point tensors to this type on the way.
    public var dtype: DType?
    /// Writer options (overwrite, compress, weights-only, shard size).
    public var writerOptions: WriterOptions
    /// Change the tensors' layout on the way (`--layout`): a Keras checkpoint to the torch
    /// `state_dict` of the equivalent modules, or such a `state_dict` back to the Keras model's
    /// variables; nil keeps the source's tensors as they are.
    public var layout: TensorLayout? = nil
    /// How to read the source (``ReadOptions``: a torch file's optimizer states, strided views).
    public var readOptions = ReadOptions()
    /// Asked between tensor pieces; once it returns true the conversion stops with a
    /// `CancellationError` and the writer removes its temporary files.
    public var isCancelled: (@Sendable () -> Bool)? = nil
    /// Told the byte count of every tensor piece handed to the writer (for progress displays).
    public var onBytes: (@Sendable (Int) -> Void)? = nil
    /// Called once before any value is written, with the number of bytes of values to write
    /// (for a progress display).
    public var onStart: (@Sendable (Int) -> Void)? = nil
    /// Bytes per piece read (tests use small pieces; nil: `RingReader.defaultPieceBytes`).
    var pieceBytes: Int? = nil

    /// Creates a request.
    public init(inputPath: String, outputPath: String, format: CheckpointFormat? = nil, specPath: String? = nil,
                dtype: DType? = nil, writerOptions: WriterOptions = WriterOptions()) {
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.format = format
        self.specPath = specPath
        self.dtype = dtype
        self.writerOptions = writerOptions
    }
}

/// What `ckpt convert` did.
public struct ConvertResult: Sendable {
    public var sourceFormat: CheckpointFormat
    public var format: CheckpointFormat
    public var tensorCount: Int
    public var byteCount: Int
    /// The elements of every tensor (the checkpoint's parameter count).
    public var parameterCount: Int
    /// Where the model's structure came from (`--spec`, the source file, or none).
    public var structure: String
    /// Every file written: the output, or its shard files and then the index.
    public var files: [String]
    /// What the user should know (a broken model config left out), one line each.
    public var warnings: [String] = []
}

extension Checkpoints {
    /// Converts a checkpoint to another format (and dtype), one tensor piece at a time.
    public static func convert(_ request: ConvertRequest) throws -> ConvertResult {
        let named = request.format ?? CheckpointFormat.infer(fromPath: request.outputPath)
        if named == nil && !isFolderName(request.outputPath) {
            throw OutputError(path: request.outputPath, CheckpointFormat.unknownExtensionMessage(for: request.outputPath))
        }
        let reader = try CheckpointReaders.open(path: request.inputPath, options: request.readOptions)
        if let layout = request.layout {
            guard let named else {
                throw OutputError(path: request.outputPath, CheckpointFormat.unknownExtensionMessage(for: request.outputPath))
            }
            return try convert(request, layout: layout, reader: reader, format: named)
        }
        // A Hugging Face config as --spec: its names, shapes and folder files; else the Keras
        // model of --spec or of the file, and the folder files of a folder read.
        let resolved: (Plan, String?, String?)?
        var structure = request.specPath != nil ? "--spec" : "the source file"
        var folderFiles = reader.folderFiles
        if let specPath = request.specPath, let hf = try huggingFaceModel(path: specPath) {
            resolved = (try planHuggingFace(hf.model, file: specPath, options: PlanOptions()), nil, nil)
            folderFiles = huggingFaceFolderFiles(model: hf.model, configBytes: hf.bytes)
        } else if request.specPath == nil, let config = folderFiles.first(where: { $0.name == "config.json" }),
                  let plan = folderPlan(config.bytes, file: request.inputPath + "/config.json"),
                  (try? TensorMatching.match(reader, plan: plan)) != nil {
            // A folder's own config, when ckpt knows its family and the folder holds exactly its
            // tensors: their order is the model's (otherwise the folder's own order serves).
            resolved = (plan, nil, nil)
            // A folder's own config.json, or the one a file carries (a GGUF ckpt wrote).
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: request.inputPath, isDirectory: &isFolder)
            structure = isFolder.boolValue ? "the source folder's config.json" : "the config.json the source carries"
        } else {
            resolved = try resolveStructure(reader, specPath: request.specPath, needed: named?.needsModel ?? false).map { ($0.0, $0.1, $0.2) }
        }
        // An output named like a folder, from a model folder or with a Hugging Face config: a folder.
        guard let format = named ?? (folderFiles.contains(where: { $0.name == "config.json" }) ? .huggingFace : nil) else {
            throw OutputError(path: request.outputPath, CheckpointFormat.unknownExtensionMessage(for: request.outputPath))
        }
        if format.needsModel && resolved == nil {
            throw CheckpointError(path: request.inputPath, "writing \(format.rawValue) needs the model's structure, and this \(reader.format.rawValue) file carries none; pass --spec model.json")
        }

        // The tensors to write, each with its source.
        var sources: [(LayoutTensor, StoredTensor)] = []
        var topLevelLayers: [String] = []
        if let (plan, _, _) = resolved {
            for pair in try TensorMatching.match(reader, plan: plan) {
                var tensor = pair.entry.layoutTensor
                tensor.info.dtype = targetDType(pair.source.info.dtype, request.dtype)
                sources.append((tensor, pair.source))
            }
            topLevelLayers = plan.topLevelLayers
        } else {
            for stored in reader.tensors {
                let info = TensorInfo(name: stored.name, shape: stored.info.shape, dtype: targetDType(stored.info.dtype, request.dtype))
                sources.append((LayoutTensor(info: info), stored))
            }
        }
        var layout = CheckpointLayout(tensors: sources.map(\.0), topLevelLayers: topLevelLayers,
                                      modelConfig: resolved?.1, recipe: request.writerOptions.writesRecipe ? reader.recipe : nil)
        layout.folderFiles = folderFiles
        if !request.writerOptions.weightsOnly {
            layout.legacyModelConfig = try KerasDialect.legacyConfig(
                keras2: resolved?.2, requested: request.writerOptions.kerasDialect, format: format, path: request.outputPath)
        }
        if resolved == nil { structure = "none" }
        let warnings = resolved == nil ? reader.modelConfigError.map {
            ["\(request.inputPath): the model config it carries is unreadable (\($0)); the tensors keep the file's own names"]
        } ?? [] : []
        return try write(sources, layout: layout, reader: reader, format: format, request: request, structure: structure, warnings: warnings)
    }

    /// Writes `sources` (each target tensor and the tensor of `reader` holding its values) as
    /// `layout` in `format`, reading ahead on another thread into a few reused buffers.
    static func write(_ sources: [(LayoutTensor, StoredTensor)], layout: CheckpointLayout, reader: CheckpointReader, format: CheckpointFormat,
                      request: ConvertRequest, structure: String, warnings: [String]) throws -> ConvertResult {
        let writer = try format.descriptor.makeWriter(WriterRequest(path: request.outputPath, layout: layout, options: request.writerOptions))
        request.onStart?(layout.tensors.reduce(0) { $0 + $1.info.byteCount })
        // Only the tensors the writer takes (all, unless it writes some shards only), read
        // ahead on another thread into a few reused buffers (RingReader).
        let wanted = sources.indices.filter { writer.wantsTensor(at: $0) }
        let ring = RingReader(reader: reader, jobs: wanted.map { RingReader.Job(tensor: sources[$0].1, dtype: sources[$0].0.info.dtype) },
                              pieceBytes: request.pieceBytes ?? RingReader.defaultPieceBytes)
        var bytes = 0
        let drive = WriterDrive(writer: writer, isCancelled: request.isCancelled, onBytes: request.onBytes)
        try drive.run({
            try ring.run(begin: { job in try drive.begin(sources[wanted[job]].0) }, append: drive.append, end: { job in
                try drive.end()
                bytes += sources[wanted[job]].0.info.byteCount
            })
        }, beforeFinish: { try reader.verify() })
        return ConvertResult(sourceFormat: reader.format, format: format, tensorCount: sources.count, byteCount: bytes,
                             parameterCount: sources.reduce(0) { $0 + $1.0.info.elementCount }, structure: structure, files: writer.writtenFiles ?? [request.outputPath],
                             warnings: warnings)
    }

    /// The plan of a model folder's `config.json`, or nil when it is not a Hugging Face config
    /// ckpt plans (the folder's tensors then keep their own order).
    static func folderPlan(_ bytes: [UInt8], file: String) -> Plan? {
        guard let json = try? JSONParser.parse(bytes), HFConfig.recognizes(json),
              let model = try? HFFamilies.model(json: json, file: file) else { return nil }
        return try? planHuggingFace(model, file: file, options: PlanOptions())
    }

    /// Whether `path` names a folder rather than a file: it ends in `/`, or its last component
    /// has no extension.
    static func isFolderName(_ path: String) -> Bool {
        path.hasSuffix("/") || !(path.split(separator: "/").last ?? "").contains(".")
    }

    /// The model for a file: `--spec` first, else the JSON the file carries. Returns the plan,
    /// the Keras 3 JSON text and the Keras 2 JSON as given (when it is Keras 2), or nil when neither exists (or the carried JSON cannot be planned and
    /// `needed` is false).
    static func resolveStructure(_ reader: CheckpointReader, specPath: String?, needed: Bool) throws -> (Plan, String, String?)? {
        if let specPath {
            let spec = try loadSpec(path: specPath)
            return (try plan(model: spec.model, file: specPath, options: PlanOptions()), spec.kerasJSON, spec.keras2JSON)
        }
        guard let text = reader.modelConfig else {
            if needed, let problem = reader.modelConfigError {
                throw CheckpointError(path: reader.path, "the model config it carries is unreadable (\(problem)); pass --spec with the model's JSON")
            }
            return nil
        }
        do {
            let model = try KerasModelReader(file: reader.path + " (model config)").read(text: text)
            // A Keras 2 config (a tf.keras full .h5) is carried on as Keras 3 JSON.
            let keras3 = (try? JSONParser.parse(text)).map(isKeras3JSON) ?? true
            return (try plan(model: model, file: reader.path + " (model config)", options: PlanOptions()),
                    keras3 ? text : KerasJSONExporter.exportText(model), keras3 ? nil : text)
        } catch {
            // A carried config ckpt cannot plan (another dialect, a layer without shapes): only an
            // error when the structure is really needed; otherwise the file's own names serve.
            if needed {
                throw CheckpointError(path: reader.path, "the model config in the file cannot be used (\(error)); pass --spec with the model's Keras 3 JSON")
            }
            return nil
        }
    }

    /// The dtype a tensor is written in: `--dtype` for floating-point tensors, else its own.
    static func targetDType(_ source: DType, _ requested: DType?) -> DType {
        guard let requested, source.isFloatingPoint else { return source }
        return requested
    }
}
