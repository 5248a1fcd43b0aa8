/// Output shapes of Keras layers, computed from their config and input shapes as Keras 3.15's
/// `compute_output_shape` does, for models whose JSON has no `build_config` (Keras 2 JSON,
/// compact specs, hand-written JSON). Shapes have the batch dimension first; nil is unknown.
///
/// Tested case by case against Keras itself (Fixtures/shapes/make_shape_fixtures.py).
enum ShapeInference {
    typealias Shape = [Int?]

    /// `a · b`, or an error naming the layer when it overflows: shape arithmetic on sizes from
    /// a model file never traps (so does every other operation here).
    static func mul(_ a: Int, _ b: Int, _ layer: KerasLayer) throws(ModelError) -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw tooLarge(layer) }
        return value
    }

    /// `a + b`, or an error naming the layer when it overflows.
    static func add(_ a: Int, _ b: Int, _ layer: KerasLayer) throws(ModelError) -> Int {
        let (value, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw tooLarge(layer) }
        return value
    }

    /// The product of `values`, checked.
    static func product(_ values: some Sequence<Int>, _ layer: KerasLayer) throws(ModelError) -> Int {
        var total = 1
        for value in values { total = try mul(total, value, layer) }
        return total
    }

    private static func tooLarge(_ layer: KerasLayer) -> ModelError {
        ModelError("\(layer.label): its output shape is too large (a size overflows a 64-bit integer)")
    }

    /// The output shapes of one call of `layer` on inputs of `inputs` shapes, by its class's
    /// ``LayerDescriptor/ShapeRule``.
    static func outputShapes(of layer: KerasLayer, inputs: [Shape], options: JSONObject = JSONObject()) throws(ModelError) -> [Shape] {
        guard let descriptor = LayerRegistry.descriptor(layer.className) else {
            throw ModelError("\(layer.label): ckpt cannot infer the output shape of \(layer.className) layers; give the layers after it a build_config (build the model in Keras before to_json())")
        }
        return try descriptor.outputShapes(of: layer, inputs: inputs, options: options)
    }

    /// The output shapes of the built-in classes whose rule is `.computed`, as Keras 3.15's
    /// `compute_output_shape` gives them.
    static func kerasOutputShapes(_ layer: KerasLayer, _ inputs: [Shape], _ options: JSONObject) throws(ModelError) -> [Shape] {
        let reader = ConfigReader(layer: layer)
        let name = layer.className
        func single() throws(ModelError) -> Shape {
            guard inputs.count == 1 else {
                throw ModelError("\(layer.label) takes one input, got \(inputs.count)")
            }
            return inputs[0]
        }
        switch name {
        case "InputLayer":
            guard let shape = layer.config["batch_shape"] ?? layer.config["batch_input_shape"] else {
                throw ModelError("\(layer.label) has no batch_shape")
            }
            return [try shapeValue(shape, layer, "batch_shape")]
        case "Dense":
            var shape = try single()
            guard !shape.isEmpty else { throw ModelError("\(layer.label): Dense needs an input of rank ≥ 1") }
            shape[shape.count - 1] = try reader.positiveInt("units")
            return [shape]
        case "EinsumDense":
            let analysis = try einsum(layer, input: try single())
            return [analysis.outputShape]
        case "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D":
            let rank = Int(String(name.filter(\.isNumber))) ?? 2
            let input = try single()
            try checkRank(input, rank + 2, layer)
            let channelsLast = try reader.channelAxis(rank: rank) == -1
            let channels: Int?
            if name.hasPrefix("Depthwise") {
                let axis = channelsLast ? input.count - 1 : 1
                let multiplier = try reader.int("depth_multiplier", default: 1)
                channels = try input[axis].map { (value: Int) throws(ModelError) -> Int in try mul(value, multiplier, layer) }
            } else {
                channels = try reader.positiveInt("filters")
            }
            let spatial = try convolutionOutput(input, rank: rank, channelsLast: channelsLast, reader: reader,
                                                kernelKey: "kernel_size", stridesDefault: 1)
            return [assemble(input[0], spatial, channels, channelsLast)]
        case "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose":
            let rank = Int(String(name.filter(\.isNumber))) ?? 2
            let input = try single()
            try checkRank(input, rank + 2, layer)
            let channelsLast = try reader.channelAxis(rank: rank) == -1
            let kernel = try reader.intTuple("kernel_size", rank: rank)
            let strides = try optionalTuple(reader, "strides", rank: rank) ?? Array(repeating: 1, count: rank)
            let dilation = try optionalTuple(reader, "dilation_rate", rank: rank) ?? Array(repeating: 1, count: rank)
            let outputPadding = try optionalTuple(reader, "output_padding", rank: rank, allowZero: true)
            let padding = try paddingMode(reader)
            let sizes = spatialDims(input, channelsLast)
            var spatial: Shape = []
            for i in 0..<rank {
                guard let length = sizes[i] else { spatial.append(nil); continue }
                let k = try add(kernel[i], mul(kernel[i] - 1, dilation[i] - 1, layer), layer)
                if let outputPadding {
                    let pad = padding == "same" ? k / 2 : 0
                    spatial.append(try add(add(mul(length - 1, strides[i], layer), k, layer), outputPadding[i] - 2 * pad, layer))
                } else {
                    spatial.append(try padding == "valid" ? add(mul(length, strides[i], layer), max(k - strides[i], 0), layer) : mul(length, strides[i], layer))
                }
            }
            return [assemble(input[0], spatial, try reader.positiveInt("filters"), channelsLast)]
        case let pooling where pooling.range(of: #"^(Max|Average|Avg)Pool(ing)?[123]D$"#, options: .regularExpression) != nil:
            let rank = Int(String(pooling.filter(\.isNumber))) ?? 2
            let input = try single()
            try checkRank(input, rank + 2, layer)
            let channelsLast = try reader.channelAxis(rank: rank) == -1
            let spatial = try convolutionOutput(input, rank: rank, channelsLast: channelsLast, reader: reader,
                                                kernelKey: "pool_size", stridesDefault: nil)
            return [assemble(input[0], spatial, input[channelsLast ? input.count - 1 : 1], channelsLast)]
        case let global where global.hasPrefix("Global"):
            let input = try single()
            guard input.count >= 3 else { throw ModelError("\(layer.label) needs an input of rank ≥ 3, got \(ShapeText.describe(input))") }
            let channelsLast = (layer.config["data_format"]?.string ?? "channels_last") == "channels_last"
            let channels = input[channelsLast ? input.count - 1 : 1]
            if try reader.bool("keepdims", default: false) {
                let ones = Array(repeating: Optional(1), count: input.count - 2)
                return [channelsLast ? [input[0]] + ones + [channels] : [input[0], channels] + ones]
            }
            return [[input[0], channels]]
        case "Flatten":
            let input = try single()
            let rest = input.dropFirst()
            let product: Int? = rest.contains(where: { $0 == nil }) ? nil : try Self.product(rest.map { $0! }, layer)
            return [[input[0], product]]
        case "Reshape":
            let input = try single()
            guard let target = layer.config["target_shape"]?.array else { throw reader.fail("target_shape", "a list of integers") }
            var shape: Shape = []
            for item in target {
                guard let value = item.int, value == -1 || value > 0 else { throw reader.fail("target_shape", "positive integers and at most one -1") }
                shape.append(value)
            }
            let unknown = shape.indices.filter { shape[$0] == -1 }
            guard unknown.count <= 1 else { throw reader.fail("target_shape", "at most one -1") }
            let known = input.dropFirst()
            let total: Int? = known.contains(where: { $0 == nil }) ? nil : try Self.product(known.map { $0! }, layer)
            let fixed = try Self.product(shape.compactMap { $0 }.filter { $0 > 0 }, layer)
            if let slot = unknown.first {
                if let total {
                    guard fixed > 0, total % fixed == 0 else {
                        throw ModelError("\(layer.label): cannot reshape \(ShapeText.describe(input)) to \(ShapeText.describe(shape))")
                    }
                    shape[slot] = total / fixed
                } else {
                    shape[slot] = nil
                }
            } else if let total, total != fixed {
                throw ModelError("\(layer.label): cannot reshape \(ShapeText.describe(input)) (\(total) values) to \(ShapeText.describe(shape))")
            }
            return [[input[0]] + shape]
        case "Permute":
            let input = try single()
            guard let dims = layer.config["dims"]?.array?.compactMap(\.int), dims.count == input.count - 1,
                  Set(dims) == Set(1..<input.count) else {
                throw reader.fail("dims", "a permutation of 1…\(input.count - 1)")
            }
            return [[input[0]] + dims.map { input[$0] }]
        case "RepeatVector":
            let input = try single()
            try checkRank(input, 2, layer)
            return [[input[0], try reader.positiveInt("n"), input[1]]]
        case "UpSampling1D", "UpSampling2D", "UpSampling3D":
            let rank = Int(String(name.filter(\.isNumber))) ?? 2
            let input = try single()
            try checkRank(input, rank + 2, layer)
            let channelsLast = (layer.config["data_format"]?.string ?? "channels_last") == "channels_last"
            let size = try reader.intTuple(rank == 1 ? "size" : "size", rank: rank)
            var spatial: Shape = []
            for (dim, s) in zip(spatialDims(input, channelsLast), size) { spatial.append(try dim.map { (d: Int) throws(ModelError) -> Int in try mul(d, s, layer) }) }
            return [assemble(input[0], spatial, input[channelsLast ? input.count - 1 : 1], channelsLast)]
        case "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D":
            let rank = Int(String(name.filter(\.isNumber))) ?? 2
            let input = try single()
            try checkRank(input, rank + 2, layer)
            let channelsLast = (layer.config["data_format"]?.string ?? "channels_last") == "channels_last"
            let key = name.hasPrefix("Zero") ? "padding" : "cropping"
            let amounts = try pairs(layer.config[key], rank: rank, layer: layer, key: key)
            let sign = name.hasPrefix("Zero") ? 1 : -1
            var spatial: Shape = []
            for (dim, pair) in zip(spatialDims(input, channelsLast), amounts) {
                guard let dim else { spatial.append(nil); continue }
                let size = try add(dim, sign * add(pair.0, pair.1, layer), layer)
                guard size >= 0 else { throw ModelError("\(layer.label): cropping \(pair) is larger than the input dimension \(dim)") }
                spatial.append(size)
            }
            return [assemble(input[0], spatial, input[channelsLast ? input.count - 1 : 1], channelsLast)]
        case "Concatenate":
            guard inputs.count >= 2 else { throw ModelError("\(layer.label) needs at least two inputs, got \(inputs.count)") }
            let rank = inputs[0].count
            let axisValue = try reader.int("axis", default: -1)
            let axis = axisValue < 0 ? axisValue + rank : axisValue
            guard axis >= 1, axis < rank, inputs.allSatisfy({ $0.count == rank }) else {
                throw ModelError("\(layer.label): cannot concatenate \(inputs.map(ShapeText.describe).joined(separator: ", ")) on axis \(axisValue)")
            }
            var result = inputs[0]
            for other in inputs.dropFirst() {
                for i in 0..<rank where i != axis {
                    if let a = result[i], let b = other[i], a != b {
                        throw ModelError("\(layer.label): incompatible shapes \(inputs.map(ShapeText.describe).joined(separator: " and ")) to concatenate on axis \(axisValue): dimension \(i) differs")
                    }
                    result[i] = result[i] ?? other[i]
                }
                result[axis] = result[axis].flatMap { a in other[axis].map { a + $0 } }
            }
            return [result]
        case "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum":
            guard inputs.count >= 2 else { throw ModelError("\(layer.label) needs at least two inputs, got \(inputs.count)") }
            if name == "Subtract" && inputs.count != 2 { throw ModelError("\(layer.label) takes exactly two inputs") }
            var result = inputs[0]
            for other in inputs.dropFirst() {
                guard let merged = broadcast(result, other) else {
                    throw ModelError("\(layer.label): incompatible shapes at the merge: \(inputs.map(ShapeText.describe).joined(separator: " and "))")
                }
                result = merged
            }
            return [result]
        case "Dot":
            guard inputs.count == 2 else { throw ModelError("\(layer.label) takes exactly two inputs") }
            let (a, b) = (inputs[0], inputs[1])
            let axes: (Int, Int)
            if let single = layer.config["axes"]?.int {
                axes = (single, single)
            } else if let list = layer.config["axes"]?.array?.compactMap(\.int), list.count == 2 {
                axes = (list[0], list[1])
            } else {
                throw reader.fail("axes", "an integer or two integers")
            }
            let ax = axes.0 < 0 ? axes.0 + a.count : axes.0, bx = axes.1 < 0 ? axes.1 + b.count : axes.1
            guard a.indices.contains(ax), b.indices.contains(bx) else {
                throw ModelError("\(layer.label): axes \(axes) out of range for \(ShapeText.describe(a)) and \(ShapeText.describe(b))")
            }
            if let x = a[ax], let y = b[bx], x != y {
                throw ModelError("\(layer.label): incompatible shapes \(ShapeText.describe(a)) and \(ShapeText.describe(b)) for a dot on axes \(axes)")
            }
            var result = Array(a.enumerated().filter { $0.offset != ax }.map(\.element))
            result += b.enumerated().filter { $0.offset != bx && $0.offset != 0 }.map(\.element)
            if result.count == 1 { result.append(1) }
            return [result]
        case "Embedding":
            return [try single() + [try reader.positiveInt("output_dim")]]
        case "SimpleRNN", "LSTM", "GRU":
            let input = try single()
            try checkRank(input, 3, layer)
            let units = try reader.positiveInt("units")
            return try recurrentOutputs(batch: input[0], steps: input[1], state: [units], layer: layer, reader: reader,
                                        states: name == "LSTM" ? 2 : 1)
        case "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D":
            let rank = Int(String(name.filter(\.isNumber))) ?? 2
            let input = try single()
            try checkRank(input, rank + 3, layer)
            let channelsLast = try reader.channelAxis(rank: rank) == -1
            let step = [input[0]] + Array(input.dropFirst(2))
            let spatial = try convolutionOutput(step, rank: rank, channelsLast: channelsLast, reader: reader,
                                                kernelKey: "kernel_size", stridesDefault: 1)
            let filters = try reader.positiveInt("filters")
            let state = Array(assemble(nil, spatial, filters, channelsLast).dropFirst())
            return try recurrentOutputs(batch: input[0], steps: input[1], state: state, layer: layer, reader: reader, states: 2)
        case "Bidirectional":
            let input = try single()
            let forward = try innerOutputShapes(of: layer, inputs: [input])
            let states = Array(forward.dropFirst())
            var first = forward[0]
            switch layer.config["merge_mode"] {
            case nil, .string("concat")?:
                first[first.count - 1] = try first[first.count - 1].map { (value: Int) throws(ModelError) -> Int in try mul(value, 2, layer) }
            case .null?:
                return [first, first] + states + states
            case .string("sum")?, .string("mul")?, .string("ave")?:
                break
            default:
                throw reader.fail("merge_mode", "\"concat\", \"sum\", \"mul\", \"ave\" or null")
            }
            return [first] + states + states
        case "TimeDistributed":
            let input = try single()
            guard input.count >= 3 else { throw ModelError("\(layer.label) needs an input of rank ≥ 3, got \(ShapeText.describe(input))") }
            let step = [input[0]] + Array(input.dropFirst(2))
            return try innerOutputShapes(of: layer, inputs: [step]).map { [$0[0], input[1]] + $0.dropFirst() }
        case "MultiHeadAttention", "GroupedQueryAttention", "GroupQueryAttention":
            guard inputs.count >= 2 else { throw ModelError("\(layer.label) takes query and value (and key), got \(inputs.count) input(s)") }
            var query = inputs[0]
            if let out = layer.config["output_shape"], !out.isNull {
                let extra = try shapeValue(out.array != nil ? out : .array([out]), layer, "output_shape")
                query = Array(query.dropLast()) + extra
            }
            return [query]
        case "Attention", "AdditiveAttention":
            guard inputs.count >= 2 else { throw ModelError("\(layer.label) takes [query, value] (and key), got \(inputs.count) input(s)") }
            var query = inputs[0]
            query[query.count - 1] = inputs[1].last ?? nil
            return [query]
        case "Resizing", "CenterCrop":
            let input = try single()
            try checkRank(input, 4, layer)
            let channelsLast = (layer.config["data_format"]?.string ?? "channels_last") == "channels_last"
            let size: Shape = [try reader.positiveInt("height"), try reader.positiveInt("width")]
            return [assemble(input[0], size, input[channelsLast ? 3 : 1], channelsLast)]
        default:
            // A class registered with this rule and no case here: LayerRegistryTests fails.
            throw ModelError("\(layer.label): ckpt has no shape rule for \(name) layers")
        }
    }

    /// Whether ckpt can compute `className`'s output shapes (op layers and custom layers it
    /// does not know are not).
    static func isKnown(_ className: String) -> Bool {
        LayerRegistry.descriptor(className)?.infersShape ?? false
    }

    /// An EinsumDense layer's equation analysed for `input`: its kernel, bias and output shapes
    /// (the catalog's variables and this file's output shape both come from here).
    static func einsum(_ layer: KerasLayer, input: Shape) throws(ModelError) -> EinsumEquation.Analysis {
        let reader = ConfigReader(layer: layer)
        guard let text = layer.config["equation"]?.string, let equation = EinsumEquation(text) else {
            throw reader.fail("equation", "an einsum equation ab,bc->ac, ...b,bc->...c or ab...,bc->ac...")
        }
        let partial = try LayerCatalog.outputShape(reader)
        var biasAxes: String?
        if let raw = layer.config["bias_axes"], !raw.isNull {
            guard let axes = raw.string else { throw reader.fail("bias_axes", "a string of output axes or null") }
            biasAxes = axes
        }
        return try equation.analyze(inputShape: input, partialOutput: partial, biasAxes: biasAxes, what: layer.label)
    }

    // MARK: - Helpers

    private static func shapeValue(_ value: JSONValue, _ layer: KerasLayer, _ key: String) throws(ModelError) -> Shape {
        guard let items = value.array else { throw ConfigReader(layer: layer).fail(key, "a list of integers or nulls") }
        var shape: Shape = []
        for item in items {
            if item.isNull { shape.append(nil); continue }
            guard let n = item.int, n >= 0 else { throw ConfigReader(layer: layer).fail(key, "a list of integers or nulls") }
            shape.append(n)
        }
        return shape
    }

    private static func checkRank(_ shape: Shape, _ rank: Int, _ layer: KerasLayer) throws(ModelError) {
        guard shape.count == rank else {
            throw ModelError("\(layer.label) needs an input of rank \(rank), got \(ShapeText.describe(shape))")
        }
    }

    private static func spatialDims(_ shape: Shape, _ channelsLast: Bool) -> Shape {
        channelsLast ? Array(shape.dropFirst().dropLast()) : Array(shape.dropFirst(2))
    }

    private static func assemble(_ batch: Int?, _ spatial: Shape, _ channels: Int?, _ channelsLast: Bool) -> Shape {
        channelsLast ? [batch] + spatial + [channels] : [batch, channels] + spatial
    }

    private static func paddingMode(_ reader: ConfigReader) throws(ModelError) -> String {
        let padding = reader.layer.config["padding"]?.string ?? "valid"
        guard ["valid", "same", "causal"].contains(padding) else { throw reader.fail("padding", "\"valid\", \"same\" or \"causal\"") }
        return padding
    }

    private static func optionalTuple(_ reader: ConfigReader, _ key: String, rank: Int, allowZero: Bool = false) throws(ModelError) -> [Int]? {
        guard let raw = reader.layer.config[key], !raw.isNull else { return nil }
        if let single = raw.int, single >= (allowZero ? 0 : 1) { return Array(repeating: single, count: rank) }
        guard let list = raw.array, list.count == rank else { throw reader.fail(key, "\(rank) integers") }
        var values: [Int] = []
        for item in list {
            guard let value = item.int, value >= (allowZero ? 0 : 1) else { throw reader.fail(key, "\(rank) integers") }
            values.append(value)
        }
        return values
    }

    /// Keras `compute_conv_output_shape` / pooling: valid ⌊(L − d(k−1) − 1)/s⌋ + 1, same and
    /// causal ⌊(L − 1)/s⌋ + 1. Pooling strides default to the pool size.
    private static func convolutionOutput(
        _ input: Shape, rank: Int, channelsLast: Bool, reader: ConfigReader, kernelKey: String, stridesDefault: Int?
    ) throws(ModelError) -> Shape {
        let kernel = try reader.intTuple(kernelKey, rank: rank)
        let strides = try optionalTuple(reader, "strides", rank: rank) ?? (stridesDefault.map { Array(repeating: $0, count: rank) } ?? kernel)
        let dilation = try optionalTuple(reader, "dilation_rate", rank: rank) ?? Array(repeating: 1, count: rank)
        let padding = try paddingMode(reader)
        var result: Shape = []
        for (i, length) in spatialDims(input, channelsLast).enumerated() {
            guard let length else { result.append(nil); continue }
            let size: Int
            if padding == "valid" {
                let span = length - (try mul(dilation[i], kernel[i] - 1, reader.layer)) - 1
                guard span >= 0 else {
                    throw ModelError("\(reader.layer.label): the input's spatial size \(length) is smaller than the \(kernelKey == "pool_size" ? "pool" : "kernel") (\(dilation[i] * (kernel[i] - 1) + 1)) with padding \"valid\"")
                }
                size = span / strides[i] + 1
            } else {
                size = (length - 1) / strides[i] + 1
            }
            result.append(size)
        }
        return result
    }

    /// `padding` / `cropping` as one (before, after) pair per spatial axis.
    private static func pairs(_ value: JSONValue?, rank: Int, layer: KerasLayer, key: String) throws(ModelError) -> [(Int, Int)] {
        let fail = ConfigReader(layer: layer).fail(key, "an integer, \(rank) integers or \(rank) pairs")
        guard let value, !value.isNull else { return Array(repeating: (1, 1), count: rank) }
        if let n = value.int { return Array(repeating: (n, n), count: rank) }
        guard let items = value.array else { throw fail }
        if rank == 1, items.count == 2, let a = items[0].int, let b = items[1].int { return [(a, b)] }
        guard items.count == rank else { throw fail }
        var result: [(Int, Int)] = []
        for item in items {
            if let n = item.int {
                result.append((n, n))
            } else if let pair = item.array, pair.count == 2, let a = pair[0].int, let b = pair[1].int {
                result.append((a, b))
            } else {
                throw fail
            }
        }
        return result
    }

    /// NumPy-style broadcasting of two shapes (the merge layers), nil when incompatible.
    static func broadcast(_ a: Shape, _ b: Shape) -> Shape? {
        let rank = max(a.count, b.count)
        let pa = Array(repeating: Optional(1), count: rank - a.count) + a
        let pb = Array(repeating: Optional(1), count: rank - b.count) + b
        var result: Shape = []
        for (x, y) in zip(pa, pb) {
            switch (x, y) {
            case (nil, nil): result.append(nil)
            case (nil, let v?), (let v?, nil): result.append(v == 1 ? nil : v)
            case (let u?, let v?):
                if u == v || v == 1 { result.append(u) } else if u == 1 { result.append(v) } else { return nil }
            }
        }
        return result
    }

    /// The outputs of a recurrent layer: the sequence or last output, then the states.
    private static func recurrentOutputs(
        batch: Int?, steps: Int?, state: Shape, layer: KerasLayer, reader: ConfigReader, states: Int
    ) throws(ModelError) -> [Shape] {
        let output: Shape = try reader.bool("return_sequences", default: false) ? [batch, steps] + state : [batch] + state
        guard try reader.bool("return_state", default: false) else { return [output] }
        return [output] + Array(repeating: [batch] + state, count: states)
    }

    /// The layer a wrapper (Bidirectional, TimeDistributed) holds, from its `layer` config.
    /// The output shapes of the layer a wrapper holds (its first, for Bidirectional), on
    /// `inputs`: a plain layer's, or a nested Sequential or Functional model's, inferred through
    /// its graph (wrappers inside it included, at any depth).
    static func innerOutputShapes(of wrapper: KerasLayer, inputs: [Shape]) throws(ModelError) -> [Shape] {
        let inner: KerasLayer
        if let first = wrapper.wrapped.first { inner = first.layer } else { inner = try wrapped(wrapper) }
        guard var model = inner.submodel else { return try outputShapes(of: inner, inputs: inputs) }
        guard let shapes = try ModelShapes.infer(&model, inputs: inputs) else {
            throw ModelError("\(wrapper.label): ckpt cannot infer the output shape of the \(inner.className) model it wraps (\(inner.label)); give the layers after it a build_config (build the model in Keras before to_json())")
        }
        return shapes
    }

    static func wrapped(_ layer: KerasLayer, key: String = "layer") throws(ModelError) -> KerasLayer {
        guard let inner = layer.config[key], let className = inner["class_name"]?.string,
              let config = inner["config"]?.object else {
            throw ConfigReader(layer: layer).fail(key, "a serialized layer {\"class_name\": …, \"config\": …}")
        }
        return KerasLayer(
            name: config["name"]?.string ?? "\(layer.name)/\(key)", className: className,
            module: inner["module"]?.string ?? "", registeredName: nil, config: config, inputShapes: [],
            inputShapeSource: "wrapper", calls: [], submodel: nil, jsonPath: "\(layer.jsonPath).config.\(key)")
    }
}
