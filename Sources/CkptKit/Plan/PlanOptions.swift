/// Choices that shape a plan.
public struct PlanOptions: Sendable {
    /// Use the initializers written in the model's JSON, exactly as Keras would, instead of ckpt's rules.
    public var respectConfig: Bool
    /// Write every floating-point tensor in this type instead of the layer's variable dtype.
    public var dtype: DType?
    /// How fans are computed (`--fans`); nil means the default: the profile's framework when a
    /// profile is set, Keras's with `--respect-config`, otherwise semantic (per gate).
    public var fans: FanConvention?
    /// A framework's default initialization (`--profile`), above `--respect-config` in precedence.
    public var profile: Profile?
    /// A rules file, `--scheme` and `--rule` flags (docs/rules.md), above the profile in precedence.
    public var rules: RuleSet?

    /// Creates options.
    public init(respectConfig: Bool = false, dtype: DType? = nil, fans: FanConvention? = nil, profile: Profile? = nil, rules: RuleSet? = nil) {
        self.respectConfig = respectConfig
        self.dtype = dtype
        self.fans = fans
        self.profile = profile
        self.rules = rules
    }

    /// The fan convention in force when no tensor-specific choice overrides it.
    public var effectiveFans: FanConvention {
        if let fans { return fans }
        if let profile { return profile.fanConvention }
        return respectConfig ? .keras : .semantic
    }
}
