import ArgumentParser
import CkptKit

extension Ckpt {
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert a checkpoint to another format (and dtype), tensor by tensor.",
            discussion: """
                Reads .weights.h5, .keras, legacy .h5, plain HDF5, .npz and safetensors (a file or an \
                .index.json); writes .weights.h5, .keras, .h5, .npz and .safetensors. Tensors are matched \
                by canonical name (Keras 3 files by dataset path, legacy .h5 by position). Keras targets \
                need the model's structure: from the source (.keras, full .h5, ckpt's safetensors) or --spec.
                """
        )

        @Argument(help: "The checkpoint to read.")
        var input: String

        @Argument(help: "The checkpoint to write.")
        var output: String

        @Option(help: "A Keras model JSON giving the structure when the source carries none.")
        var spec: String?

        @Option(help: "The output format: weights.h5, keras, h5, npz or safetensors (default: from the output file name).")
        var format: String?

        @Option(help: "Convert floating-point tensors to float32, float16, bfloat16 or float64.")
        var dtype: String?

        @Flag(help: "Deflate the members of an .npz file.")
        var compress = false

        @Flag(help: "Legacy .h5: write only the weights (tf.keras save_weights layout).")
        var weightsOnly = false

        @Option(help: "safetensors: split into shards of at most this size (5GB, 2GiB, …), with an index.")
        var maxShardSize: String?

        @Flag(help: "Overwrite the output file if it exists.")
        var force = false

        @Flag(name: .shortAndLong, help: "Print nothing on success.")
        var quiet = false

        func run() throws {
            try reportingErrors {
                try validateOutputOptions(format: format, dtype: dtype, maxShardSize: maxShardSize)
                let request = ConvertRequest(
                    inputPath: input, outputPath: output, format: format.flatMap(CheckpointFormat.init(argument:)),
                    specPath: spec, dtype: dtype.flatMap(floatDType),
                    writerOptions: WriterOptions(overwrite: force, compress: compress, weightsOnly: weightsOnly,
                                                 maxShardBytes: maxShardSize.flatMap(ByteSize.parse)))
                let result = try Checkpoints.convert(request)
                if !quiet {
                    print("wrote \(output) (\(result.format.rawValue) from \(result.sourceFormat.rawValue)): "
                        + "\(result.tensorCount) tensors, \(ByteText.describe(result.byteCount)) of values; structure: \(result.structure)")
                }
            }
        }
    }
}
