/// A batch expanded and checked: every output sorted, and the ones this run makes.
public struct BatchPlan: Sendable {
    /// The jobs file's label (for messages and the report).
    public var label: String
    /// Every output of the batch, sorted by ``BatchOutput/sortKey`` (`id` is the position).
    public var outputs: [BatchOutput]
    /// The outputs this run makes: all, or the `--shard K/N` part.
    public var selected: [BatchOutput]
    /// The model plans of `init` outputs, by ``BatchOutput/planKey`` (for recipes on `--resume`).
    var plans: [String: Plan] = [:]
    /// With `BatchOptions.dryRun`: the error the run would stop with before any work (an
    /// output exists and is not to be replaced), which the planner otherwise throws.
    public internal(set) var refusal: BatchError?

    /// The plans' warnings (a rule that matches no tensor), each once, prefixed with the model file.
    public var warnings: [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for key in plans.keys.sorted() {
            guard let plan = plans[key] else { continue }
            let spec = key.split(separator: "\u{0}", maxSplits: 1).first.map(String.init) ?? ""
            for warning in plan.warnings where seen.insert(spec + warning).inserted {
                result.append("\(spec): \(warning)")
            }
        }
        return result
    }

    /// The recipe an `init` output embeds, when its model plans.
    func recipe(of output: BatchOutput) -> String? {
        guard let key = output.planKey, let plan = plans[key], let seed = output.seed else { return nil }
        return plan.recipe(seed: seed, options: output.planOptions)
    }
}
