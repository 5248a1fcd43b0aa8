/// How a batch runs.
public struct BatchOptions: Sendable {
    /// Run only this part of the sorted outputs (`--shard K/N`).
    public var shard: ShardSelection?
    /// How many outputs are written at once, each on its own thread.
    public var threads: Int
    /// Replace existing outputs.
    public var force: Bool
    /// Skip outputs the report shows finished and unchanged; redo (and replace) the rest.
    public var resume: Bool
    /// The JSON Lines report to write (and, with `resume`, to read first).
    public var reportPath: String?
    /// Stop at the first failure (in-flight outputs are cancelled and removed).
    public var failFast: Bool
    /// Plan only (`--dry-run`): existing outputs are not refused by the planner but shown by
    /// ``BatchRunner/preview()`` as what the run would do with them.
    public var dryRun = false

    /// Creates options.
    public init(shard: ShardSelection? = nil, threads: Int = 1, force: Bool = false, resume: Bool = false,
                reportPath: String? = nil, failFast: Bool = false) {
        self.shard = shard
        self.threads = threads
        self.force = force
        self.resume = resume
        self.reportPath = reportPath
        self.failFast = failFast
    }
}

extension BatchOptions {
    /// The first rule these options break, or nil: the same rules for the CLI and for a program
    /// calling the library (``BatchPlanner/plan(_:options:)`` refuses such options).
    public var problem: String? {
        if threads < 1 { return "--threads must be at least 1, not \(threads)" }
        if resume && reportPath == nil { return "--resume needs --report FILE: the report of the run to continue" }
        if resume && force { return "--resume and --force disagree: --resume keeps finished outputs, --force replaces them" }
        return nil
    }
}
