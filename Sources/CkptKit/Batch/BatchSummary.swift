/// What a batch run did: counts, bytes, time, every failure with its reason, and why it stopped
/// early, if it did. The report's last record is its JSON.
public struct BatchSummary: Sendable {
    /// One failed output.
    public struct Failure: Sendable {
        /// The output path.
        public var output: String
        /// The job it came from (number from 1).
        public var job: Int
        /// Why it failed.
        public var error: String
    }

    /// Why a run stopped before every output was done.
    public enum Stop: Sendable, Equatable {
        /// SIGINT or SIGTERM (the signal's number).
        case signal(Int32)
        /// `--fail-fast` after a failure.
        case failFast
        /// The report could not be written.
        case reportFailed
    }

    /// The jobs file.
    public var label: String
    /// The outputs of this run (all, or the `--shard` part).
    public var total: Int
    public var ok: Int
    public var failed: Int
    public var skipped: Int
    /// Outputs not started or cancelled by a stop (`--resume` does them).
    public var notRun: Int { total - ok - failed - skipped }
    /// Bytes written (on disk, the outputs that finished in this run).
    public var bytes: Int
    /// Seconds the run took.
    public var duration: Double
    /// Threads used.
    public var threads: Int
    /// The `--shard` part, if any.
    public var shard: ShardSelection?
    /// Every failure, in the order they happened.
    public var failures: [Failure]
    /// Why the run stopped early, if it did.
    public var stoppedBy: Stop?
    /// The report could not be written (the run stopped).
    public var reportError: String?

    /// The process exit status: 128 + the signal's number after a signal (130 SIGINT, 143
    /// SIGTERM), 1 when any output failed or the report could not be written, else 0.
    public var exitStatus: Int32 {
        if case .signal(let number) = stoppedBy { return 128 + number }
        return failed > 0 || reportError != nil || stoppedBy != nil ? 1 : 0
    }

    /// The summary record of the report.
    var json: JSONValue {
        var object = JSONObject()
        object["type"] = .string("summary")
        object["jobs_file"] = .string(label)
        object["outputs"] = .number(JSONNumber(total))
        object["ok"] = .number(JSONNumber(ok))
        object["failed"] = .number(JSONNumber(failed))
        object["skipped"] = .number(JSONNumber(skipped))
        object["not_run"] = .number(JSONNumber(notRun))
        object["bytes"] = .number(JSONNumber(bytes))
        object["duration"] = .number(JSONNumber(text: BatchRecord.seconds(duration)) ?? JSONNumber(duration))
        object["threads"] = .number(JSONNumber(threads))
        object["shard"] = shard.map { .string($0.description) } ?? .null
        object["stopped"] = stoppedBy.map { .string(Self.name(of: $0)) } ?? .null
        object["failures"] = .array(failures.map { failure in
            .object(JSONObject([("output", .string(failure.output)), ("job", .number(JSONNumber(failure.job))),
                                ("error", .string(failure.error))]))
        })
        return .object(object)
    }

    /// `SIGINT`, `SIGTERM`, `fail-fast`, `report`.
    public static func name(of stop: Stop) -> String {
        switch stop {
        case .signal(2): return "SIGINT"
        case .signal(15): return "SIGTERM"
        case .signal(1): return "SIGHUP"
        case .signal(let number): return "signal \(number)"
        case .failFast: return "fail-fast"
        case .reportFailed: return "report"
        }
    }
}
