import Foundation

/// One output of a batch: one `Checkpoints.initialize` or `Checkpoints.convert` call, with
/// every path resolved and every placeholder filled.
public struct BatchOutput: Sendable {
    /// The output's position in the batch's list of every output sorted by ``sortKey``, from 0.
    /// `--shard K/N` runs the outputs with `id mod N == K − 1`.
    public internal(set) var id: Int = 0
    /// The job it comes from (its number in the jobs file, from 1) and the job's kind.
    public var job: Int
    public var kind: BatchJob.Kind
    /// The file to write, resolved against the jobs file's folder (for a sharded safetensors
    /// output, the name its shards and index are named after).
    public var path: String
    /// The output path as the job writes it, placeholders filled, normalized: the sort key.
    public var sortKey: String
    /// The format written.
    public var format: CheckpointFormat
    /// The dtype floating-point tensors are written in (nil: each tensor's own).
    public var dtype: DType?
    /// `init`: the seed.
    public var seed: UInt64?
    /// The model JSON (resolved): `init`'s model, or `convert`'s structure.
    public var spec: String?
    /// `convert`: the checkpoint read (resolved).
    public var input: String?
    /// Writer and plan options.
    public var respectConfig = false
    public var profile: Profile?
    public var fans: FanConvention?
    public var rules: RuleSet?
    /// How the output is written, passed whole to its writer; `overwrite` is the job's or the
    /// batch's `force`, or `--resume`.
    public var writer = WriterOptions()
    /// Whether it replaces existing files.
    public var overwrite: Bool { writer.overwrite }
    /// Every file the output claims: the path, and for a sharded safetensors output whose plan
    /// is known, its shard files (those it writes) and index.
    public var claimedFiles: [String] = []

    /// The first claimed file that exists already, if any.
    var existingFile: String? { claimedFiles.first(where: { FileManager.default.fileExists(atPath: $0) }) }
    /// The tensor bytes the output is expected to write (0 when unknown), for progress.
    public var expectedBytes = 0

    /// What determines the output's bytes besides the recipe, as the report records it.
    var settings = JSONObject()
    /// The key of the output's model plan in ``BatchPlan/plans`` (`init` outputs whose spec plans).
    var planKey: String?

    /// A short description for messages: `job 2 ("init") seed 3, npz`.
    var summary: String {
        var parts: [String] = []
        if let seed { parts.append("seed \(seed)") }
        if let input { parts.append(input) }
        parts.append(format.rawValue)
        if let dtype { parts.append(dtype.rawValue) }
        return "job \(job) (\"\(kind.rawValue)\") " + parts.joined(separator: ", ")
    }

    /// The plan options of an `init` output.
    var planOptions: PlanOptions { PlanOptions(respectConfig: respectConfig, dtype: dtype, fans: fans, profile: profile, rules: rules) }
}
