/// The full list of tensors of a checkpoint, known before any value is generated.
public struct Plan: Sendable {
    /// The model's name.
    public var modelName: String
    /// One entry per tensor, in the order Keras saves them.
    public var entries: [PlanEntry]

    /// The names of every entry of the top-level `model.layers`, in order.
    public var topLevelLayers: [String]
    /// Warnings for the user (a rule that matches no tensor), one line each.
    public var warnings: [String] = []

    /// Total number of elements.
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.info.elementCount } }
    /// Total bytes of the tensors' values.
    public var byteCount: Int { entries.reduce(0) { $0 + $1.info.byteCount } }
}

/// One tensor of a plan: where it lives in each format, and how its values are made.
public struct PlanEntry: Sendable {
    /// Canonical name: the chain of layer names plus the variable name (`head/dense_1/bias`).
    public var name: String
    /// The dataset path in a Keras 3 `.weights.h5` file (`layers/conv2d/vars/0`).
    public var kerasPath: String
    /// The entry of the top-level model's `model.layers` that holds the tensor (the layer itself,
    /// or the nested model it is in): legacy `.h5` groups weights by it.
    public var topLevelLayer: String
    /// The owning layer's name and class.
    public var layer: String
    public var layerClass: String
    /// The variable below its layer (`kernel`, or `forward_lstm/kernel` inside a sub-layer).
    public var variable: String
    /// Shape and element type.
    public var shape: [Int]
    public var dtype: DType
    /// What the tensor does.
    public var role: TensorRole
    /// Whether Keras creates the variable trainable.
    public var trainable: Bool
    /// The fans the initializer uses.
    public var fans: Fans
    /// What the tensor does in its layer's forward pass (how `fans` can be derived).
    public var fanSemantics: FanSemantics = .shapeOnly
    /// The convention `fans` were computed with.
    public var fanConvention: FanConvention = .semantic
    /// False when the convention computes no fans for this tensor (PyTorch below 2-D, JAX at
    /// 1-D) and its initializer needs none; `fans` then holds Keras's shape rule and
    /// `ckpt plan --json` prints null.
    public var fansDefined = true
    /// The chosen initializer and how it makes this tensor's values.
    public var initializer: Initializer
    public var fill: ValueFill
    /// The distribution of an elementwise fill (nil for structured fills).
    public var distribution: Distribution? { fill.distribution }
    /// Why this initializer was chosen.
    public var reason: String
    /// The factor rules and schemes put on every value (already in `fill`); 1 when none.
    public var scale: Double = 1
    /// Rows (along the first axis) set to zero after the fill: an embedding's padding row, as
    /// transformers' `_init_weights` zeroes `weight[padding_idx]`. Empty for Keras models.
    public var zeroRows: [Int] = []
    /// Whether the tensor has Keras addresses (`kerasPath`, a legacy location); false for a
    /// Hugging Face model, whose tensors are addressed by name only.
    public var hasKerasAddress = true

    /// The tensor's name, shape and dtype.
    public var info: TensorInfo { TensorInfo(name: name, shape: shape, dtype: dtype) }

    /// The tensor's addresses in every format.
    public var layoutTensor: LayoutTensor {
        // Legacy weight names are the innermost layer's name plus the variable (Keras 3 variable.path
        // of a model rebuilt from JSON); they are only lookup keys inside the top-level layer's group.
        guard hasKerasAddress else { return LayoutTensor(info: info) }
        return LayoutTensor(info: info, kerasPath: kerasPath,
                     legacy: LegacyLocation(layer: topLevelLayer, weightName: "\(layer)/\(variable)", trainable: trainable))
    }
}

extension Plan {
    /// The layout writers need, with the model's JSON and the recipe when known.
    public func layout(modelConfig: String? = nil, recipe: String? = nil) -> CheckpointLayout {
        CheckpointLayout(tensors: entries.map(\.layoutTensor), topLevelLayers: topLevelLayers,
                         modelConfig: modelConfig, recipe: recipe)
    }
}
