/// What each Keras layer class owns: its variables (names, shapes, save order, default initializers).
///
/// Facts from Keras 3.15.1 (`keras/src/layers/**`), see shared/reference/keras-formats.md §5.
/// The variables are returned in Keras' save order: trainable ones first, each in creation order.
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
        "Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
        "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
        "BatchNormalization", "LayerNormalization", "Embedding",
    ]

    /// The variables a layer owns, in save order. Nested models are handled by the planner.
    public static func variables(of layer: KerasLayer) throws(ModelError) -> [VariableSpec] {
        let className = layer.className
        if weightlessClasses.contains(className) || layer.isOperation { return [] }
        guard weightedClasses.contains(className) else {
            let hint = className == "Functional" || className == "Sequential" ? "" : nearest(className)
            throw ModelError("unknown layer class \"\(className)\" for \(layer.label); ckpt does not know which variables it owns\(hint)")
        }
        guard let input = layer.inputShape else {
            if layer.inputShapes.isEmpty {
                throw ModelError("\(layer.label) has no input shape: the JSON has neither build_config.input_shape nor inbound tensor shapes (build the model before to_json())")
            }
            throw ModelError("\(layer.label) takes \(layer.inputShapes.count) inputs; expected one")
        }
        let reader = ConfigReader(layer: layer)
        let activation = try reader.activation()
        switch className {
        case "Dense":
            let units = try reader.positiveInt("units")
            let inputDim = try reader.dimension(input, -1, "the last input dimension")
            var result = [VariableSpec("kernel", [inputDim, units], role: .kernel, initializerKey: "kernel_initializer",
                                       kerasDefault: "glorot_uniform", innerActivation: activation)]
            if try reader.bool("use_bias", default: true) {
                result.append(VariableSpec("bias", [units], role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
            }
            return result
        case "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose":
            let rank = Int(String(className.dropFirst(4).prefix(1))) ?? 2
            let transposed = className.hasSuffix("Transpose")
            let filters = try reader.positiveInt("filters")
            let kernel = try reader.intTuple("kernel_size", rank: rank)
            let channels = try reader.dimension(input, try reader.channelAxis(rank: rank), "the input channel dimension")
            let groups = transposed ? 1 : try reader.int("groups", default: 1)
            guard groups >= 1, channels % groups == 0, filters % groups == 0 else {
                throw ModelError("\(layer.label): groups=\(groups) must divide both the input channels (\(channels)) and filters (\(filters))")
            }
            let kernelShape = transposed ? kernel + [filters, channels] : kernel + [channels / groups, filters]
            var result = [VariableSpec("kernel", kernelShape, role: .kernel, initializerKey: "kernel_initializer",
                                       kerasDefault: "glorot_uniform", innerActivation: activation)]
            if try reader.bool("use_bias", default: true) {
                result.append(VariableSpec("bias", [filters], role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
            }
            return result
        case "DepthwiseConv1D", "DepthwiseConv2D":
            let rank = className == "DepthwiseConv1D" ? 1 : 2
            let multiplier = try reader.int("depth_multiplier", default: 1)
            guard multiplier >= 1 else { throw ModelError("\(layer.label): depth_multiplier must be at least 1") }
            let kernel = try reader.intTuple("kernel_size", rank: rank)
            let channels = try reader.dimension(input, try reader.channelAxis(rank: rank), "the input channel dimension")
            var result = [VariableSpec("kernel", kernel + [channels, multiplier], role: .depthwiseKernel,
                                       initializerKey: "depthwise_initializer", kerasDefault: "glorot_uniform",
                                       innerActivation: activation)]
            if try reader.bool("use_bias", default: true) {
                result.append(VariableSpec("bias", [channels * multiplier], role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
            }
            return result
        case "SeparableConv1D", "SeparableConv2D":
            let rank = className == "SeparableConv1D" ? 1 : 2
            let filters = try reader.positiveInt("filters")
            let multiplier = try reader.int("depth_multiplier", default: 1)
            guard multiplier >= 1 else { throw ModelError("\(layer.label): depth_multiplier must be at least 1") }
            let kernel = try reader.intTuple("kernel_size", rank: rank)
            let channels = try reader.dimension(input, try reader.channelAxis(rank: rank), "the input channel dimension")
            // The depthwise output feeds the pointwise convolution linearly.
            var result = [
                VariableSpec("depthwise_kernel", kernel + [channels, multiplier], role: .depthwiseKernel,
                             initializerKey: "depthwise_initializer", kerasDefault: "glorot_uniform", innerActivation: "linear"),
                VariableSpec("pointwise_kernel", Array(repeating: 1, count: rank) + [channels * multiplier, filters],
                             role: .pointwiseKernel, initializerKey: "pointwise_initializer", kerasDefault: "glorot_uniform",
                             innerActivation: activation),
            ]
            if try reader.bool("use_bias", default: true) {
                result.append(VariableSpec("bias", [filters], role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
            }
            return result
        case "BatchNormalization":
            let axes = try reader.axes(default: [-1], rank: input.count)
            guard axes.count == 1 else { throw ModelError("\(layer.label): BatchNormalization normalizes over one axis, got \(axes)") }
            let size = try reader.dimension(input, axes[0], "the normalized axis")
            var result: [VariableSpec] = []
            if try reader.bool("scale", default: true) {
                result.append(VariableSpec("gamma", [size], role: .gamma, initializerKey: "gamma_initializer", kerasDefault: "ones"))
            }
            if try reader.bool("center", default: true) {
                result.append(VariableSpec("beta", [size], role: .beta, initializerKey: "beta_initializer", kerasDefault: "zeros"))
            }
            result.append(VariableSpec("moving_mean", [size], role: .movingMean, trainable: false,
                                       initializerKey: "moving_mean_initializer", kerasDefault: "zeros"))
            result.append(VariableSpec("moving_variance", [size], role: .movingVariance, trainable: false,
                                       initializerKey: "moving_variance_initializer", kerasDefault: "ones"))
            return result
        case "LayerNormalization":
            let axes = try reader.axes(default: [-1], rank: input.count).sorted()
            var shape: [Int] = []
            for axis in axes { shape.append(try reader.dimension(input, axis, "normalized axis \(axis)")) }
            let rms = try reader.bool("rms_scaling", default: false)
            var result: [VariableSpec] = []
            if try reader.bool("scale", default: true) || rms {
                result.append(VariableSpec("gamma", shape, role: .gamma, initializerKey: "gamma_initializer", kerasDefault: "ones"))
            }
            if try reader.bool("center", default: true) && !rms {
                result.append(VariableSpec("beta", shape, role: .beta, initializerKey: "beta_initializer", kerasDefault: "zeros"))
            }
            return result
        case "Embedding":
            let inputDim = try reader.positiveInt("input_dim")
            let outputDim = try reader.positiveInt("output_dim")
            return [VariableSpec("embeddings", [inputDim, outputDim], role: .embeddings,
                                 initializerKey: "embeddings_initializer", kerasDefault: "uniform")]
        default:
            throw ModelError("\(layer.label): no catalog entry")
        }
    }

    /// A ", did you mean …?" hint naming the closest known classes.
    static func nearest(_ name: String) -> String {
        let known = weightlessClasses.union(weightedClasses)
        let scored = known.map { ($0, editDistance($0.lowercased(), name.lowercased())) }
            .filter { $0.1 <= max(2, name.count / 3) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        guard !scored.isEmpty else { return "" }
        return "; did you mean " + scored.prefix(3).map { "\"\($0.0)\"" }.joined(separator: " or ") + "?"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
