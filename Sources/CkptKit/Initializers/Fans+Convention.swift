/// Fans from a weight's role in its layer, under a convention (`--fans`, docs/initializers.md).
extension Fans {
    /// The fans of a tensor of Keras-layout `shape` that does `semantics` in its layer, as
    /// `convention` computes them.
    ///
    /// `.keras`, `.torch` and `.jax` reproduce each framework's own computation on the kernel as
    /// that framework lays it out (PyTorch: Linear (out, in), conv (C_out, C_in/g, k…),
    /// transposed conv (C_in, C_out/g, k…), depthwise (C·m, 1, k…), LSTM (gates·H, in); Flax:
    /// transposed conv (k…, C_in, C_out), depthwise (k…, 1, C·m), recurrent cells one Dense per
    /// gate, `Embed` with `out_axis=0`). `.semantic` gives the forward-pass fans. Throws, naming
    /// the convention and shape, when the framework itself refuses the tensor (PyTorch for fewer
    /// than 2 dimensions, JAX for 1 or fewer).
    public static func compute(shape: [Int], semantics: FanSemantics, convention: FanConvention) throws(InitializerError) -> Fans {
        func product(_ values: [Int]) -> Double { values.reduce(1.0) { $0 * Double($1) } }
        func torchRule(_ layout: [Int]) throws(InitializerError) -> Fans {
            guard layout.count >= 2 else {
                throw .fansUndefined(convention: "torch", shape: shape,
                                     reason: "PyTorch computes no fans for a tensor with fewer than 2 dimensions")
            }
            let rf = product(Array(layout.dropFirst(2)))
            return Fans(fanIn: Double(layout[1]) * rf, fanOut: Double(layout[0]) * rf)
        }
        func jaxRule(_ layout: [Int], inAxis: Int = -2, outAxis: Int = -1) throws(InitializerError) -> Fans {
            guard layout.count >= 2 else {
                throw .fansUndefined(convention: "jax", shape: shape,
                                     reason: "JAX computes no fans for a tensor with 1 or fewer dimensions (default in_axis)")
            }
            let inSize = Double(layout[inAxis < 0 ? inAxis + layout.count : inAxis])
            let outSize = Double(layout[outAxis < 0 ? outAxis + layout.count : outAxis])
            // jax/_src/nn/initializers.py _compute_fans: rf = numel / in / out (a float).
            let rf = inSize * outSize > 0 ? product(layout) / inSize / outSize : 0
            return Fans(fanIn: inSize * rf, fanOut: outSize * rf)
        }
        func axes(_ inputAxes: [Int], _ outputAxes: [Int]) throws(InitializerError) -> Fans {
            try Fans.keras(shape: shape, inputAxes: inputAxes, outputAxes: outputAxes)
        }
        /// The einsum kernel as a Linear over flattened axes: (∏out, ∏in, ∏other).
        func flattened(_ inputAxes: [Int], _ outputAxes: [Int]) throws(InitializerError) -> [Int] {
            let axesFans = try axes(inputAxes, outputAxes)
            let used = Set((inputAxes + outputAxes).map { $0 < 0 ? $0 + shape.count : $0 })
            let other = shape.indices.filter { !used.contains($0) }.map { shape[$0] }
            return [Int(axesFans.fanOut), Int(axesFans.fanIn), other.reduce(1, *)]
        }

        switch semantics {
        case .shapeOnly:
            switch convention {
            case .semantic, .keras: return Fans.keras(shape: shape)
            // A Keras (…, in, out) kernel is PyTorch's (out, in, …).
            case .torch:
                guard shape.count >= 2 else { return try torchRule(shape) }
                return try torchRule([shape[shape.count - 1], shape[shape.count - 2]] + shape.dropLast(2))
            case .jax: return try jaxRule(shape)
            }

        case .dense(let inputs, let outputs):
            return Fans(fanIn: Double(inputs), fanOut: Double(outputs))

        case .einsum(let inputAxes, let outputAxes):
            switch convention {
            case .semantic, .keras: return try axes(inputAxes, outputAxes)
            case .torch: return try torchRule(try flattened(inputAxes, outputAxes))
            case .jax:
                let linear = try flattened(inputAxes, outputAxes)
                return try jaxRule([linear[2], linear[1], linear[0]])
            }

        case .convolution(let kernel, let inputChannels, let outputChannels, let groups):
            let k = product(kernel), g = Double(max(1, groups))
            switch convention {
            case .semantic:
                return Fans(fanIn: Double(inputChannels) / g * k, fanOut: Double(outputChannels) / g * k)
            case .keras, .jax:
                return Fans(fanIn: Double(inputChannels) / g * k, fanOut: Double(outputChannels) * k)
            case .torch:
                return try torchRule([outputChannels, inputChannels / max(1, groups)] + kernel)
            }

        case .transposedConvolution(let kernel, let inputChannels, let outputChannels, let strides):
            let k = product(kernel)
            switch convention {
            case .semantic:
                // Each output position receives k/s taps per axis (at least 1) from every input channel.
                var taps = 1.0
                for (axis, size) in kernel.enumerated() {
                    let stride = axis < strides.count ? max(1, strides[axis]) : 1
                    taps *= max(1, Double(size) / Double(stride))
                }
                return Fans(fanIn: Double(inputChannels) * taps, fanOut: Double(outputChannels) * k)
            case .keras:  // kernel (k…, C_out, C_in): swapped
                return Fans.keras(shape: kernel + [outputChannels, inputChannels])
            case .torch:  // weight (C_in, C_out, k…): swapped
                return try torchRule([inputChannels, outputChannels] + kernel)
            case .jax:  // Flax ConvTranspose kernel (k…, C_in, C_out): not swapped
                return try jaxRule(kernel + [inputChannels, outputChannels])
            }

        case .depthwise(let kernel, let channels, let multiplier):
            let k = product(kernel)
            switch convention {
            case .semantic: return Fans(fanIn: k, fanOut: Double(multiplier) * k)
            case .keras: return Fans.keras(shape: kernel + [channels, multiplier])
            case .torch: return try torchRule([channels * multiplier, 1] + kernel)
            case .jax: return try jaxRule(kernel + [1, channels * multiplier])
            }

        case .attention(let modelDim, let heads, let headDim, let isOutput):
            let projected = heads * headDim
            let (fanIn, fanOut) = isOutput ? (projected, modelDim) : (modelDim, projected)
            switch convention {
            // Keras 3.15 EinsumDense passes the einsum axes; Flax DenseGeneral flattens to 2-D;
            // PyTorch's projections are Linear (out, in).
            case .semantic, .keras, .jax: return Fans(fanIn: Double(fanIn), fanOut: Double(fanOut))
            case .torch: return try torchRule([fanOut, fanIn])
            }

        case .recurrent(let inputs, let units, let gates, let kernel, let isRecurrentKernel):
            let rows = isRecurrentKernel ? units : inputs
            let k = product(kernel)
            let packed = Fans(fanIn: Double(rows) * k, fanOut: Double(gates * units) * k)
            let perGate = Fans(fanIn: Double(rows) * k, fanOut: Double(units) * k)
            switch convention {
            case .semantic(.perGate): return perGate
            case .semantic(.packed), .keras: return packed
            case .torch: return try torchRule([gates * units, rows] + kernel)
            // Flax LSTMCell/GRUCell/SimpleCell: one Dense (rows, units) per gate; ConvLSTMCell: one
            // packed Conv (k…, rows, 4·units).
            case .jax: return kernel.isEmpty ? try jaxRule([rows, units]) : try jaxRule(kernel + [rows, gates * units])
            }

        case .embedding(let vocabulary, let dim):
            switch convention {
            // A lookup reads one row: one input per output; each row feeds `dim` outputs.
            case .semantic: return Fans(fanIn: 1, fanOut: Double(dim))
            case .keras: return Fans.keras(shape: [vocabulary, dim])
            case .torch: return try torchRule([vocabulary, dim])
            // Flax Embed: variance_scaling(1, "fan_in", "normal", out_axis=0) on (V, D).
            case .jax: return try jaxRule([vocabulary, dim], inAxis: -2, outAxis: 0)
            }
        }
    }
}
