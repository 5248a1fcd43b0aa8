/// One layer as the analysis pass runs it: its op, its own activation (`activation=`, or the
/// activation an Activation/ReLU/LeakyReLU/Softmax/ELU layer is) and its weights' variable
/// names in the op's order.
struct AnalysisLayer: Sendable {
    var op: AnalysisOp
    var activation: AnalysisActivation
    var variables: [String]
    /// Whether the layer takes integer ids (Embedding): no gradient flows to its input.
    var takesIntegers = false

    /// How BatchNormalization normalizes.
    enum BatchNormMode: String, Sendable, CaseIterable {
        /// The batch's statistics (Keras `training=True`).
        case batch
        /// The stored moving mean and variance.
        case inference
    }

    /// The analysis form of `layer`, or an error naming it and its class.
    static func make(_ layer: KerasLayer, batchNorm: BatchNormMode) throws(AnalysisError) -> AnalysisLayer {
        let r = LayerConfig(layer: layer)
        let name = layer.className
        let ownActivation = try r.activation()
        func withFormat(_ op: AnalysisOp) throws(AnalysisError) -> AnalysisOp {
            try r.channelsFirst() ? ChannelsFirstOp(inner: op) : op
        }
        switch name {
        case "InputLayer", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
             "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity":
            return AnalysisLayer(op: IdentityOp(), activation: .linear, variables: [])
        case "Activation":
            return AnalysisLayer(op: IdentityOp(), activation: ownActivation, variables: [])
        case "ReLU":
            let maxValue = try r.double("max_value") ?? .infinity
            return AnalysisLayer(op: IdentityOp(), activation: .relu(
                negativeSlope: Float(try r.double("negative_slope") ?? 0), maxValue: Float(maxValue),
                threshold: Float(try r.double("threshold") ?? 0)), variables: [])
        case "LeakyReLU":
            let alpha = try r.double("alpha")
            let slope = try r.double("negative_slope") ?? alpha ?? 0.3
            return AnalysisLayer(op: IdentityOp(), activation: .relu(negativeSlope: Float(slope), maxValue: .infinity, threshold: 0), variables: [])
        case "ELU":
            return AnalysisLayer(op: IdentityOp(), activation: .elu(alpha: Float(try r.double("alpha") ?? 1)), variables: [])
        case "Softmax":
            return AnalysisLayer(op: IdentityOp(), activation: .softmax(axis: try r.int("axis") ?? -1), variables: [])
        case "Dense":
            let bias = try r.bool("use_bias", true)
            return AnalysisLayer(op: DenseOp(useBias: bias), activation: ownActivation, variables: ["kernel"] + (bias ? ["bias"] : []))
        case "Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose":
            let rank = name.hasPrefix("Conv1D") ? 1 : 2
            let transposed = name.hasSuffix("Transpose")
            let groups = try r.int("groups") ?? 1
            guard groups >= 1, !transposed || groups == 1 else { throw .unsupported(layer, "groups = \(groups)") }
            if transposed, let padding = layer.config["output_padding"], !padding.isNull {
                throw .unsupported(layer, "output_padding is not supported yet")
            }
            let padding = try r.string("padding") ?? "valid"
            if padding == "causal" && (rank != 1 || transposed) { throw .unsupported(layer, "causal padding is for Conv1D only") }
            let bias = try r.bool("use_bias", true)
            let op = ConvolutionOp(rank: rank, kernelSize: try r.ints("kernel_size", rank: rank),
                                   strides: try r.ints("strides", rank: rank, default: 1),
                                   dilation: try r.ints("dilation_rate", rank: rank, default: 1),
                                   padding: padding, useBias: bias, transposed: transposed)
            let grouped: AnalysisOp = groups > 1 ? GroupedConvolutionOp(inner: op, groups: groups) : op
            return AnalysisLayer(op: try withFormat(grouped), activation: ownActivation, variables: ["kernel"] + (bias ? ["bias"] : []))
        case "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D":
            let rank = name.contains("1D") ? 1 : 2
            let separable = name.hasPrefix("Separable")
            let bias = try r.bool("use_bias", true)
            let padding = try r.string("padding") ?? "valid"
            guard padding == "valid" || padding == "same" else { throw .unsupported(layer, "padding \"\(padding)\"") }
            let op = DepthwiseConvolutionOp(rank: rank, kernelSize: try r.ints("kernel_size", rank: rank),
                                            strides: try r.ints("strides", rank: rank, default: 1),
                                            dilation: try r.ints("dilation_rate", rank: rank, default: 1),
                                            padding: padding, useBias: bias, separable: separable)
            let kernels = separable ? ["depthwise_kernel", "pointwise_kernel"] : ["kernel"]
            return AnalysisLayer(op: try withFormat(op), activation: ownActivation, variables: kernels + (bias ? ["bias"] : []))
        case "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D":
            let rank = name.hasSuffix("1D") ? 1 : 2
            let pool = try r.ints("pool_size", rank: rank, default: 2)
            let strides = layer.config["strides"].map { $0.isNull } ?? true ? pool : try r.ints("strides", rank: rank)
            let op = PoolingOp(rank: rank, poolSize: pool, strides: strides, padding: try r.string("padding") ?? "valid",
                               isMax: name.hasPrefix("Max"))
            return AnalysisLayer(op: try withFormat(op), activation: .linear, variables: [])
        case "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
             "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D":
            let keep = try r.bool("keepdims", false)
            let op = GlobalPoolingOp(isMax: name.hasPrefix("GlobalMax"), keepDims: keep)
            if try r.channelsFirst() {
                if keep { throw .unsupported(layer, "keepdims with channels_first is not supported yet") }
                return AnalysisLayer(op: ChannelsFirstOp(inner: op), activation: .linear, variables: [])
            }
            return AnalysisLayer(op: op, activation: .linear, variables: [])
        case "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D":
            let rank = name.hasSuffix("1D") ? 1 : (name.hasSuffix("2D") ? 2 : 3)
            let crop = name.hasPrefix("Cropping")
            let amounts = try r.pairs(crop ? "cropping" : "padding", rank: rank, default: crop ? 0 : 1)
            return AnalysisLayer(op: try withFormat(PadCropOp(amounts: amounts, crop: crop)), activation: .linear, variables: [])
        case "UpSampling1D", "UpSampling2D", "UpSampling3D":
            let rank = name.hasSuffix("1D") ? 1 : (name.hasSuffix("2D") ? 2 : 3)
            if let interpolation = try r.string("interpolation"), interpolation != "nearest" {
                throw .unsupported(layer, "interpolation \"\(interpolation)\" (only nearest is supported)")
            }
            let size = rank == 1 ? [try r.int("size") ?? 2] : try r.ints("size", rank: rank, default: 2)
            return AnalysisLayer(op: try withFormat(UpSamplingOp(size: size)), activation: .linear, variables: [])
        case "Flatten":
            return AnalysisLayer(op: ReshapeOp(target: nil, channelsFirst: try r.channelsFirst()), activation: .linear, variables: [])
        case "Reshape":
            guard let target = try r.intList("target_shape") else { throw .unsupported(layer, "no target_shape") }
            return AnalysisLayer(op: ReshapeOp(target: target), activation: .linear, variables: [])
        case "Permute":
            guard let dims = try r.intList("dims") else { throw .unsupported(layer, "no dims") }
            return AnalysisLayer(op: ReshapeOp(target: nil, permutation: dims.map { $0 - 1 }), activation: .linear, variables: [])
        case "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum":
            let kinds: [String: MergeOp.Kind] = ["Add": .add, "Subtract": .subtract, "Multiply": .multiply, "Average": .average,
                                                 "Maximum": .maximum, "Minimum": .minimum]
            return AnalysisLayer(op: MergeOp(kind: kinds[name]!), activation: .linear, variables: [])
        case "Concatenate":
            return AnalysisLayer(op: ConcatenateOp(axis: try r.int("axis") ?? -1), activation: .linear, variables: [])
        case "Rescaling":
            guard let scale = try r.double("scale") else { throw .unsupported(layer, "a per-channel scale is not supported yet") }
            return AnalysisLayer(op: RescalingOp(scale: Float(scale), offset: Float(try r.double("offset") ?? 0)), activation: .linear, variables: [])
        case "BatchNormalization":
            let axes = try r.axes()
            guard axes.count == 1 else { throw .unsupported(layer, "normalizing over several axes is not supported yet") }
            let scale = try r.bool("scale", true), center = try r.bool("center", true)
            let op = BatchNormalizationOp(axis: axes[0], epsilon: try r.double("epsilon") ?? 1e-3, scale: scale, center: center,
                                          batchStatistics: batchNorm == .batch)
            return AnalysisLayer(op: op, activation: .linear,
                                 variables: (scale ? ["gamma"] : []) + (center ? ["beta"] : []) + ["moving_mean", "moving_variance"])
        case "LayerNormalization":
            if try r.bool("rms_scaling", false) { throw .unsupported(layer, "rms_scaling is not supported yet") }
            var axes = try r.axes()
            guard let rank = layer.inputShape?.count else { throw .unsupported(layer, "its input shape is unknown") }
            axes = axes.map { $0 < 0 ? $0 + rank : $0 }.sorted()
            guard axes == Array((rank - axes.count)..<rank) else {
                throw .unsupported(layer, "normalizing over axes \(axes) that are not the trailing ones is not supported yet")
            }
            let scale = try r.bool("scale", true), center = try r.bool("center", true)
            let op = LayerNormalizationOp(trailingAxes: axes.count, epsilon: try r.double("epsilon") ?? 1e-3, scale: scale, center: center)
            return AnalysisLayer(op: op, activation: .linear, variables: (scale ? ["gamma"] : []) + (center ? ["beta"] : []))
        case "Normalization":
            if try r.bool("invert", false) { throw .unsupported(layer, "invert = true is not supported yet") }
            let axes = try r.axes()
            guard axes.count == 1 else { throw .unsupported(layer, "normalizing over several axes is not supported yet") }
            if let mean = layer.config["mean"]?.array?.compactMap(\.double), let variance = layer.config["variance"]?.array?.compactMap(\.double),
               !mean.isEmpty, mean.count == variance.count {
                // Statistics given in the config: Keras stores no variables for them.
                return AnalysisLayer(op: StandardizationOp(axis: axes[0], constants: (mean.map { Float($0) }, variance.map { Float($0) })),
                                     activation: .linear, variables: [])
            }
            return AnalysisLayer(op: StandardizationOp(axis: axes[0]), activation: .linear, variables: ["mean", "variance"])
        case "Embedding":
            return AnalysisLayer(op: EmbeddingOp(), activation: .linear, variables: ["embeddings"], takesIntegers: true)
        default:
            if layer.submodel != nil { throw .unsupported(layer, "nested models are not supported yet") }
            throw .unsupported(layer, "the analysis pass has no implementation of this class yet (docs/analyze.md lists the layers it runs)")
        }
    }
}

/// Config values read for the analysis pass, with errors naming the layer and the key.
struct LayerConfig {
    let layer: KerasLayer

    private func fail(_ key: String, _ expected: String) -> AnalysisError {
        let found = layer.config[key].map { JSONWriter.string($0, style: .compact) } ?? "nothing"
        return .unsupported(layer, "config \"\(key)\" should be \(expected), found \(found)")
    }

    func activation() throws(AnalysisError) -> AnalysisActivation {
        let name: String
        do { name = try ConfigReader(layer: layer).activation() } catch { throw AnalysisError(error.message) }
        guard let activation = AnalysisActivation(name: name) else { throw .unsupported(layer, "activation \"\(name)\" is not supported yet") }
        return activation
    }

    func channelsFirst() throws(AnalysisError) -> Bool {
        switch layer.config["data_format"]?.string ?? "channels_last" {
        case "channels_last": return false
        case "channels_first": return true
        default: throw fail("data_format", "channels_last or channels_first")
        }
    }

    func string(_ key: String) throws(AnalysisError) -> String? {
        guard let raw = layer.config[key], !raw.isNull else { return nil }
        guard let text = raw.string else { throw fail(key, "a string") }
        return text
    }

    func bool(_ key: String, _ value: Bool) throws(AnalysisError) -> Bool {
        guard let raw = layer.config[key], !raw.isNull else { return value }
        guard let flag = raw.bool else { throw fail(key, "true or false") }
        return flag
    }

    func int(_ key: String) throws(AnalysisError) -> Int? {
        guard let raw = layer.config[key], !raw.isNull else { return nil }
        guard let value = raw.int else { throw fail(key, "an integer") }
        return value
    }

    func double(_ key: String) throws(AnalysisError) -> Double? {
        guard let raw = layer.config[key], !raw.isNull else { return nil }
        guard let value = raw.double else { throw fail(key, "a number") }
        return value
    }

    /// `axis`: an int or a list of ints (default −1).
    func axes() throws(AnalysisError) -> [Int] {
        if let list = try intList("axis") { return list }
        return [try int("axis") ?? -1]
    }

    func intList(_ key: String) throws(AnalysisError) -> [Int]? {
        guard let list = layer.config[key]?.array else { return nil }
        var result: [Int] = []
        for item in list {
            guard let value = item.int else { throw fail(key, "a list of integers") }
            result.append(value)
        }
        return result
    }

    /// An int or `rank` ints.
    func ints(_ key: String, rank: Int, default value: Int? = nil) throws(AnalysisError) -> [Int] {
        guard let raw = layer.config[key], !raw.isNull else {
            if let value { return Array(repeating: value, count: rank) }
            throw fail(key, "\(rank) positive integers")
        }
        if let single = raw.int, single > 0 { return Array(repeating: single, count: rank) }
        guard let list = try intList(key), list.count == rank, list.allSatisfy({ $0 > 0 }) else { throw fail(key, "\(rank) positive integers") }
        return list
    }

    /// Padding or cropping amounts: an int, `rank` ints (symmetric), or `rank` pairs; a 1-D
    /// layer's pair is its one axis's (before, after).
    func pairs(_ key: String, rank: Int, default value: Int) throws(AnalysisError) -> [(Int, Int)] {
        guard let raw = layer.config[key], !raw.isNull else { return Array(repeating: (value, value), count: rank) }
        if let single = raw.int { return Array(repeating: (single, single), count: rank) }
        guard let list = raw.array else { throw fail(key, "an integer, or pairs of integers") }
        if rank == 1, list.count == 2, let a = list[0].int, let b = list[1].int { return [(a, b)] }
        guard list.count == rank else { throw fail(key, "\(rank) entries") }
        var result: [(Int, Int)] = []
        for item in list {
            if let single = item.int { result.append((single, single)); continue }
            guard let pair = item.array, pair.count == 2, let a = pair[0].int, let b = pair[1].int else {
                throw fail(key, "an integer, or pairs of integers")
            }
            result.append((a, b))
        }
        return result
    }
}
