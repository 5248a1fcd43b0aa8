import Foundation

/// Runs a planned batch: the selected outputs in order, `options.threads` at a time, each one
/// `Checkpoints.initialize` or `Checkpoints.convert` call on a thread of its own (so memory is
/// that of `threads` single runs: a few MiB of buffers each).
///
/// A failing output does not stop the others (unless `failFast`); its writer has already
/// removed its temporary files. ``cancel(_:)`` (a signal handler calls it) stops the run: no
/// new output starts, and the ones being written notice between tensor pieces, throw
/// `CancellationError` and remove their temporary files. Every finished output is recorded in
/// the report as soon as it is done, so the report of a stopped run is valid and `--resume`
/// continues from it.
public final class BatchRunner: Sendable {
    let plan: BatchPlan
    let options: BatchOptions
    private let progress: (any BatchProgressObserver)?

    /// What the workers share: the next output, the tallies, the report.
    private struct State {
        var nextIndex = 0
        var stop: BatchSummary.Stop?
        var ok = 0
        var failed = 0
        var skipped = 0
        var bytes = 0
        var failures: [BatchSummary.Failure] = []
        var report: BatchReport?
        var reportError: BatchError?
        /// The records `--resume` continues from, by output identity.
        var previous: [String: BatchRecord] = [:]
    }
    private let state = LockedValue(State())

    /// Prepares to run `plan`, telling `progress` (if any) how it goes.
    public init(plan: BatchPlan, options: BatchOptions, progress: (any BatchProgressObserver)? = nil) {
        self.plan = plan
        self.options = options
        self.progress = progress
    }

    /// Stops the run (the first reason is kept). Safe from any thread.
    public func cancel(_ reason: BatchSummary.Stop) {
        state.withLock { if $0.stop == nil { $0.stop = reason } }
    }

    /// Whether the run is stopping.
    var isStopped: Bool { state.withLock { $0.stop != nil } }

    /// Runs every selected output and returns the summary (also the report's last record).
    /// Throws only when the report cannot be opened; failures of outputs are in the summary.
    public func run() throws(BatchError) -> BatchSummary {
        let started = Date()
        if let path = options.reportPath {
            let previous = try previousRecords()
            let report = try BatchReport(path: path, appending: options.resume)
            state.withLock { state in
                state.previous = previous
                state.report = report
            }
        }
        let outputs = plan.selected
        progress?.batchStarted(outputs: outputs.count, expectedBytes: outputs.reduce(0) { $0 + $1.expectedBytes })
        let workers = max(0, min(options.threads, outputs.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                work()
                group.leave()
            }
            // The main thread's size: the HDF5 and zip writers are not deep, but stay on the safe side.
            thread.stackSize = 8 << 20
            thread.start()
        }
        while group.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
            progress?.tick()
        }
        progress?.batchEnded()

        return state.withLock { state in
            let summary = BatchSummary(
                label: plan.label, total: outputs.count, ok: state.ok, failed: state.failed, skipped: state.skipped,
                bytes: state.bytes, duration: Date().timeIntervalSince(started), threads: workers, shard: options.shard,
                failures: state.failures, stoppedBy: state.stop, reportError: state.reportError?.description)
            if let report = state.report, state.reportError == nil {
                try? report.append(summary.json)
                report.synchronize()
            }
            return summary
        }
    }

    /// The records of the report `--resume` continues (none without `--resume`).
    func previousRecords() throws(BatchError) -> [String: BatchRecord] {
        guard options.resume, let path = options.reportPath else { return [:] }
        return try BatchReport.load(path: path)
    }

    // MARK: Workers

    private func work() {
        while let output = take() {
            process(output)
        }
    }

    private func take() -> BatchOutput? {
        state.withLock { state in
            guard state.stop == nil, state.nextIndex < plan.selected.count else { return nil }
            state.nextIndex += 1
            return plan.selected[state.nextIndex - 1]
        }
    }

    private func process(_ output: BatchOutput) {
        let started = Date()
        if options.resume, let record = state.withLock({ $0.previous[BatchPaths.identity(output.path)] }), var kept = unchanged(output, record) {
            kept.duration = Date().timeIntervalSince(started)
            finish(output, kept)
            return
        }
        progress?.outputStarted(output)
        var record = BatchRecord(output: output, status: .ok)
        do {
            try makeFolder(of: output.path)
            let files = try write(output, into: &record)
            try describe(files, into: &record)
        } catch is CancellationError {
            progress?.outputCancelled(output)
            return
        } catch {
            record.status = .failed
            record.error = TemporaryName.naming(targets: "\(error)")
            if options.failFast { cancel(.failFast) }
        }
        record.duration = Date().timeIntervalSince(started)
        finish(output, record)
    }

    /// Writes one output; returns its files and fills the record's counts and recipe.
    private func write(_ output: BatchOutput, into record: inout BatchRecord) throws -> [String] {
        let isCancelled: @Sendable () -> Bool = { [self] in isStopped }
        let progress = self.progress
        let id = output.id
        let onBytes: @Sendable (Int) -> Void = { count in progress?.output(id, wrote: count) }
        switch output.kind {
        case .initialize:
            guard let spec = output.spec, let seed = output.seed else { throw BatchError(source: plan.label, "internal: an init output without a spec") }
            var request = InitRequest(specPath: spec, outputPath: output.path, format: output.format, seed: seed,
                                      writerOptions: output.writer, planOptions: output.planOptions)
            request.isCancelled = isCancelled
            request.onBytes = onBytes
            let result = try Checkpoints.initialize(request)
            record.params = result.plan.parameterCount
            record.tensors = result.plan.entries.count
            record.recipe = try? JSONParser.parse(result.plan.recipe(seed: seed, options: output.planOptions))
            return result.files
        case .convert:
            guard let input = output.input else { throw BatchError(source: plan.label, "internal: a convert output without an input") }
            let source = Self.sourceFingerprint(input)
            var request = ConvertRequest(
                inputPath: input, outputPath: output.path, format: output.format, specPath: output.spec, dtype: output.dtype,
                writerOptions: output.writer)
            request.isCancelled = isCancelled
            request.onBytes = onBytes
            let result = try Checkpoints.convert(request)
            record.params = result.parameterCount
            record.tensors = result.tensorCount
            record.recipe = source
            return result.files
        }
    }

    /// Records the written files: one file, or a sharded output's shards and (as `path`) index.
    private func checksum(_ files: [String], into record: inout BatchRecord) throws {
        guard let main = files.last else { return }
        var total = 0
        if files.count > 1 {  // a sharded output: its parts, then the index
            var shards: [BatchRecord.Shard] = []
            for file in files.dropLast() {
                let size = BatchPaths.fileSize(file) ?? 0
                shards.append(BatchRecord.Shard(path: file, bytes: size, sha256: try FileDigest.sha256(path: file)))
                total += size
            }
            record.shards = shards
        }
        record.path = main
        record.sha256 = try FileDigest.sha256(path: main)
        record.bytes = total + (BatchPaths.fileSize(main) ?? 0)
    }

    /// Records the written files' paths and sizes, and their SHA-256 when a report keeps them.
    private func describe(_ files: [String], into record: inout BatchRecord) throws {
        if options.reportPath != nil {
            try checksum(files, into: &record)
            return
        }
        record.path = files.last
        record.bytes = files.reduce(0) { $0 + (BatchPaths.fileSize($1) ?? 0) }
    }

    private func finish(_ output: BatchOutput, _ record: BatchRecord) {
        state.withLock { state in
            switch record.status {
            case .ok:
                state.ok += 1
                state.bytes += record.bytes ?? 0
            case .skipped:
                state.skipped += 1
            case .failed:
                state.failed += 1
                state.failures.append(BatchSummary.Failure(output: output.path, job: output.job, error: record.error ?? "unknown error"))
            }
            if let report = state.report, state.reportError == nil {
                do throws(BatchError) {
                    try report.append(record.json)
                } catch {
                    state.reportError = error
                    if state.stop == nil { state.stop = .reportFailed }
                }
            }
            progress?.outputFinished(output, record.outcome)
        }
    }

    // MARK: Resume

    /// The record as `skipped` when the output is finished and unchanged: same settings, same
    /// recipe (init: what the spec plans to now; convert: the same source file, by size and
    /// modification time), and every file still hashes to what the record says.
    func unchanged(_ output: BatchOutput, _ record: BatchRecord) -> BatchRecord? {
        guard record.status == .ok || record.status == .skipped, let path = record.path, let sha256 = record.sha256,
              Self.compact(.object(record.settings)) == Self.compact(.object(output.settings)) else { return nil }
        let recipe: JSONValue?
        switch output.kind {
        case .initialize: recipe = plan.recipe(of: output).flatMap { try? JSONParser.parse($0) }
        case .convert: recipe = output.input.map(Self.sourceFingerprint)
        }
        guard let recipe, let recorded = record.recipe, Self.compact(recipe) == Self.compact(recorded) else { return nil }
        for shard in record.shards ?? [] where (try? FileDigest.sha256(path: shard.path)) != shard.sha256 {
            return nil
        }
        guard (try? FileDigest.sha256(path: path)) == sha256 else { return nil }
        var kept = record
        kept.status = .skipped
        kept.id = output.id
        kept.job = output.job
        kept.error = nil
        return kept
    }

    /// What a conversion's output depends on in its source: the path, size and modification time.
    static func sourceFingerprint(_ input: String) -> JSONValue {
        var object = JSONObject()
        object["source"] = .string(input)
        object["source_bytes"] = BatchPaths.fileSize(input).map { .number(JSONNumber($0)) } ?? .null
        object["source_modified"] = BatchPaths.modificationTime(input).map(JSONValue.string) ?? .null
        return .object(object)
    }

    private static func compact(_ value: JSONValue) -> String {
        JSONWriter.string(value, style: .compact)
    }

    /// Creates the output's folder (and its parents) when missing.
    private func makeFolder(of path: String) throws {
        let folder = BatchPaths.folder(of: path)
        guard !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) else { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: path, "cannot create the output folder \(folder): \(error.localizedDescription)")
        }
    }
}
