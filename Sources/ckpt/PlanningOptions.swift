import ArgumentParser
import CkptKit

/// How tensors are initialized, shared by `init` and `plan`: `--fans` and `--profile`.
struct PlanningOptions: ParsableArguments {
    @Option(help: "How fans are computed: semantic (default; from what the layer does, recurrent gates one by one), semantic-packed (recurrent gates packed), keras, torch or jax (each framework's own rule on its own kernel layout). Default with --profile: that framework's; with --respect-config: keras.")
    var fans: String?

    @Option(help: "A framework's default initialization for every layer it knows: keras, torch or flax (above --respect-config).")
    var profile: String?

    /// The `--fans` value.
    func fanConvention() throws -> FanConvention? {
        guard let fans else { return nil }
        guard let convention = FanConvention(name: fans) else {
            throw UsageError("unknown --fans \"\(fans)\"; expected one of " + FanConvention.names.joined(separator: ", "))
        }
        return convention
    }

    /// The `--profile` value.
    func frameworkProfile() throws -> Profile? {
        guard let profile else { return nil }
        guard let known = Profile(rawValue: profile.lowercased()) else {
            throw UsageError("unknown --profile \"\(profile)\"; expected one of " + Profile.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return known
    }

    /// `options` with `--fans` and `--profile` applied.
    func apply(to options: PlanOptions) throws -> PlanOptions {
        var result = options
        result.fans = try fanConvention()
        result.profile = try frameworkProfile()
        return result
    }

    /// Copies the options into a one-job batch.
    func apply(to job: inout BatchJob) throws {
        job.fans = try fanConvention()
        job.profile = try frameworkProfile()
    }
}
