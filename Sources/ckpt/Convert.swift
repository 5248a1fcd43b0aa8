import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert a checkpoint to another format (and dtype), tensor by tensor.",
            discussion: """
                Reads .weights.h5, .keras, legacy .h5, plain HDF5, .npz and safetensors (a file or an \
                .index.json); writes .weights.h5, .keras, .h5, .npz and .safetensors. Tensors are matched \
                by canonical name (Keras 3 files by dataset path, legacy .h5 by position). Keras targets \
                need the model's structure: from the source (.keras, full .h5, ckpt's safetensors) or --spec. \
                With -o (a folder ending in /, or a pattern with {stem}, {format}, {dtype}) it converts many \
                inputs or glob patterns in parallel, as ckpt batch does: ckpt convert 'legacy/*.h5' --to safetensors -o converted/
                """
        )

        @Argument(help: "The checkpoint to read and the one to write; with -o, the checkpoints (or quoted glob patterns) to convert.")
        var paths: [String] = []

        @Option(name: .shortAndLong, help: "Convert many: the output folder (ending in /) or a pattern such as 'out/{stem}.{format}'.")
        var output: String?

        @Option(help: "Convert many: the format(s) to write, comma-separated (default: from the -o pattern).")
        var to: String?

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

        @OptionGroup var batch: BatchRunOptions

        func run() throws {
            if output != nil || to != nil || batch.isUsed {
                try BatchCommand.run(batch, force: force, quiet: quiet) { try job() }
                return
            }
            try reportingErrors {
                guard paths.count == 2 else {
                    throw UsageError("expected INPUT OUTPUT, or INPUT... -o FOLDER/ --to FORMAT to convert many")
                }
                let (input, output) = (paths[0], paths[1])
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

extension Ckpt.Convert {
    /// The one job `ckpt convert INPUT... -o DIR/ --to FORMAT` stands for.
    func job() throws -> JobsFile {
        guard var output else { throw UsageError("converting many needs -o: an output folder ending in / or a pattern with {stem}") }
        guard !paths.isEmpty else { throw UsageError("no input: give the checkpoints (or a quoted glob pattern) to convert") }
        if to != nil && format != nil { throw UsageError("pass --to or --format, not both") }
        try validateOutputOptions(format: nil, dtype: dtype, maxShardSize: maxShardSize)
        var isDirectory: ObjCBool = false
        if !output.hasSuffix("/") && !output.contains("{"),
           FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
            output += "/"
        }
        var job = BatchJob(kind: .convert, number: 1, spec: spec, inputs: paths, output: output)
        job.formats = try (to ?? format).map(formatList) ?? []
        job.dtypes = dtype.flatMap(floatDType).map { [$0] } ?? []
        job.compress = compress
        job.weightsOnly = weightsOnly
        job.maxShardBytes = maxShardSize.flatMap(ByteSize.parse)
        job.force = force
        return JobsFile(command: "ckpt convert", jobs: [job])
    }
}
