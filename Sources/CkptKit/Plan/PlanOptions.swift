/// Choices that shape a plan.
public struct PlanOptions: Sendable {
    /// Use the initializers written in the model's JSON, exactly as Keras would, instead of ckpt's rules.
    public var respectConfig: Bool
    /// Write every floating-point tensor in this type instead of the layer's variable dtype.
    public var dtype: DType?

    /// Creates options.
    public init(respectConfig: Bool = false, dtype: DType? = nil) {
        self.respectConfig = respectConfig
        self.dtype = dtype
    }
}
