/// Dense, EinsumDense, the convolutions and Embedding.
extension LayerCatalog {
    static func coreVariables(_ layer: KerasLayer, input: [Int?], reader: ConfigReader) throws(ModelError) -> [VariableSpec] {
        let className = layer.className
        let activation = try reader.activation()
        switch className {
        case "Dense":
            let units = try reader.positiveInt("units")
            let inputDim = try reader.dimension(input, -1, "the last input dimension")
            var result = [VariableSpec("kernel", [inputDim, units], role: .kernel, initializerKey: "kernel_initializer",
                                       kerasDefault: "glorot_uniform", innerActivation: activation)
                .with(.dense(inputs: inputDim, outputs: units))]
            if try reader.bool("use_bias", default: true) {
                result.append(VariableSpec("bias", [units], role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
            }
            return result
        case "EinsumDense":
            let analysis = try ShapeInference.einsum(layer, input: input)
            func known(_ shape: [Int?], _ what: String) throws(ModelError) -> [Int] {
                let sizes = shape.compactMap { $0 }
                guard sizes.count == shape.count else {
                    throw ModelError("\(layer.label): the \(what) shape \(ShapeText.describe(shape)) has unknown dimensions (input shape \(ShapeText.describe(input)), output shape \(ShapeText.describe(analysis.outputShape)))")
                }
                return sizes
            }
            let kernelShape = try known(analysis.kernelShape, "kernel")
            let biasShape = try analysis.biasShape.map { (shape) throws(ModelError) in try known(shape, "bias") }
            var kernel = VariableSpec("kernel", kernelShape, role: .kernel, initializerKey: "kernel_initializer",
                                      kerasDefault: "glorot_uniform", innerActivation: activation)
                .with(.einsum(inputAxes: analysis.inputAxes, outputAxes: analysis.outputAxes))
            // Keras sets input_axes/output_axes on the kernel initializer from the equation.
            kernel.fanAxes = (analysis.inputAxes, analysis.outputAxes)
            var result = [kernel]
            if let bias = biasShape {
                result.append(VariableSpec("bias", bias, role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
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
            let semantics: FanSemantics = transposed
                ? .transposedConvolution(kernel: kernel, inputChannels: channels, outputChannels: filters,
                                         strides: (try? reader.intTuple("strides", rank: rank)) ?? Array(repeating: 1, count: rank))
                : .convolution(kernel: kernel, inputChannels: channels, outputChannels: filters, groups: groups)
            var result = [VariableSpec("kernel", kernelShape, role: .kernel, initializerKey: "kernel_initializer",
                                       kerasDefault: "glorot_uniform", innerActivation: activation).with(semantics)]
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
                                       innerActivation: activation)
                .with(.depthwise(kernel: kernel, channels: channels, multiplier: multiplier))]
            let outputs = try reader.product(channels, multiplier, "the output channels (channels × depth_multiplier)")
            if try reader.bool("use_bias", default: true) {
                result.append(VariableSpec("bias", [outputs], role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
            }
            return result
        case "SeparableConv1D", "SeparableConv2D":
            let rank = className == "SeparableConv1D" ? 1 : 2
            let filters = try reader.positiveInt("filters")
            let multiplier = try reader.int("depth_multiplier", default: 1)
            guard multiplier >= 1 else { throw ModelError("\(layer.label): depth_multiplier must be at least 1") }
            let kernel = try reader.intTuple("kernel_size", rank: rank)
            let channels = try reader.dimension(input, try reader.channelAxis(rank: rank), "the input channel dimension")
            let ones = Array(repeating: 1, count: rank)
            let depthwiseOutputs = try reader.product(channels, multiplier, "the depthwise output channels (channels × depth_multiplier)")
            // The depthwise output feeds the pointwise convolution linearly.
            var result = [
                VariableSpec("depthwise_kernel", kernel + [channels, multiplier], role: .depthwiseKernel,
                             initializerKey: "depthwise_initializer", kerasDefault: "glorot_uniform", innerActivation: "linear")
                    .with(.depthwise(kernel: kernel, channels: channels, multiplier: multiplier)),
                VariableSpec("pointwise_kernel", ones + [depthwiseOutputs, filters],
                             role: .pointwiseKernel, initializerKey: "pointwise_initializer", kerasDefault: "glorot_uniform",
                             innerActivation: activation)
                    .with(.convolution(kernel: ones, inputChannels: depthwiseOutputs, outputChannels: filters, groups: 1)),
            ]
            if try reader.bool("use_bias", default: true) {
                result.append(VariableSpec("bias", [filters], role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
            }
            return result
        case "Embedding":
            let inputDim = try reader.positiveInt("input_dim")
            let outputDim = try reader.positiveInt("output_dim")
            return [VariableSpec("embeddings", [inputDim, outputDim], role: .embeddings,
                                 initializerKey: "embeddings_initializer", kerasDefault: "uniform")
                .with(.embedding(vocabulary: inputDim, dim: outputDim))]
        default:
            throw ModelError("\(layer.label): no catalog entry")
        }
    }

    /// EinsumDense `output_shape`: an int or a list of ints and nulls (batch excluded).
    static func outputShape(_ reader: ConfigReader) throws(ModelError) -> [Int?] {
        let raw = reader.layer.config["output_shape"]
        if let single = raw?.int, single > 0 { return [single] }
        guard let list = raw?.array else { throw reader.fail("output_shape", "an integer or a list of integers and nulls") }
        var shape: [Int?] = []
        for item in list {
            if item.isNull { shape.append(nil); continue }
            guard let size = item.int, size > 0 else { throw reader.fail("output_shape", "an integer or a list of integers and nulls") }
            shape.append(size)
        }
        return shape
    }
}
