import ArgumentParser
import CkptKit

extension Ckpt {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Make a starting checkpoint for a model architecture.",
            discussion: """
                The output format follows the file name (.weights.h5, .npz) or --format. \
                The same seed always gives the same bytes.
                """
        )

        @Argument(help: "The model architecture: a Keras model JSON (model.to_json()).")
        var spec: String

        @Option(name: .shortAndLong, help: "The checkpoint file to write.")
        var output: String

        @Option(help: "The global seed (an unsigned 64-bit integer).")
        var seed: UInt64 = 0

        @Option(help: "The output format: weights.h5, keras, h5, npz or safetensors (default: from the output file name).")
        var format: String?

        @Option(help: "Write floating-point tensors as float32, float16, bfloat16 or float64 (default: each layer's variable dtype).")
        var dtype: String?

        @Flag(help: "Deflate the members of an .npz file (zlib); stored by default.")
        var compress = false

        @Flag(help: "Legacy .h5: write only the weights (tf.keras save_weights layout) instead of the full model.")
        var weightsOnly = false

        @Option(help: "safetensors: split into shards of at most this size (5GB = 5·10⁹ bytes, 5GiB = 5·2³⁰), with a .safetensors.index.json.")
        var maxShardSize: String?

        @Flag(help: "Use the initializers written in the model JSON, exactly as Keras would.")
        var respectConfig = false

        @Flag(help: "Overwrite the output file if it exists.")
        var force = false

        @Flag(name: .shortAndLong, help: "Print nothing on success.")
        var quiet = false

        func run() throws {
            try reportingErrors {
                try validateOutputOptions(format: format, dtype: dtype, maxShardSize: maxShardSize)
                var request = InitRequest(
                    specPath: spec, outputPath: output, format: format.flatMap(CheckpointFormat.init(argument:)),
                    seed: seed, compress: compress, overwrite: force,
                    planOptions: PlanOptions(respectConfig: respectConfig, dtype: dtype.flatMap(floatDType)))
                request.weightsOnly = weightsOnly
                request.maxShardBytes = maxShardSize.flatMap(ByteSize.parse)
                let result = try Checkpoints.initialize(request)
                if !quiet {
                    let plan = result.plan
                    print("wrote \(result.outputPath) (\(result.format.rawValue)): \(plan.entries.count) tensors, "
                        + "\(plan.parameterCount) parameters, \(ByteText.describe(result.fileSize))")
                }
            }
        }
    }
}

enum ByteText {
    static func describe(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}

/// Checks the output options shared by `init` and `convert` (in `run`, so a bad value gives one line).
func validateOutputOptions(format: String?, dtype: String?, maxShardSize: String?) throws {
    if let format, CheckpointFormat(argument: format) == nil {
        let known = CheckpointFormat.writable.map(\.rawValue).joined(separator: ", ")
        throw UsageError("unknown --format \"\(format)\"; expected one of \(known)")
    }
    if let dtype, floatDType(dtype) == nil {
        throw UsageError("unknown --dtype \"\(dtype)\"; expected float32, float16, bfloat16 or float64")
    }
    if let maxShardSize, ByteSize.parse(maxShardSize) == nil {
        throw UsageError("--max-shard-size \"\(maxShardSize)\" is not a size; write e.g. 5GB, 500MB or 2GiB")
    }
}

/// A bad option value, reported as one line.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A floating-point dtype named on the command line.
func floatDType(_ name: String) -> DType? {
    guard let dtype = DType(rawValue: name.lowercased()), dtype.isFloatingPoint else { return nil }
    return dtype
}
