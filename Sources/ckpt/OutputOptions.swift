import ArgumentParser
import CkptKit

/// The output options `init` and `convert` share.
struct OutputOptions: ParsableArguments {
    @Option(help: "Write floating-point tensors as float32, float16, bfloat16 or float64 (default: init, each layer's variable dtype; convert, the source's).")
    var dtype: String?

    @Flag(help: "Deflate the members of an .npz file (on every core, Huffman-only coding of 1 MiB blocks); stored by default.")
    var compress = false

    @Flag(help: "Legacy .h5: write only the weights (tf.keras save_weights layout) instead of the full model.")
    var weightsOnly = false

    @Option(help: "safetensors: split into shards of at most this size (5GB = 5·10⁹ bytes, 5GiB = 5·2³⁰), with a .safetensors.index.json.")
    var maxShardSize: String?

    @Option(help: ArgumentHelp(
        "Full .h5: embed the model config for Keras 2 (tf.keras: the Keras 2 JSON as given) or Keras 3 (default: the model JSON's own dialect).",
        valueName: "2|3"))
    var kerasDialect: String?

    @Flag(name: .customLong("no-recipe"), help: "Write a bare file: no ckpt recipe (seed, options, initializers) in its metadata, attributes or archive comment.")
    var noRecipe = false

    @Flag(help: "Overwrite output files that exist.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    /// The `--dtype` value.
    var floatType: DType? { dtype.flatMap(floatDType) }

    /// The `--keras-dialect` value.
    var dialect: KerasDialect? { kerasDialect.flatMap(KerasDialect.init(rawValue:)) }

    /// The `--max-shard-size` value in bytes.
    var maxShardBytes: Int? { maxShardSize.flatMap(ByteSize.parse) }

    /// The writer options for one output.
    var writerOptions: WriterOptions {
        WriterOptions(overwrite: force, compress: compress, weightsOnly: weightsOnly, maxShardBytes: maxShardBytes,
                      kerasDialect: dialect).with(\.writesRecipe, !noRecipe)
    }

    /// Checks the values (called in `run`, so a bad value is one `ckpt: error:` line).
    func check(format: String?) throws {
        try validateOutputOptions(format: format, dtype: dtype, maxShardSize: maxShardSize)
        if let kerasDialect, KerasDialect(rawValue: kerasDialect) == nil {
            throw UsageError("--keras-dialect \"\(kerasDialect)\" is not a Keras dialect; expected 2 or 3")
        }
    }

    /// Copies the options into a one-job batch.
    func apply(to job: inout BatchJob) {
        job.dtypes = floatType.map { [$0] } ?? []
        job.compress = compress
        job.weightsOnly = weightsOnly
        job.kerasDialect = dialect
        job.writesRecipe = !noRecipe
        job.maxShardBytes = maxShardBytes
        job.force = force
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
