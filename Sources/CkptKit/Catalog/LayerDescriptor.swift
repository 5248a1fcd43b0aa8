/// What ckpt knows about one Keras layer class, registered once in ``LayerRegistry``: its
/// family, what it computes (``LayerKind``, which decides its profile defaults and its roles in
/// the schemes), the variables it owns (and so their fan semantics and Keras defaults,
/// ``VariableSpec``), how its output shape is found, and the activation it applies. A new class
/// is one descriptor (for example `Catalog/Layers/ReversibleEmbedding.swift`) plus its line in
/// ``LayerRegistry/all``; every field is required, so a missing piece is a compile error. The
/// forward and backward operations of `ckpt analyze` get their place here.
///
/// A class that is not registered is an error naming it (with the nearest known names), never
/// another family's code.
public struct LayerDescriptor: Sendable {
    /// The catalog file that holds the class's variables.
    public enum Family: String, Sendable, CaseIterable {
        /// Dense, EinsumDense, convolutions, embeddings (`LayerCatalog+Core.swift`, `Layers/`).
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

    /// The output shapes of one call of a layer on inputs of the given shapes (batch first, nil
    /// unknown) with the call's plain keyword arguments (``KerasLayer/callOptions``), or an
    /// error naming the layer.
    public typealias ShapeFunction = @Sendable (KerasLayer, [[Int?]], JSONObject) throws(ModelError) -> [[Int?]]

    /// How the class's output shape is found.
    public enum ShapeRule: Sendable {
        /// The input's shape (activations, dropout, norms).
        case identity
        /// Computed from config and inputs as Keras's `compute_output_shape` does (built-in
        /// classes: ``ShapeInference``'s rules, tested against Keras).
        case computed(ShapeFunction)
        /// Not inferred by ckpt (a keras.applications helper layer): the layers after it need
        /// their `build_config`, as a model built in Keras has.
        case fromBuildConfig
    }

    /// The Keras class name (`Conv2D`).
    public let className: String
    public let family: Family
    /// What the class computes.
    public let kind: LayerKind
    public let shape: ShapeRule
    /// The variables a layer of this class owns, in Keras' weight order.
    let variables: @Sendable (KerasLayer) throws(ModelError) -> [VariableSpec]
    /// For an activation layer (and PReLU): the activation it applies, by ckpt's activation
    /// names (`relu`, `leaky_relu`); nil for a layer that applies none of its own.
    let activation: (@Sendable (KerasLayer) -> String)?

    /// Creates a descriptor.
    init(className: String, family: Family, kind: LayerKind, shape: ShapeRule,
         variables: @escaping @Sendable (KerasLayer) throws(ModelError) -> [VariableSpec],
         activation: (@Sendable (KerasLayer) -> String)? = nil) {
        self.className = className
        self.family = family
        self.kind = kind
        self.shape = shape
        self.variables = variables
        self.activation = activation
    }

    /// Whether the class owns variables.
    public var isWeighted: Bool { family != .weightless }

    /// The output shapes of one call of `layer` on `inputs` (with the call's `options`), by the
    /// class's rule.
    func outputShapes(of layer: KerasLayer, inputs: [[Int?]], options: JSONObject = JSONObject()) throws(ModelError) -> [[Int?]] {
        switch shape {
        case .identity:
            guard inputs.count == 1 else { throw ModelError("\(layer.label) takes one input, got \(inputs.count)") }
            return inputs
        case .computed(let function):
            return try function(layer, inputs, options)
        case .fromBuildConfig:
            throw ModelError("\(layer.label): ckpt cannot infer the output shape of \(className) layers; give the layers after it a build_config (build the model in Keras before to_json())")
        }
    }

    /// Whether ckpt computes the class's output shapes itself.
    public var infersShape: Bool {
        if case .fromBuildConfig = shape { return false }
        return true
    }
}

/// Every layer class ckpt knows, each once.
public enum LayerRegistry {
    /// The descriptors by class name.
    public static let all: [String: LayerDescriptor] = {
        var table: [String: LayerDescriptor] = [:]
        func register(_ descriptor: LayerDescriptor) {
            precondition(table[descriptor.className] == nil, "layer class \(descriptor.className) registered twice")
            table[descriptor.className] = descriptor
        }
        func add(_ names: [String], _ family: LayerDescriptor.Family, _ kind: LayerKind, _ shape: LayerDescriptor.ShapeRule,
                 activation: (@Sendable (KerasLayer) -> String)? = nil,
                 _ variables: @escaping @Sendable (KerasLayer) throws(ModelError) -> [VariableSpec]) {
            for name in names {
                register(LayerDescriptor(className: name, family: family, kind: kind, shape: shape, variables: variables,
                                         activation: activation))
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
        let keras = LayerDescriptor.ShapeRule.computed(ShapeInference.kerasOutputShapes)
        let core = single(LayerCatalog.coreVariables)

        add(["Dense"], .core, .dense, keras, core)
        add(["EinsumDense"], .core, .einsumDense, keras, core)
        add(["Embedding"], .core, .embedding, keras, core)
        add(["Conv1D", "Conv2D", "Conv3D"], .core, .convolution, keras, core)
        add(["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"], .core, .transposedConvolution, keras, core)
        add(["DepthwiseConv1D", "DepthwiseConv2D"], .core, .depthwiseConvolution, keras, core)
        add(["SeparableConv1D", "SeparableConv2D"], .core, .separableConvolution, keras, core)
        register(ReversibleEmbedding.descriptor)

        let norm = single(LayerCatalog.normalizationVariables)
        add(["BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization"],
            .normalization, .normalization, .identity, norm)
        add(["PReLU"], .normalization, .prelu, .identity, activation: { _ in "prelu" }, norm)
        add(["LayerScale"], .normalization, .layerScale, .identity, norm)
        add(["Normalization"], .normalization, .statistics, .identity) { (layer: KerasLayer) throws(ModelError) -> [VariableSpec] in
            // Given mean and variance, the layer holds them as constants, not variables.
            if let mean = layer.config["mean"], !mean.isNull { return [] }
            return try LayerCatalog.normalizationVariables(layer, input: try LayerCatalog.singleInputShape(layer),
                                                           reader: ConfigReader(layer: layer))
        }

        let recurrent = single(LayerCatalog.recurrentVariables)
        add(["SimpleRNN"], .recurrent, .recurrent(gates: 1), keras, recurrent)
        add(["GRU"], .recurrent, .recurrent(gates: 3), keras, recurrent)
        add(["LSTM"], .recurrent, .recurrent(gates: 4), keras, recurrent)
        add(["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"], .recurrent, .convolutionalRecurrent, keras, recurrent)
        add(["Bidirectional", "TimeDistributed"], .wrapper, .wrapper, keras, LayerCatalog.wrapperVariables)
        add(["MultiHeadAttention", "GroupQueryAttention", "GroupedQueryAttention"], .attention, .attention, keras,
            LayerCatalog.attentionVariables)
        add(["Attention", "AdditiveAttention"], .attention, .dotAttention, keras, LayerCatalog.dotAttentionVariables)

        // Activation layers, by the activation each applies.
        add(["Activation"], .weightless, .activation, .identity,
            activation: { layer in (try? ConfigReader(layer: layer).activation()) ?? "linear" }, none)
        add(["ReLU"], .weightless, .activation, .identity, activation: { layer in
            if let slope = layer.config["negative_slope"]?.double, slope != 0 { return "leaky_relu" }
            if layer.config["max_value"]?.double == 6 { return "relu6" }
            return "relu"
        }, none)
        add(["LeakyReLU"], .weightless, .activation, .identity, activation: { _ in "leaky_relu" }, none)
        add(["ELU"], .weightless, .activation, .identity, activation: { _ in "elu" }, none)
        add(["Softmax"], .weightless, .activation, .identity, activation: { _ in "softmax" }, none)

        add(["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
             "AlphaDropout", "ActivityRegularization", "Rescaling", "Identity", "UnitNormalization"],
            .weightless, .passThrough, .identity, none)
        add(["Masking"], .weightless, .other, .identity, none)
        // keras.applications.inception_resnet_v2: scales a residual branch, owns nothing.
        add(["CustomScaleLayer"], .weightless, .passThrough, .fromBuildConfig, none)
        add(["InputLayer"], .weightless, .input, keras, none)
        add(["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
             "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
             "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
             "UpSampling1D", "UpSampling2D", "UpSampling3D", "Flatten", "Reshape", "Permute", "RepeatVector",
             "Add", "Subtract", "Average", "Maximum", "Concatenate"],
            .weightless, .passThrough, keras, none)
        add(["GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
             "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
             "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
             "Multiply", "Minimum", "Dot", "Resizing", "CenterCrop"],
            .weightless, .other, keras, none)
        return table
    }()

    /// The descriptor of `className`, or nil for a class ckpt does not know.
    public static func descriptor(_ className: String) -> LayerDescriptor? { all[className] }

    /// What a layer of `className` computes (``LayerDescriptor/kind``; `.other` for a class ckpt
    /// does not know). Profiles, schemes and activation tracing decide by it, never by names.
    public static func kind(of className: String) -> LayerKind { all[className]?.kind ?? .other }
}
