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

    /// The recipe an `init` output embeds, when its model plans.
    func recipe(of output: BatchOutput) -> String? {
        guard let key = output.planKey, let plan = plans[key], let seed = output.seed else { return nil }
        return plan.recipe(seed: seed, options: output.planOptions)
    }
}
