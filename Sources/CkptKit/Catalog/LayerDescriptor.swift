/// What ckpt knows about one Keras layer class, registered once in ``LayerRegistry``: its
/// family, the variables it owns (and so their fan semantics and Keras defaults,
/// ``VariableSpec``), and how its output shape is found. The forward and backward operations of
/// `ckpt analyze` get their place here.
///
/// A class that is not registered is an error naming it (with the nearest known names), never
/// another family's code; a registered class that shape inference does not know fails
/// `LayerRegistryTests`.
public struct LayerDescriptor: Sendable {
    /// The catalog file that holds the class's variables.
    public enum Family: String, Sendable, CaseIterable {
        /// Dense, EinsumDense, convolutions, Embedding (`LayerCatalog+Core.swift`).
        case core
        /// Norms, PReLU, LayerScale (`LayerCatalog+Normalization.swift`).
        case normalization
        /// SimpleRNN, LSTM, GRU, ConvLSTM* (`LayerCatalog+Recurrent.swift`).
        case recurrent
        /// Bidirectional and TimeDistributed: their inner layers' variables.
        case wrapper
        /// MultiHeadAttention, GroupQueryAttention, Attention, AdditiveAttention (`+Attention.swift`).
        case attention
        /// Owns no variables (activations, pooling, reshaping, merges, dropout, …).
        case weightless
    }

    /// How the class's output shape is found.
    public enum ShapeRule: Sendable, Equatable {
        /// The input's shape (activations, dropout, norms).
        case identity
        /// Computed from config and inputs by ``ShapeInference`` as Keras's `compute_output_shape`.
        case inferred
        /// Not inferred by ckpt (a keras.applications helper layer): the layers after it need
        /// their `build_config`, as a model built in Keras has.
        case fromBuildConfig
    }

    /// The Keras class name (`Conv2D`).
    public let className: String
    public let family: Family
    public let shape: ShapeRule
    /// The variables a layer of this class owns, in Keras' weight order.
    let variables: @Sendable (KerasLayer) throws(ModelError) -> [VariableSpec]

    /// Whether the class owns variables.
    public var isWeighted: Bool { family != .weightless }
}

/// Every layer class ckpt knows, each once.
public enum LayerRegistry {
    /// The descriptors by class name.
    public static let all: [String: LayerDescriptor] = {
        var table: [String: LayerDescriptor] = [:]
        func add(_ names: [String], _ family: LayerDescriptor.Family, _ shape: LayerDescriptor.ShapeRule,
                 _ variables: @escaping @Sendable (KerasLayer) throws(ModelError) -> [VariableSpec]) {
            for name in names {
                precondition(table[name] == nil, "layer class \(name) registered twice")
                table[name] = LayerDescriptor(className: name, family: family, shape: shape, variables: variables)
            }
        }
        // One input shape, then the family's table.
        @Sendable func single(_ family: @escaping @Sendable (KerasLayer, [Int?], ConfigReader) throws(ModelError) -> [VariableSpec])
            -> @Sendable (KerasLayer) throws(ModelError) -> [VariableSpec] {
            { (layer: KerasLayer) throws(ModelError) -> [VariableSpec] in
                try family(layer, try LayerCatalog.singleInputShape(layer), ConfigReader(layer: layer))
            }
        }
        let none: @Sendable (KerasLayer) throws(ModelError) -> [VariableSpec] = { _ in [] }

        add(["Dense", "EinsumDense", "Embedding", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
             "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"],
            .core, .inferred, single(LayerCatalog.coreVariables))
        add(["BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization", "PReLU", "LayerScale"],
            .normalization, .identity, single(LayerCatalog.normalizationVariables))
        add(["Normalization"], .normalization, .identity) { (layer: KerasLayer) throws(ModelError) -> [VariableSpec] in
            // Given mean and variance, the layer holds them as constants, not variables.
            if let mean = layer.config["mean"], !mean.isNull { return [] }
            return try LayerCatalog.normalizationVariables(layer, input: try LayerCatalog.singleInputShape(layer),
                                                           reader: ConfigReader(layer: layer))
        }
        add(["SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"], .recurrent, .inferred,
            single(LayerCatalog.recurrentVariables))
        add(["Bidirectional", "TimeDistributed"], .wrapper, .inferred, LayerCatalog.wrapperVariables)
        add(["MultiHeadAttention", "GroupQueryAttention", "GroupedQueryAttention"], .attention, .inferred,
            LayerCatalog.attentionVariables)
        add(["Attention", "AdditiveAttention"], .attention, .inferred, LayerCatalog.dotAttentionVariables)

        add(["Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
             "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
             "Rescaling", "Identity", "Masking", "UnitNormalization"],
            .weightless, .identity, none)
        // keras.applications.inception_resnet_v2: scales a residual branch, owns nothing.
        add(["CustomScaleLayer"], .weightless, .fromBuildConfig, none)
        add(["InputLayer",
             "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
             "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
             "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
             "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
             "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
             "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
             "UpSampling1D", "UpSampling2D", "UpSampling3D", "Flatten", "Reshape", "Permute", "RepeatVector",
             "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
             "Resizing", "CenterCrop"],
            .weightless, .inferred, none)
        return table
    }()

    /// The descriptor of `className`, or nil for a class ckpt does not know.
    public static func descriptor(_ className: String) -> LayerDescriptor? { all[className] }
}
