/// One job of a batch, as written in a jobs file (paths not yet resolved, globs not yet expanded):
/// a model × seeds × formats × dtypes to initialize, or inputs × formats × dtypes to convert.
/// ``BatchPlanner`` expands it into outputs.
public struct BatchJob: Sendable {
    /// What the job does.
    public enum Kind: String, Sendable {
        /// Make checkpoints of a model (`{"init": "model.json", …}`).
        case initialize = "init"
        /// Convert existing checkpoints (`{"convert": "legacy/*.h5", …}`).
        case convert
    }

    /// What the job does.
    public var kind: Kind
    /// The job's number in its file, from 1.
    public var number: Int
    /// The model JSON: what `init` initializes; for `convert`, the structure of sources that carry none.
    public var spec: String?
    /// `convert`: the checkpoints to read, paths or glob patterns (`*`, `?`, `[…]`).
    public var inputs: [String] = []
    /// `init`: the seeds, one output each.
    public var seeds: [UInt64] = [0]
    /// The formats to write, one output each; empty to take the format from the output name.
    public var formats: [CheckpointFormat] = []
    /// The dtypes to write floating-point tensors in, one output each; empty for each tensor's own.
    public var dtypes: [DType] = []
    /// The output path pattern, with placeholders (`out/{name}/seed{seed}.{format}`).
    public var output: String
    /// The `{name}` placeholder's value instead of the spec's file name.
    public var name: String?
    /// Use the model JSON's own initializers (`init` only).
    public var respectConfig = false
    /// A framework's default initialization (`init` only; `"profile"`).
    public var profile: Profile?
    /// How fans are computed (`init` only; `"fans"`); nil for the default.
    public var fans: FanConvention?
    /// The rules file (`init` only; `"rules"`), as written in the job.
    public var rulesPath: String?
    /// The rules in force (loaded from `rulesPath` when the batch is planned, or given by `ckpt init`).
    public var rules: RuleSet?
    /// How the outputs are written (`compress`, `weights_only`, `keras_dialect`, `recipe`,
    /// `max_shard_size`, `only_shards`), passed whole to the writers; `overwrite` comes from
    /// `force` when the batch is planned.
    public var writer = WriterOptions()
    /// Replace existing outputs.
    public var force = false

    /// Creates a job; the other settings keep their defaults.
    public init(kind: Kind, number: Int, spec: String? = nil, inputs: [String] = [], output: String) {
        self.kind = kind
        self.number = number
        self.spec = spec
        self.inputs = inputs
        self.output = output
    }

    /// The folder pattern a job gets when its output is a folder (`out/`).
    static func defaultFileName(for kind: Kind) -> String {
        switch kind {
        case .initialize: return "{name}-seed{seed}.{format}"
        case .convert: return "{stem}.{format}"
        }
    }
}
