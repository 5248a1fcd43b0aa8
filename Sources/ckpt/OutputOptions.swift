import ArgumentParser
import CkptKit

/// The output options `init` and `convert` share.
struct OutputOptions: ParsableArguments {
    @Option(help: "Write floating-point tensors in this dtype (default: init, each layer's variable dtype; convert, the source's).")
    var dtype: ChoiceArgument<DType>?

    @Flag(help: "Deflate the members of an .npz file (on every core, Huffman-only coding of 1 MiB blocks); stored by default.")
    var compress = false

    @Flag(help: "Legacy .h5: write only the weights (tf.keras save_weights layout) instead of the full model.")
    var weightsOnly = false

    @Option(help: "safetensors: split into shards of at most this size (5GB = 5·10⁹ bytes, 5GiB = 5·2³⁰), with a .safetensors.index.json.")
    var maxShardSize: String?

    @Option(help: ArgumentHelp(
        "Full .h5: embed the model config for Keras 2 (tf.keras: the Keras 2 JSON as given) or Keras 3 (default: the model JSON's own dialect).",
        valueName: "2|3"))
    var kerasDialect: ChoiceArgument<KerasDialect>?

    @Option(help: "GGUF: store 2-D weight matrices quantized (q8_0); norms and other 1-D tensors stay F32.")
    var quantize: ChoiceArgument<Quantization>?

    @Flag(name: .customLong("no-recipe"), help: "Write a bare file: no ckpt recipe (seed, options, initializers) in its metadata, attributes or archive comment.")
    var noRecipe = false

    @Flag(help: "Overwrite output files that exist.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    /// The `--dtype` value.
    func floatType() throws(UsageError) -> DType? { try dtype?.value() }

    /// The `--keras-dialect` value.
    func dialect() throws(UsageError) -> KerasDialect? { try kerasDialect?.value() }

    /// The `--max-shard-size` value in bytes.
    var maxShardBytes: Int? { maxShardSize.flatMap(ByteSize.parse) }

    /// The writer options for one output.
    func writerOptions() throws(UsageError) -> WriterOptions {
        WriterOptions(overwrite: force, compress: compress, weightsOnly: weightsOnly, maxShardBytes: maxShardBytes,
                      kerasDialect: try dialect()).with(\.writesRecipe, !noRecipe).with(\.quantize, try quantize?.value())
    }

    /// Checks the values, `--format`'s too (called in `run`, so a bad value is one `ckpt: error:` line).
    func check(format: ChoiceArgument<CheckpointFormat>?) throws(UsageError) {
        _ = try format?.value()
        _ = try floatType()
        if let maxShardSize, ByteSize.parse(maxShardSize) == nil {
            throw UsageError("--max-shard-size \"\(maxShardSize)\" is not a size; write e.g. 5GB, 500MB or 2GiB")
        }
        _ = try dialect()
        _ = try quantize?.value()
    }

    /// Copies the options into a one-job batch.
    func apply(to job: inout BatchJob) throws(UsageError) {
        job.dtypes = try floatType().map { [$0] } ?? []
        job.writer = try writerOptions().with(\.overwrite, false)  // the batch planner sets it from force
        job.force = force
    }
}

/// A bad option value, reported as one line.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `--quantize`: the quantized types GGUF writes.
extension Quantization: OptionChoice {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    public static var allValueStrings: [String] { allCases.map(\.rawValue) }

    static func unknownValueMessage(_ text: String) -> String {
        "unknown --quantize \"\(text)\"; expected \(allValueStrings.joined(separator: ", "))"
    }
}
