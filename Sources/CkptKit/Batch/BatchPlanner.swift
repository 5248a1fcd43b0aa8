import Foundation

/// Expands a batch's jobs into outputs and checks them all before any work starts: specs and
/// inputs exist (a glob matching nothing is an error), formats are known, placeholders make
/// sense, no two outputs land on one path, and no output exists unless `force` or `--resume`.
///
/// Outputs are sorted by their output path as the job writes it (placeholders filled,
/// normalized, byte order); the position in that list is the output's `id`, and `--shard K/N`
/// keeps the outputs with `id mod N == K − 1`. The order does not depend on the jobs' order or
/// on where the jobs file lives, so every machine of an array agrees on it.
public enum BatchPlanner {
    /// Expands and checks `file`'s jobs.
    public static func plan(_ file: JobsFile, options: BatchOptions) throws(BatchError) -> BatchPlan {
        if let problem = options.problem { throw BatchError(source: file.label, problem) }
        var planner = Expansion(file: file, options: options)
        var outputs: [BatchOutput] = []
        for job in file.jobs {
            outputs += try planner.expand(job)
        }
        try checkCollisions(outputs, file: file)
        outputs.sort { $0.sortKey.utf8.lexicographicallyPrecedes($1.sortKey.utf8) }
        for index in outputs.indices { outputs[index].id = index }
        let selected = options.shard.map { shard in outputs.filter { shard.contains($0.id) } } ?? outputs
        var plan = BatchPlan(label: file.label, outputs: outputs, selected: selected, plans: planner.plans)
        if !options.resume {
            if options.dryRun {
                plan.refusal = refusal(selected, file: file)
            } else if let refusal = refusal(selected, file: file) {
                throw refusal
            }
        }
        return plan
    }

    /// No file may be written by two outputs.
    private static func checkCollisions(_ outputs: [BatchOutput], file: JobsFile) throws(BatchError) {
        var owner: [String: Int] = [:]
        for (index, output) in outputs.enumerated() {
            for path in output.claimedFiles {
                let identity = BatchPaths.identity(path)
                if let first = owner[identity], first != index {
                    throw file.error(job: output.job, kind: output.kind, field: "output",
                                     "two outputs land on \(path): \(outputs[first].summary) and \(output.summary)")
                }
                owner[identity] = index
            }
        }
    }

    /// No output may exist unless it is to be replaced: the error that refuses the run, if any.
    private static func refusal(_ outputs: [BatchOutput], file: JobsFile) -> BatchError? {
        var existing: [(BatchOutput, String)] = []
        for output in outputs where !output.overwrite {
            if let path = output.existingFile {
                existing.append((output, path))
            }
        }
        guard let (output, path) = existing.first else { return nil }
        let more = existing.count > 1 ? " (and \(existing.count - 1) more output\(existing.count == 2 ? "" : "s"))" : ""
        return file.error(job: output.job, kind: output.kind, field: "output", "\(path) exists\(more); pass --force to replace, or --resume with the report to continue a run")
    }
}

/// The state of one expansion: the jobs file, options and the specs read so far.
private struct Expansion {
    let file: JobsFile
    let options: BatchOptions
    /// Model plans by key (spec path, respect_config, dtype); nil when the spec does not plan
    /// (the outputs then fail when run, with the reason).
    var plans: [String: Plan] = [:]
    private var unplannable: Set<String> = []
    private var specDigests: [String: String] = [:]
    private var carriesModelByInput: [String: Bool] = [:]

    init(file: JobsFile, options: BatchOptions) {
        self.file = file
        self.options = options
    }

    mutating func expand(_ job: BatchJob) throws(BatchError) -> [BatchOutput] {
        var job = job
        if job.rules == nil, let rulesPath = job.rulesPath {
            do {
                job.rules = try RuleSet.load(file: file.resolve(rulesPath))
            } catch {
                throw file.error(job, field: "rules", error.description)
            }
        }
        let patternText = job.output.hasSuffix("/") ? job.output + BatchJob.defaultFileName(for: job.kind) : job.output
        let pattern: OutputPattern
        do {
            pattern = try OutputPattern(patternText)
        } catch {
            throw file.error(job, field: "output", error.message)
        }
        try checkPlaceholders(pattern, job)

        var specPath: String?
        if let spec = job.spec {
            let resolved = file.resolve(spec)
            guard BatchPaths.isRegularFile(resolved) else {
                throw file.error(job, field: job.kind == .initialize ? "init" : "spec", noSuchFile(spec, resolved))
            }
            specPath = resolved
        }
        let inputs = try expandInputs(job)
        if inputs.count > 1 && !pattern.placeholders.contains(.stem) {
            throw file.error(job, field: "output", "\(inputs.count) inputs would all be written to \"\(job.output)\"; put {stem} in the output (or end it with / for a folder)")
        }
        let name = job.name ?? specPath.map { path -> String in
            let fileName = path.split(separator: "/").last.map(String.init) ?? path
            guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return fileName }
            return String(fileName[..<dot])
        }

        // The axes: seeds (init) or inputs (convert), × formats × dtypes.
        let sources: [(seed: UInt64?, input: String?)] = job.kind == .initialize
            ? job.seeds.map { ($0, nil) } : inputs.map { (nil, $0) }
        let formats: [CheckpointFormat?] = job.formats.isEmpty ? [nil] : job.formats
        let dtypes: [DType?] = job.dtypes.isEmpty ? [nil] : job.dtypes
        var outputs: [BatchOutput] = []
        for source in sources {
            for format in formats {
                for dtype in dtypes {
                    var values: [OutputPattern.Placeholder: String] = [:]
                    values[.name] = name
                    values[.seed] = source.seed.map { String($0) }
                    values[.stem] = source.input.map(BatchPaths.stem)
                    values[.format] = format?.rawValue
                    values[.dtype] = dtype?.rawValue
                    let written = pattern.fill(values)
                    outputs.append(try output(job, written: written, format: format, dtype: dtype,
                                              seed: source.seed, input: source.input, spec: specPath))
                }
            }
        }
        return outputs
    }

    // MARK: Checks

    private func checkPlaceholders(_ pattern: OutputPattern, _ job: BatchJob) throws(BatchError) {
        let used = pattern.placeholders
        func fail(_ message: String) -> BatchError { file.error(job, field: "output", message) }
        switch job.kind {
        case .initialize:
            if used.contains(.stem) { throw fail("{stem} is a convert job's input name; init jobs have {name}, {seed}, {format} and {dtype}") }
            if job.seeds.count > 1 && !used.contains(.seed) {
                throw fail("\(job.seeds.count) seeds would all be written to \"\(job.output)\"; put {seed} in the output")
            }
        case .convert:
            if used.contains(.seed) { throw fail("{seed} is for init jobs; a convert job's outputs are named by {stem}, {format} and {dtype}") }
            if used.contains(.name) && job.spec == nil && job.name == nil {
                throw fail("{name} is the spec's file name, and this job has no \(file.mention("spec"))" + (file.isCommandLine ? "" : " (or \"name\")"))
            }
        }
        let formatsField = job.kind == .initialize ? "formats" : "to"
        if used.contains(.format) && job.formats.isEmpty {
            throw fail("{format} needs the formats to write: add \(file.mention(formatsField))")
        }
        if job.formats.count > 1 && !used.contains(.format) {
            throw fail("\(job.formats.count) formats would all be written to \"\(job.output)\"; put {format} in the output")
        }
        if used.contains(.dtype) && job.dtypes.isEmpty { throw fail("{dtype} needs the dtype to write: add \(file.mention("dtype"))") }
        if job.dtypes.count > 1 && !used.contains(.dtype) {
            throw fail("\(job.dtypes.count) dtypes would all be written to \"\(job.output)\"; put {dtype} in the output")
        }
        if job.writer.onlyShards != nil && job.writer.maxShardBytes == nil && !job.output.hasSuffix(".safetensors.index.json") {
            throw file.error(job, field: "only_shards", "writing only some shards needs a sharded safetensors output: add \(file.mention("max_shard_size"))")
        }
    }

    /// The job's inputs: globs expanded (each must match), literal paths checked, duplicates dropped.
    private func expandInputs(_ job: BatchJob) throws(BatchError) -> [String] {
        var inputs: [String] = []
        var seen = Set<String>()
        for pattern in job.inputs {
            let resolved = file.resolve(pattern)
            var matches: [String]
            if BatchPaths.hasWildcards(pattern) {
                matches = BatchPaths.expand(resolved)
                guard !matches.isEmpty else { throw file.error(job, field: "convert", "no file matches \"\(pattern)\"") }
            } else {
                guard BatchPaths.isRegularFile(resolved) else { throw file.error(job, field: "convert", noSuchFile(pattern, resolved)) }
                matches = [resolved]
            }
            for match in matches where seen.insert(BatchPaths.identity(match)).inserted {
                inputs.append(match)
            }
        }
        return inputs
    }

    private func noSuchFile(_ written: String, _ resolved: String) -> String {
        written == resolved ? "no such file \"\(written)\"" : "no such file \"\(written)\" (looked for \(resolved))"
    }

    // MARK: One output

    private mutating func output(_ job: BatchJob, written: String, format requested: CheckpointFormat?, dtype: DType?,
                                 seed: UInt64?, input: String?, spec: String?) throws(BatchError) -> BatchOutput {
        guard let format = requested ?? CheckpointFormat.infer(fromPath: written) else {
            let field = job.kind == .initialize ? "formats" : "to"
            throw file.error(job, field: "output", "cannot tell the format of \"\(written)\" from its name; add \(file.mention(field)) or end it with .safetensors, .npz, .weights.h5, .keras or .h5")
        }
        if job.writer.onlyShards != nil && !format.descriptor.shards {
            throw file.error(job, field: "only_shards", "only a sharded safetensors output can be written in parts, not \(format.rawValue)")
        }
        let path = file.resolve(written)
        if let input, BatchPaths.identity(input) == BatchPaths.identity(path) {
            throw file.error(job, field: "output", "\(written) would overwrite its own input")
        }
        if let input, job.kind == .convert, format.needsModel, spec == nil, !carriesModel(input) {
            throw file.error(job, field: "spec", "writing \(format.rawValue) needs the model's structure, and \(input) carries none; add \(file.mention("spec")) with the model's JSON")
        }
        var output = BatchOutput(job: job.number, kind: job.kind, path: path, sortKey: BatchPaths.normalized(written),
                                 format: format, dtype: dtype, seed: seed, spec: spec, input: input)
        output.respectConfig = job.respectConfig
        output.profile = job.profile
        output.rules = job.rules
        output.fans = job.fans
        output.writer = job.writer.with(\.overwrite, job.force || options.force || options.resume)
        output.claimedFiles = [path]

        var settings = JSONObject()
        settings["kind"] = .string(job.kind.rawValue)
        if let input { settings["input"] = .string(input) }
        if let spec {
            settings["spec"] = .string(spec)
            settings["spec_sha256"] = specDigest(spec).map(JSONValue.string) ?? .null
        }
        if let seed { settings["seed"] = .number(JSONNumber(text: String(seed)) ?? JSONNumber(0)) }
        settings["format"] = .string(format.rawValue)
        settings["dtype"] = dtype.map { .string($0.rawValue) } ?? .null
        if job.kind == .initialize {
            settings["respect_config"] = .bool(job.respectConfig)
            if let profile = job.profile { settings["profile"] = .string(profile.rawValue) }
            if let rules = job.rules { settings["rules"] = rules.recipeJSON }
            if let fans = job.fans { settings["fans"] = .string(fans.name) }
        }
        settings["compress"] = .bool(job.writer.compress)
        settings["weights_only"] = .bool(job.writer.weightsOnly)
        settings["max_shard_size"] = job.writer.maxShardBytes.map { .number(JSONNumber($0)) } ?? .null
        settings["only_shards"] = job.writer.onlyShards.map { .string($0.description) } ?? .null
        if let dialect = job.writer.kerasDialect { settings["keras_dialect"] = .string(dialect.rawValue) }
        if !job.writer.writesRecipe { settings["recipe"] = false }
        output.settings = settings

        switch job.kind {
        case .initialize:
            guard let spec, let plan = plan(spec, options: output.planOptions) else { break }
            output.planKey = Self.planKey(spec, output.planOptions)
            output.expectedBytes = plan.byteCount
            if format.descriptor.shards {
                try claimShards(&output, plan: plan, job: job)
            }
        case .convert:
            output.expectedBytes = input.flatMap(BatchPaths.fileSize) ?? 0
            // The split depends on the source; the index name does not.
            if job.writer.maxShardBytes != nil, let index = format.descriptor.shardIndexPath(for: path) {
                output.claimedFiles.append(index)
            }
        }
        return output
    }

    /// Adds a sharded output's shard files (the ones it writes) and index, as its format plans them.
    private func claimShards(_ output: inout BatchOutput, plan: Plan, job: BatchJob) throws(BatchError) {
        let layout = plan.layout()
        let planned = output.format.descriptor.files(at: output.path, layout: layout,
                                                     options: output.writer)
        guard planned.paths.count > 1, let index = planned.paths.last else {
            if let selection = output.writer.onlyShards {
                throw file.error(job, field: "only_shards", "the checkpoint fits one file at this max_shard_size, so it has no shards to split \(selection); use a smaller size")
            }
            return
        }
        var bytes = 0
        for (number, part) in planned.paths.dropLast().enumerated() where output.writer.onlyShards?.contains(number) ?? true {
            output.claimedFiles.append(part)
            bytes += planned.valueBytes?[number] ?? 0
        }
        // Every part of an --only-shards checkpoint writes the same index: the writer accepts one
        // that another part wrote with the same bytes, so it is not claimed by a part.
        if output.writer.onlyShards == nil { output.claimedFiles.append(index) }
        output.expectedBytes = bytes
    }

    /// Whether a convert input carries the model's structure a Keras target needs (a `.keras`,
    /// a full legacy `.h5`, ckpt's safetensors), read once per input. An input that cannot be
    /// opened counts as carrying one: its run fails with the reader's own error.
    private mutating func carriesModel(_ input: String) -> Bool {
        if let known = carriesModelByInput[input] { return known }
        let carries: Bool
        do {
            carries = try CheckpointReaders.open(path: input).modelConfig != nil
        } catch {
            carries = true
        }
        carriesModelByInput[input] = carries
        return carries
    }

    // MARK: Specs

    private static func planKey(_ spec: String, _ options: PlanOptions) -> String {
        "\(spec)\u{0}\(options.respectConfig)\u{0}\(options.dtype?.rawValue ?? "")\u{0}\(options.profile?.rawValue ?? "")\u{0}\(options.fans?.name ?? "")\u{0}\(options.rules?.identity ?? "")"
    }

    /// The model's plan, once per spec and options; nil when the spec does not plan.
    private mutating func plan(_ spec: String, options: PlanOptions) -> Plan? {
        let key = Self.planKey(spec, options)
        if let plan = plans[key] { return plan }
        if unplannable.contains(key) { return nil }
        guard let plan = try? Checkpoints.plan(specPath: spec, options: options) else {
            unplannable.insert(key)
            return nil
        }
        plans[key] = plan
        return plan
    }

    private mutating func specDigest(_ spec: String) -> String? {
        if let digest = specDigests[spec] { return digest }
        let digest = try? FileDigest.sha256(path: spec)
        specDigests[spec] = digest
        return digest
    }
}
