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
    /// Keras `saving_lib` keys of the sub-layer that owns the variable inside the layer
    /// (`["cell"]` for an LSTM, `["forward_layer", "cell"]` in a Bidirectional, `["query_dense"]`
    /// in MultiHeadAttention); empty when the layer owns it directly. Variables are numbered
    /// `vars/0, 1, …` per sub-layer, in the order they appear.
    public var sublayer: [String]
    /// The variable's name below the layer in canonical names and legacy weight names
    /// (`kernel`, `forward_lstm/kernel`, `query/kernel`); defaults to `name`.
    public var nameInLayer: String
    /// For an LSTM-style bias with `unit_forget_bias`: the units; the planner fills the forget
    /// gate's slice [units, 2·units) with ones around the chosen initializer.
    public var unitForgetBias: Int?
    /// The variable's own dtype when it does not follow the layer's policy (Normalization's int32 `count`).
    public var dtype: DType?
    /// The config holding `initializerKey` when it is not the layer's own (a layer wrapped in
    /// Bidirectional or TimeDistributed keeps its initializers in its nested config).
    public var config: JSONObject?
    /// The class of the layer whose config `config` is (`LSTM` for the LSTM inside a
    /// Bidirectional): class-specific config keys (`unit_forget_bias`) are read as that class's.
    public var configClass: String?
    /// A custom layer's default initializer from a rules file, with its reason.
    var ruleDefault: (Initializer, String)?

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
        self.sublayer = []
        self.nameInLayer = name
        self.unitForgetBias = nil
        self.dtype = nil
        self.config = nil
        self.ruleDefault = nil
    }

    /// The spec with its fan semantics set.
    func with(_ semantics: FanSemantics) -> VariableSpec {
        var copy = self
        copy.fanSemantics = semantics
        return copy
    }

    /// The spec moved into a sub-layer: `keys` prepended to `sublayer`, `prefix` to `nameInLayer`.
    func inSublayer(_ keys: [String], name prefix: String) -> VariableSpec {
        var copy = self
        copy.sublayer = keys + sublayer
        copy.nameInLayer = prefix + "/" + nameInLayer
        return copy
    }
}
