import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert a checkpoint to another format (and dtype), tensor by tensor.",
            discussion: """
                Reads .weights.h5, .keras, legacy .h5, plain HDF5, .npz, safetensors (a file or an \
                .index.json), PyTorch torch.save files (zip, legacy, a .bin.index.json; their pickles are \
                never run) and GGUF; writes .weights.h5, .keras, .h5, .npz, .safetensors, .bin and .gguf \
                (from a Hugging Face folder or with --spec config.json; --quantize q8_0). Tensors are matched \
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
        var to: ChoiceArgument<CheckpointFormat>?

        @Option(help: "A Keras model JSON giving the structure when the source carries none.")
        var spec: String?

        @Option(help: "The output format (default: from the output file name).")
        var format: ChoiceArgument<CheckpointFormat>?

        @Option(help: "Change the tensors' layout: torch (a Keras checkpoint to the state_dict of the equivalent torch.nn modules: conv1.weight, lstm.weight_ih_l0) or keras (such a state_dict back to the Keras model of --spec).")
        var layout: ChoiceArgument<TensorLayout>?

        @OptionGroup var out: OutputOptions

        @OptionGroup var batch: BatchRunOptions

        @OptionGroup var reading: ReadingOptions

        @OptionGroup var torchReading: TorchReadingOptions

        func run() throws {
            reading.apply()
            if output != nil || to != nil || batch.isUsed {
                if layout != nil {
                    try reportingErrors { throw UsageError("--layout converts one checkpoint: ckpt convert INPUT OUTPUT --layout torch|keras") }
                }
                if torchReading.isUsed {
                    try reportingErrors { throw UsageError("--include-optimizer and --copy-strided read one checkpoint: ckpt convert INPUT OUTPUT --copy-strided") }
                }
                try BatchCommand.run(batch, force: out.force, quiet: out.quiet) { try job() }
                return
            }
            try reportingErrors {
                guard paths.count == 2 else {
                    throw UsageError("expected INPUT OUTPUT, or INPUT... -o FOLDER/ --to FORMAT to convert many")
                }
                let (input, output) = (paths[0], paths[1])
                try out.check(format: format)
                var request = ConvertRequest(
                    inputPath: input, outputPath: output, format: try format?.value(),
                    specPath: spec, dtype: try out.floatType(), writerOptions: try out.writerOptions())
                request.layout = try layout?.value()
                request.readOptions = torchReading.options
                let progress = TransferProgress(label: output, quiet: out.quiet)
                request.onStart = progress.onStart
                request.onBytes = progress.onBytes
                defer { progress.finish() }
                let result = try Signals.write(to: output) { cancelled in
                    request.isCancelled = cancelled
                    return try Checkpoints.convert(request)
                }
                progress.finish()
                for warning in result.warnings { printError("ckpt: warning: \(warning)") }
                if !out.quiet {
                    print("wrote \(output) (\(result.format.rawValue) from \(result.sourceFormat.rawValue)): "
                        + "\(result.tensorCount) tensors, \(NumberText.bytes(result.byteCount)) of values; structure: \(result.structure)")
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
        try out.check(format: nil)
        var isDirectory: ObjCBool = false
        if !output.hasSuffix("/") && !output.contains("{"),
           FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
            output += "/"
        }
        var job = BatchJob(kind: .convert, number: 1, spec: spec, inputs: paths, output: output)
        job.formats = try (to ?? format)?.formats() ?? []
        try out.apply(to: &job)
        return JobsFile(command: "ckpt convert", jobs: [job])
    }
}
