/// What each Keras layer class owns: its variables (names, shapes, save order, default initializers).
///
/// Facts from Keras 3.15.1 (`keras/src/layers/**`), listed in docs/layers.md (the layer keys:
/// docs/formats/keras-weights.md, "Layer keys"). The variables are returned in Keras' weight order
/// (`layer.trainable_weights + layer.non_trainable_weights`, which legacy `.h5` follows); each
/// one's `sublayer` says where it is saved in `.weights.h5`. Families live in `LayerCatalog+Core.swift` (Dense, EinsumDense,
/// convolutions, Embedding), `+Normalization.swift` (norms, PReLU, LayerScale), `+Recurrent.swift`
/// (RNNs and wrappers) and `+Attention.swift`.
public enum LayerCatalog {
    /// Layer classes that own no variables and that ckpt accepts as they are.
    public static let weightlessClasses: Set<String> = [
        "InputLayer", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax",
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
        "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
        "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
        "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
        "UpSampling1D", "UpSampling2D", "UpSampling3D",
        "Flatten", "Reshape", "Permute", "RepeatVector",
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
        "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
        "Rescaling", "Resizing", "CenterCrop", "Identity", "Masking", "UnitNormalization",
        // keras.applications.inception_resnet_v2: scales a residual branch, owns nothing.
        "CustomScaleLayer",
    ]

    /// Layer classes whose variables ckpt knows.
    public static let weightedClasses: Set<String> = [
        "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
        "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Embedding",
        "BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization", "Normalization",
        "PReLU", "LayerScale",
        "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Bidirectional", "TimeDistributed",
        "MultiHeadAttention", "GroupQueryAttention", "GroupedQueryAttention", "Attention", "AdditiveAttention",
    ]

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
        let className = layer.className
        if weightlessClasses.contains(className) || layer.isOperation { return [] }
        guard weightedClasses.contains(className) else {
            let hint = className == "Functional" || className == "Sequential" ? "" : nearest(className)
            throw ModelError("unknown layer class \"\(className)\" for \(layer.label); ckpt does not know which variables it owns\(hint)")
        }
        switch className {
        case "Bidirectional", "TimeDistributed":
            return try wrapperVariables(layer)
        case "MultiHeadAttention", "GroupQueryAttention", "GroupedQueryAttention":
            return try attentionVariables(layer)
        case "Attention", "AdditiveAttention":
            return try dotAttentionVariables(layer)
        case "Normalization":
            // Given mean and variance, the layer holds them as constants, not variables.
            if let mean = layer.config["mean"], !mean.isNull { return [] }
        default:
            break
        }
        let input = try singleInputShape(layer)
        let reader = ConfigReader(layer: layer)
        switch className {
        case "Dense", "EinsumDense", "Embedding", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
             "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D":
            return try coreVariables(layer, input: input, reader: reader)
        case "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D":
            return try recurrentVariables(layer, input: input, reader: reader)
        default:
            return try normalizationVariables(layer, input: input, reader: reader)
        }
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
