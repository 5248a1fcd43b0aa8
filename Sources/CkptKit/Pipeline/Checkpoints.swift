import Foundation

/// The library's entry points: plan a model, and make a checkpoint from it.
public enum Checkpoints {
    /// Reads a model architecture file.
    public static func loadModel(path: String) throws(ModelError) -> KerasModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError(file: path, "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(file: path, "cannot read the file (permissions?)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return try KerasModelReader(file: path).read(text: text)
    }

    /// Plans every tensor of the model in `path`.
    public static func plan(specPath path: String, options: PlanOptions = PlanOptions()) throws(ModelError) -> Plan {
        let model = try loadModel(path: path)
        do {
            return try Planner(options: options).plan(model)
        } catch {
            throw ModelError(file: path, error.message)
        }
    }

    /// Makes a checkpoint: plans the model, generates every tensor and writes the file atomically.
    public static func initialize(_ request: InitRequest) throws -> InitResult {
        guard let format = request.format ?? CheckpointFormat.infer(fromPath: request.outputPath) else {
            throw OutputError(path: request.outputPath, CheckpointFormat.unknownExtensionMessage(for: request.outputPath))
        }
        let plan = try plan(specPath: request.specPath, options: request.planOptions)
        let output = try AtomicOutput(path: request.outputPath, overwrite: request.overwrite)
        do {
            try write(plan, seed: request.seed, format: format, compress: request.compress, to: output.temporaryPath)
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: request.outputPath)
        let size = (attributes?[.size] as? Int) ?? 0
        return InitResult(plan: plan, outputPath: request.outputPath, format: format, fileSize: size)
    }

    /// Generates the plan's tensors into a file of `format` at `path` (not atomic; see `initialize`).
    static func write(_ plan: Plan, seed: UInt64, format: CheckpointFormat, compress: Bool, to path: String) throws {
        let writer: CheckpointWriter
        switch format {
        case .kerasWeights:
            writer = try KerasWeightsWriter(path: path)
        case .npz:
            writer = try NPZCheckpointWriter(path: path, tensors: plan.entries.map(\.info), compress: compress)
        }
        let generator = TensorGenerator()
        for entry in plan.entries {
            try writer.beginTensor(entry.info, kerasPath: entry.kerasPath)
            try generator.generate(entry, seed: seed) { bytes in try writer.append(bytes) }
            try writer.endTensor()
        }
        try writer.finish()
    }
}
