import ArgumentParser
import CkptKit
import Dispatch
import Foundation

/// The options of every batch run: `ckpt batch`, and `ckpt init`/`ckpt convert` when they make
/// many outputs.
struct BatchRunOptions: ParsableArguments {
    @Option(help: "Write a JSON Lines report: one record per output as it finishes, then a summary.")
    var report: String?

    @Flag(help: "Continue the run the --report recorded: skip outputs it shows finished and unchanged (same settings, recipe and SHA-256), redo the rest.")
    var resume = false

    @Option(help: "How many outputs to write at once, each on its own thread (default: all cores).")
    var threads: Int?

    @Flag(help: "Stop at the first failure (outputs being written are cancelled and removed).")
    var failFast = false

    @Option(help: "Run part K of N (K from 1): the outputs, sorted by path, whose position mod N is K-1.")
    var shard: String?

    @Flag(help: "Write nothing; print each output this run would make as id<TAB>path<TAB>action (write, replace, skip, refuse), exactly as the run would decide. Exits 1 when the run would be refused.")
    var dryRun = false

    /// Whether any batch option was given (which makes `init`/`convert` a batch).
    var isUsed: Bool { report != nil || resume || threads != nil || failFast || shard != nil || dryRun }

    /// The library options, checked.
    func batchOptions(force: Bool) throws -> BatchOptions {
        var options = BatchOptions(threads: ProcessInfo.processInfo.activeProcessorCount, force: force,
                                   resume: resume, reportPath: report, failFast: failFast)
        if let threads { options.threads = threads }
        if let shard {
            guard let selection = ShardSelection(parsing: shard) else {
                throw UsageError("--shard \"\(shard)\" is not K/N with whole numbers 1 ≤ K ≤ N (K counts from 1)")
            }
            options.shard = selection
        }
        options.dryRun = dryRun
        // The library's rules, so the CLI and library callers agree.
        if let problem = options.problem { throw UsageError(problem) }
        return options
    }
}

extension Ckpt {
    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "batch",
            abstract: "Make or convert many checkpoints from a jobs file, in parallel, with progress, a report and resume.",
            discussion: """
                The jobs file is JSON ({"jobs": [...]}), JSON Lines (one job per line, .jsonl), or - to read \
                either from standard input. Every job is expanded into outputs and all of them are checked \
                before any work starts. SIGINT/SIGTERM stop cleanly (exit 130/143); --resume continues. \
                Schema and examples: docs/batch.md.
                """
        )

        @Argument(help: "The jobs file (JSON or JSON Lines), or - for standard input.")
        var jobs: String

        @OptionGroup var batch: BatchRunOptions

        @OptionGroup var reading: ReadingOptions

        @Flag(help: "Replace existing outputs.")
        var force = false

        @Flag(name: .shortAndLong, help: "Show no progress, and print nothing when every output succeeds.")
        var quiet = false

        func run() throws {
            reading.apply()
            try BatchCommand.run(batch, force: force, quiet: quiet) { try JobsFile.load(path: jobs) }
        }
    }
}

/// Runs a batch for `ckpt batch` and the many-output forms of `ckpt init` and `ckpt convert`.
enum BatchCommand {
    static func run(_ batch: BatchRunOptions, force: Bool, quiet: Bool, jobs: () throws -> JobsFile) throws {
        var status: Int32 = 0
        try reportingErrors {
            let options = try batch.batchOptions(force: force)
            let plan = try BatchPlanner.plan(try jobs(), options: options)
            for warning in plan.warnings { printError("ckpt: warning: \(warning)") }
            if options.dryRun {
                let runner = BatchRunner(plan: plan, options: options)
                for line in try runner.preview() {
                    print("\(line.output.id)\t\(line.output.path)\t\(line.action.rawValue)")
                }
                if let refusal = plan.refusal { throw refusal }
                return
            }
            let progress = BatchProgress(style: BatchProgress.styleForStandardError(quiet: quiet))
            let runner = BatchRunner(plan: plan, options: options, progress: progress)
            let summary = try Signals.cooperating({ runner.cancel(.signal($0)) }) { try runner.run() }
            report(summary, plan: plan, options: options, quiet: quiet)
            status = summary.exitStatus
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Prints the summary line (stdout) and every failure (stderr, one line each).
    private static func report(_ summary: BatchSummary, plan: BatchPlan, options: BatchOptions, quiet: Bool) {
        var counts = "\(summary.ok) ok, \(summary.failed) failed, \(summary.skipped) skipped"
        if summary.notRun > 0 { counts += ", \(summary.notRun) not run" }
        let part = options.shard.map { " (shard \($0) of \(plan.outputs.count))" } ?? ""
        let rate = summary.duration > 0 ? ", \(NumberText.bytes(Int(Double(summary.bytes) / summary.duration)))/s" : ""
        if !quiet || summary.exitStatus != 0 {
            print("batch: \(summary.total) outputs\(part): \(counts); wrote \(NumberText.bytes(summary.bytes)) in "
                + "\(String(format: "%.2f", summary.duration)) s\(rate)")
        }
        for failure in summary.failures {
            printError("ckpt: error: \(failure.output) (job \(failure.job)): \(failure.error)")
        }
        if let reportError = summary.reportError {
            printError("ckpt: error: \(reportError)")
        }
        if let stop = summary.stoppedBy, case .signal = stop {
            let next = options.reportPath.map { "continue with --resume --report \($0)" }
                ?? "without a --report a rerun cannot skip them (rerun with --force, and pass --report FILE to be able to --resume)"
            printError("ckpt: interrupted by \(BatchSummary.name(of: stop)): \(summary.ok + summary.skipped) of \(summary.total) outputs done; \(next)")
        } else if summary.stoppedBy == .failFast {
            printError("ckpt: stopped after the first failure (--fail-fast); \(summary.notRun) outputs not run")
        }
    }
}
