/// What each Keras layer class owns: its variables (names, shapes, save order, default initializers).
///
/// Facts from Keras 3.15.1 (`keras/src/layers/**`), listed in docs/layers.md (the layer keys:
/// docs/formats/keras-weights.md, "Layer keys"). The variables are returned in Keras' weight order
/// (`layer.trainable_weights + layer.non_trainable_weights`, which legacy `.h5` follows); each
/// one's `sublayer` says where it is saved in `.weights.h5`. Families live in `LayerCatalog+Core.swift` (Dense, EinsumDense,
/// convolutions, Embedding), `+Normalization.swift` (norms, PReLU, LayerScale), `+Recurrent.swift`
/// (RNNs and wrappers) and `+Attention.swift`.
public enum LayerCatalog {
    /// Layer classes that own no variables and that ckpt accepts as they are (``LayerRegistry``).
    public static let weightlessClasses: Set<String> = Set(LayerRegistry.all.values.filter { !$0.isWeighted }.map(\.className))

    /// Layer classes whose variables ckpt knows (``LayerRegistry``).
    public static let weightedClasses: Set<String> = Set(LayerRegistry.all.values.filter(\.isWeighted).map(\.className))

    /// The Python class a JSON class name deserializes to, when they differ: `saving_lib` keys
    /// layers by the Python class (`keras.layers.GroupQueryAttention` is `GroupedQueryAttention`).
    public static func pythonClassName(_ className: String) -> String {
        switch className {
        case "GroupQueryAttention": return "GroupedQueryAttention"
        default: return className
        }
    }

    /// The variables a layer owns, in Keras' weight order. Nested models are handled by the planner.
    public static func variables(of layer: KerasLayer) throws(ModelError) -> [VariableSpec] {
        if layer.isOperation { return [] }
        guard let descriptor = LayerRegistry.descriptor(layer.className) else {
            let className = layer.className
            let hint = className == "Functional" || className == "Sequential" ? "" : nearest(className)
            throw ModelError("unknown layer class \"\(className)\" for \(layer.label); ckpt does not know which variables it owns\(hint)")
        }
        return try descriptor.variables(layer)
    }

    /// The one input shape of a layer, or an error naming the layer.
    static func singleInputShape(_ layer: KerasLayer) throws(ModelError) -> [Int?] {
        guard let input = layer.inputShape else {
            if layer.inputShapes.isEmpty {
                throw ModelError("\(layer.label) has no input shape: the JSON has neither build_config.input_shape nor inbound tensor shapes (build the model before to_json())")
            }
            throw ModelError("\(layer.label) takes \(layer.inputShapes.count) inputs; expected one")
        }
        return input
    }

    /// A ", did you mean …?" hint naming the closest known classes.
    static func nearest(_ name: String) -> String {
        Suggestions.hint(name, among: weightlessClasses.union(weightedClasses).sorted())
    }
}
