import ArgumentParser
import CkptKit

/// How tensors are initialized, shared by `init` and `plan`: `--fans`, `--profile`, `--rules`,
/// `--scheme` and `--rule`.
struct PlanningOptions: ParsableArguments {
    @Option(help: "How fans are computed: semantic (default; from what the layer does, recurrent gates one by one), semantic-packed (recurrent gates packed), keras, torch or jax (each framework's own rule on its own kernel layout). Default with --profile: that framework's; with --respect-config: keras.")
    var fans: ChoiceArgument<FanConvention>?

    @Option(help: "A framework's default initialization for every layer it knows (above --respect-config): keras, torch or flax for Keras models; hf (the default: the family's own _init_weights) or vllm-dummy (uniform ±1e-3) for a Hugging Face config.json.")
    var profile: ChoiceArgument<Profile>?

    @Option(name: .customLong("rules"), help: "A rules file (JSON): rules, depth-aware schemes and custom layers, above --profile (docs/rules.md).")
    var rulesFile: String?

    @Option(name: .customLong("scheme"), help: "A depth-aware scheme: gpt2_residual, fixup, t_fixup, deepnet, zero_gamma or zer_o, with parameters (gpt2_residual:n_layers=12); repeatable, after the rules file's.")
    var schemes: [String] = []

    @Option(name: .customLong("rule"), help: "GLOB=INITIALIZER[:key=value,...] over canonical tensor names ('head/*=zeros', '*/recurrent_kernel=orthogonal:gain=1.5'); repeatable, above everything else, later wins.")
    var rules: [String] = []

    /// The rules file and flags, read and checked; nil when none is given.
    func ruleSet() throws -> RuleSet? {
        guard rulesFile != nil || !schemes.isEmpty || !rules.isEmpty else { return nil }
        return try RuleSet.load(file: rulesFile, rules: rules, schemes: schemes)
    }

    /// The `--fans` value.
    func fanConvention() throws(UsageError) -> FanConvention? { try fans?.value() }

    /// The `--profile` value.
    func frameworkProfile() throws(UsageError) -> Profile? { try profile?.value() }

    /// `options` with `--fans` and `--profile` applied.
    func apply(to options: PlanOptions) throws -> PlanOptions {
        var result = options
        result.fans = try fanConvention()
        result.profile = try frameworkProfile()
        result.rules = try ruleSet()
        return result
    }

    /// Copies the options into a one-job batch.
    func apply(to job: inout BatchJob) throws {
        job.fans = try fanConvention()
        job.profile = try frameworkProfile()
        job.rules = try ruleSet()
    }
}
