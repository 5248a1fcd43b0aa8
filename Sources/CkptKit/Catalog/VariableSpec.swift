/// One variable a layer owns, as the layer catalog describes it.
public struct VariableSpec: Sendable {
    /// Keras' variable name (`kernel`, `moving_mean`).
    public var name: String
    /// The variable's shape.
    public var shape: [Int]
    /// What the variable does.
    public var role: TensorRole
    /// Whether Keras creates it trainable (decides save order: trainable first).
    public var trainable: Bool
    /// The config key holding its initializer (`kernel_initializer`), when the layer has one.
    public var initializerKey: String?
    /// Keras' default initializer for it, as Keras writes it in JSON (`"glorot_uniform"`).
    public var kerasDefault: JSONValue
    /// For kernels: the activation the layer applies to this variable's output inside the layer,
    /// or nil when the output leaves the layer linearly and the consumers decide.
    public var innerActivation: String?
    /// Explicit (fan_in, fan_out) when Keras computes them from axes rather than the shape rule.
    public var fanAxes: (input: [Int], output: [Int])?
    /// What the variable does in the forward pass, for semantic fans.
    public var fanSemantics: FanSemantics

    init(
        _ name: String, _ shape: [Int], role: TensorRole, trainable: Bool = true,
        initializerKey: String?, kerasDefault: JSONValue, innerActivation: String? = nil
    ) {
        self.name = name
        self.shape = shape
        self.role = role
        self.trainable = trainable
        self.initializerKey = initializerKey
        self.kerasDefault = kerasDefault
        self.innerActivation = innerActivation
        self.fanAxes = nil
        self.fanSemantics = .shapeOnly
    }
}
