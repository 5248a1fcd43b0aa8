import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Make a starting checkpoint for a model architecture.",
            discussion: """
                The output format follows the file name (.weights.h5, .keras, .h5, .npz, .safetensors, .bin/.pt, .gguf) or --format. \
                The same seed always gives the same bytes. With --seeds, or placeholders in -o \
                ({seed}, {name}, {format}, {dtype}), it makes many checkpoints in parallel, as ckpt batch does \
                (--threads outputs at once, one generation thread each). For one checkpoint, --threads is the \
                number of threads generating values (default: all cores); any number gives the same bytes.
                """
        )

        @Argument(help: "The model architecture: a Keras model JSON (model.to_json(), Keras 3 or 2), a compact spec (docs/spec.md) or a Hugging Face config.json (docs/huggingface.md).")
        var spec: String

        @Option(name: .shortAndLong, help: "The checkpoint file to write (for a Hugging Face config.json: the model folder); with --seeds a pattern such as 'out/seed{seed}.safetensors'.")
        var output: String

        @Option(parsing: .unconditional, help: "The global seed (an unsigned 64-bit integer; default 0).", transform: parseSeed)
        var seed: UInt64?

        @Option(help: "Many seeds, one checkpoint each: an inclusive range A..B or a list a,b,c (with {seed} in -o).")
        var seeds: String?

        @Option(help: "The output format (default: from the output file name); with --seeds a comma-separated list (with {format} in -o).")
        var format: ChoiceArgument<CheckpointFormat>?





        @Flag(help: "Use the initializers written in the model JSON, exactly as Keras would.")
        var respectConfig = false


        @Option(help: "Sharded safetensors: write only shard files K/N (shard j, from 1, when (j-1) mod N == K-1) and the index, so N machines write one checkpoint; 'auto' takes K and N from a Slurm job array, 'auto/N' K from a Slurm array or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX).")
        var onlyShards: String?

        @Flag(help: "Sharded safetensors: write only the index (and a Hugging Face folder's config files), no shard.")
        var indexOnly = false


        @OptionGroup var out: OutputOptions

        @OptionGroup var planning: PlanningOptions

        @OptionGroup var batch: BatchRunOptions

        /// Whether this run makes many outputs (a one-job batch). `--threads` alone does not make
        /// one: for a single output it is the number of generation threads.
        private var isBatch: Bool {
            let onlyThreads = batch.report == nil && !batch.resume && !batch.failFast && batch.shard == nil
            return seeds != nil || output.contains("{") || (batch.isUsed && !onlyThreads)
        }

        func run() throws {
            if isBatch {
                try BatchCommand.run(batch, force: out.force, quiet: out.quiet) { try job() }
                return
            }
            try reportingErrors {
                try out.check(format: format)
                var request = InitRequest(
                    specPath: spec, outputPath: output, format: try format?.value(), seed: seed ?? 0,
                    writerOptions: try out.writerOptions().with(\.onlyShards, try onlyShards.map(parseOnlyShards)).with(\.indexOnly, indexOnly),
                    planOptions: try planning.apply(to: PlanOptions(respectConfig: respectConfig, dtype: try out.floatType())))
                if let threads = batch.threads, threads < 1 {
                    throw UsageError("--threads must be at least 1, not \(threads)")
                }
                request.threads = batch.threads ?? ProcessInfo.processInfo.activeProcessorCount
                let progress = TransferProgress(label: output, quiet: out.quiet)
                request.onStart = progress.onStart
                request.onBytes = progress.onBytes
                defer { progress.finish() }
                let result = try Signals.write(to: output) { cancelled in
                    request.isCancelled = cancelled
                    return try Checkpoints.initialize(request)
                }
                progress.finish()
                for warning in result.plan.warnings { printError("ckpt: warning: \(warning)") }
                if !out.quiet {
                    let plan = result.plan
                    print("wrote \(result.writtenDescription) (\(result.format.rawValue)): \(plan.entries.count) tensors, "
                        + "\(plan.parameterCount) parameters, \(NumberText.bytes(result.fileSize))")
                }
            }
        }
    }
}

extension Ckpt.Init {
    /// The one job `ckpt init --seeds … -o PATTERN` stands for.
    func job() throws -> JobsFile {
        if seeds != nil && seed != nil { throw UsageError("pass --seed or --seeds, not both") }
        let formats = try format?.formats() ?? []
        try out.check(format: nil)
        var job = BatchJob(kind: .initialize, number: 1, spec: spec, output: output)
        job.seeds = try seeds.map(BatchJob.parseSeeds) ?? [seed ?? 0]
        job.formats = formats
        try out.apply(to: &job)
        job.respectConfig = respectConfig
        try planning.apply(to: &job)
        job.writer.onlyShards = try onlyShards.map(parseOnlyShards)
        if indexOnly { throw UsageError("--index-only writes one checkpoint's index; it does not go with --seeds or a pattern in -o") }
        return JobsFile(command: "ckpt init", jobs: [job])
    }
}

/// A `--seed` value: taken even when it starts with `-`, so `--seed -1` is refused for what it
/// is rather than as a missing value.
func parseSeed(_ text: String) throws -> UInt64 {
    guard let seed = UInt64(text) else {
        throw ValidationError("--seed \"\(text)\" is not a whole number from 0 to 18446744073709551615")
    }
    return seed
}

/// A `--only-shards K/N` value, or `auto` / `auto/N` (a job array's task, from the environment).
func parseOnlyShards(_ text: String) throws -> ShardSelection {
    if text == "auto" || text.hasPrefix("auto/") {
        let count = text == "auto" ? nil : Int(text.dropFirst("auto/".count))
        guard text == "auto" || (count ?? 0) >= 1 else {
            throw UsageError("--only-shards \"\(text)\": the count after auto/ must be a whole number ≥ 1")
        }
        do {
            return try ShardSelection.automatic(count: count, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw UsageError(error.description)
        }
    }
    guard let selection = ShardSelection(parsing: text) else {
        throw UsageError("--only-shards \"\(text)\" is not K/N with whole numbers 1 ≤ K ≤ N (K counts from 1), auto or auto/N")
    }
    return selection
}
