/// A framework's default initialization (`--profile keras|torch|flax`): for each Keras layer class
/// and variable, what a user of that framework gets out of the box for the equivalent layer
/// (docs/initializers.md §4 "Profiles" and its "Framework defaults").
///
/// Precedence: built-in role defaults < activation table < `--respect-config` < profile. A
/// profile without an entry for a (class, variable) leaves it to the lower levels.
public enum Profile: String, Sendable, Hashable, CaseIterable {
    /// Keras 3: glorot_uniform kernels, zeros biases, RandomUniform(±0.05) embeddings, orthogonal
    /// recurrent kernels, LSTM unit forget bias, ones/zeros norms.
    case keras
    /// PyTorch: Linear/Conv `kaiming_uniform_(a=√5)` and bias U(±1/√fan_in), Embedding N(0, 1),
    /// RNN U(±1/√H), MultiheadAttention packed xavier_uniform, norms 1/0.
    case torch
    /// Flax linen: lecun_normal kernels, zeros biases, Embed N(0, 1/features), recurrent kernels
    /// orthogonal per gate, norms 1/0.
    case flax
    /// Hugging Face configs only: the family's own `_init_weights` (docs/huggingface.md), the
    /// default for them.
    case hf
    /// Hugging Face configs only: vLLM's dummy weights (`--load-format dummy`), every tensor
    /// uniform in [−1e-3, 1e-3].
    case vllmDummy = "vllm-dummy"

    /// Whether the profile applies to Hugging Face configs only.
    public var isHuggingFace: Bool { self == .hf || self == .vllmDummy }

    /// The fan convention the profile computes with unless `--fans` says otherwise.
    public var fanConvention: FanConvention {
        switch self {
        case .keras: return .keras
        case .torch: return .torch
        case .flax: return .jax
        case .hf, .vllmDummy: return .torch
        }
    }

    /// What the profile chose for one tensor.
    struct Choice {
        var initializer: Initializer
        /// Fans to use instead of the convention's (PyTorch's packed in_proj, Flax per-gate kernels).
        var fans: Fans?
        /// A whole-tensor fill to use instead of the initializer's own (Keras unit forget bias,
        /// Flax per-gate orthogonal).
        var fill: ValueFill?
        var reason: String
    }

    /// The profile's choice for `variable` of `layer` (whose variables are `siblings`), with fans
    /// under `convention`; nil when the profile has no entry for it.
    func choice(
        for variable: VariableSpec, layer: KerasLayer, siblings: [VariableSpec], convention: FanConvention
    ) throws(InitializerError) -> Choice? {
        let (className, config) = Profile.configOwner(of: variable, in: layer)
        let context = Context(
            profile: self, className: className, config: config, variable: variable, siblings: siblings,
            convention: convention)
        switch self {
        case .keras: return try context.keras()
        case .torch: return try context.torch()
        case .flax: return try context.flax()
        case .hf, .vllmDummy: return nil
        }
    }

    /// The class and config a wrapper (Bidirectional, TimeDistributed) applies, or the layer's own.
    /// The class and config that decide `variable`'s class-specific keys (`unit_forget_bias`):
    /// those of the layer whose config it carries (the LSTM in a Bidirectional: the planner has
    /// put that config in `layer`), else ``innerLayer(_:)``. Rules keep seeing the wrapper.
    static func configOwner(of variable: VariableSpec, in layer: KerasLayer) -> (String, JSONObject) {
        variable.configClass.map { ($0, layer.config) } ?? innerLayer(layer)
    }

    static func innerLayer(_ layer: KerasLayer) -> (String, JSONObject) {
        if ["Bidirectional", "TimeDistributed"].contains(layer.className),
           let inner = layer.config["layer"]?.object, let name = inner["class_name"]?.string {
            return (name, inner["config"]?.object ?? JSONObject())
        }
        return (layer.className, layer.config)
    }


    /// One tensor being decided.
    private struct Context {
        let profile: Profile
        let className: String
        let config: JSONObject
        let variable: VariableSpec
        let siblings: [VariableSpec]
        let convention: FanConvention

        /// What the class computes: the profile picks the framework module of that kind.
        var kind: LayerKind { LayerRegistry.kind(of: className) }
        var name: String { variable.name }
        var shape: [Int] { variable.shape }
        /// Where the variable sits below the layer, lower-cased (`query/kernel`, `attention_output/bias`).
        var place: String { (variable.sublayer + [variable.nameInLayer]).joined(separator: "/").lowercased() }

        func make(_ kind: Initializer.Kind, _ dialect: Initializer.Dialect, _ reason: String,
                  fans: Fans? = nil, fill: ValueFill? = nil) -> Choice {
            Choice(initializer: Initializer(kind, dialect: dialect), fans: fans, fill: fill,
                   reason: "profile \(profile.rawValue): \(reason)")
        }

        /// The variable's semantics, or when the catalog gives none, what the layer class implies.
        func semantics(of spec: VariableSpec) -> FanSemantics {
            if spec.fanSemantics != .shapeOnly { return spec.fanSemantics }
            let s = spec.shape
            guard s.count >= 2 else { return .shapeOnly }
            let kernel = Array(s.dropLast(2)), rows = s[s.count - 2], cols = s[s.count - 1]
            switch kind {
            case .dense where s.count == 2: return .dense(inputs: rows, outputs: cols)
            case .embedding: return .embedding(vocabulary: rows, dim: cols)
            case .depthwiseConvolution:
                return .depthwise(kernel: kernel, channels: rows, multiplier: cols)
            case .separableConvolution:
                return spec.role == .depthwiseKernel
                    ? .depthwise(kernel: kernel, channels: rows, multiplier: cols)
                    : .convolution(kernel: kernel, inputChannels: rows, outputChannels: cols, groups: 1)
            case .transposedConvolution:
                return .transposedConvolution(kernel: kernel, inputChannels: cols, outputChannels: rows, strides: [])
            case .convolution:
                let groups = max(1, config["groups"]?.int ?? 1)
                return .convolution(kernel: kernel, inputChannels: rows * groups, outputChannels: cols, groups: groups)
            default: return .shapeOnly
            }
        }

        func fans(of spec: VariableSpec) throws(InitializerError) -> Fans {
            try Fans.compute(shape: spec.shape, semantics: semantics(of: spec), convention: convention)
        }

        /// The kernel a bias belongs to: the last kernel of the same sub-layer.
        var kernelOfBias: VariableSpec? {
            siblings.last { $0.role.isKernel && $0.sublayer == variable.sublayer && $0.name != "recurrent_kernel" }
        }

        var units: Int? {
            if let units = config["units"]?.int { return units }
            if let filters = config["filters"]?.int { return filters }
            return nil
        }

        var isNormalizationVariable: Bool { kind == .normalization }

        /// Norm scale 1 / offset 0, moving mean 0 / variance 1 (every profile).
        func normalization(_ dialect: Initializer.Dialect) -> Choice? {
            switch name {
            case "gamma", "scale", "moving_variance":
                return make(.ones, dialect, "\(className) \(name) ones")
            case "beta", "bias", "offset", "moving_mean":
                return make(.zeros, dialect, "\(className) \(name) zeros")
            default: return nil
            }
        }

        /// Layers every profile keeps as Keras makes them (no framework equivalent, or not random).
        func common() -> Choice? {
            switch kind {
            case .statistics:
                switch name {
                case "variance": return make(.ones, .keras, "Normalization variance ones (as Keras; not random)")
                case "mean", "count": return make(.zeros, .keras, "Normalization \(name) zeros (as Keras; not random)")
                default: return nil
                }
            case .layerScale where name == "gamma":
                guard let value = config["init_values"]?.double else { return nil }
                return make(.constant(value: value), .keras, "LayerScale gamma = init_values (as Keras)")
            default: return nil
            }
        }

        var attentionProjection: (isOutput: Bool, inputs: Int, outputs: Int)? {
            guard kind == .attention, shape.count >= 2 else { return nil }
            if case .attention(let dim, let heads, let headDim, let isOutput) = variable.fanSemantics {
                return isOutput ? (true, heads * headDim, dim) : (false, dim, heads * headDim)
            }
            if place.contains("output") {
                return (true, shape.dropLast().reduce(1, *), shape[shape.count - 1])
            }
            return (false, shape[0], shape.dropFirst().reduce(1, *))
        }

        // MARK: keras

        func keras() throws(InitializerError) -> Choice? {
            if let common = common() { return common }
            if isNormalizationVariable, let norm = normalization(.keras) { return norm }
            if kind == .prelu && name == "alpha" { return make(.zeros, .keras, "PReLU alpha zeros") }
            if kind.gates == 4 && name == "bias",
               config["unit_forget_bias"]?.bool ?? true, let units = units, shape == [4 * units] {
                return make(.zeros, .keras, "\(className) bias zeros, unit_forget_bias: forget gate ones",
                            fill: .structured(.unitForgetBias(units: units, base: .constant(0))))
            }
            let initializer = try Initializer.keras(variable.kerasDefault)
            return Choice(initializer: initializer, fans: nil, fill: nil,
                          reason: "profile keras: \(className) \(variable.nameInLayer) \(initializer.name) (Keras default)")
        }

        // MARK: torch

        func torch() throws(InitializerError) -> Choice? {
            if let common = common() { return common }
            if isNormalizationVariable, let norm = normalization(.torch) { return norm }
            let sqrt5 = 5.0.squareRoot()
            let linearDefault = Initializer.Kind.kaimingUniform(a: sqrt5, mode: .fanIn, nonlinearity: .leakyRelu)
            func bias(fanIn: Double, _ what: String) -> Choice {
                let bound = fanIn > 0 ? 1 / fanIn.squareRoot() : 0
                return make(.randomUniform(minval: -bound, maxval: bound), .torch,
                            "\(what) bias U(±1/√fan_in), fan_in=\(NumberText.short(fanIn))")
            }
            if case .recurrent = kind {
                guard let units = units, units > 0 else { return nil }
                let bound = 1 / Double(units).squareRoot()
                let module = className == "SimpleRNN" ? "RNN" : className
                return make(.randomUniform(minval: -bound, maxval: bound), .torch,
                            "\(module) \(name) U(±1/√hidden_size), hidden_size=\(units)")
            }
            if let projection = attentionProjection {
                if name == "bias" { return make(.zeros, .torch, "MultiheadAttention \(projection.isOutput ? "out_proj" : "in_proj") bias zeros") }
                if projection.isOutput {
                    let fans = Fans(fanIn: Double(projection.inputs), fanOut: Double(projection.outputs))
                    return make(linearDefault, .torch, "MultiheadAttention out_proj weight kaiming_uniform(a=√5) (Linear default)", fans: fans)
                }
                // in_proj_weight (3E, E) gets xavier_uniform_ as one packed matrix.
                let packed = siblings.filter { $0.role.isKernel && $0.name == "kernel" }.reduce(0) { total, spec in
                    let place = (spec.sublayer + [spec.nameInLayer]).joined(separator: "/").lowercased()
                    if case .attention(_, let heads, let headDim, let isOutput) = spec.fanSemantics {
                        return isOutput ? total : total + heads * headDim
                    }
                    return place.contains("output") || spec.shape.count < 2 ? total : total + spec.shape.dropFirst().reduce(1, *)
                }
                let fans = Fans(fanIn: Double(projection.inputs), fanOut: Double(max(packed, projection.outputs)))
                return make(.xavierUniform(gain: 1), .torch,
                            "MultiheadAttention in_proj_weight xavier_uniform over the packed (\(Int(fans.fanOut)), \(projection.inputs))",
                            fans: fans)
            }
            switch kind {
            case _ where kind.isLinear:
                if variable.role.isKernel {
                    return make(linearDefault, .torch, "Linear weight kaiming_uniform(a=√5) = U(±1/√fan_in)", fans: try fans(of: variable))
                }
                if name == "bias", let kernel = kernelOfBias { return bias(fanIn: try fans(of: kernel).fanIn, "Linear") }
            case _ where kind.isConvolution || kind == .convolutionalRecurrent:
                let module = kind == .convolutionalRecurrent ? "Conv (no ConvLSTM in torch)" : "Conv"
                if variable.role.isKernel {
                    return make(linearDefault, .torch, "\(module) weight kaiming_uniform(a=√5) = U(±1/√fan_in)", fans: try fans(of: variable))
                }
                if name == "bias", let kernel = kernelOfBias { return bias(fanIn: try fans(of: kernel).fanIn, module) }
            case .embedding:
                if name == "embeddings" { return make(.randomNormal(mean: 0, stddev: 1), .torch, "Embedding weight N(0, 1)") }
                // A projection back onto the vocabulary (ReversibleEmbedding's reverse_embeddings):
                // a bias-free Linear.
                if variable.role.isKernel {
                    return make(linearDefault, .torch, "Linear weight kaiming_uniform(a=√5) = U(±1/√fan_in)", fans: try fans(of: variable))
                }
            case .prelu:
                if name == "alpha" { return make(.constant(value: 0.25), .torch, "PReLU weight 0.25") }
            default: break
            }
            return nil
        }

        // MARK: flax

        func flax() throws(InitializerError) -> Choice? {
            if let common = common() { return common }
            if isNormalizationVariable, let norm = normalization(.jax) { return norm }
            if name == "bias" { return make(.zeros, .jax, "\(className) bias zeros") }
            if case .recurrent(let gates) = kind, let units = units, units > 0 {
                if name == "recurrent_kernel" {
                    let inner = StructuredFill.orthogonal(gain: 1, flattening: .columnAxis(-1))
                    return make(.orthogonal(gain: 1, flattening: .columnAxis(-1)), .jax,
                                "\(className) recurrent kernel orthogonal per gate (\(gates) × (\(units), \(units)))",
                                fill: .structured(gates == 1 ? inner : .gates(count: gates, inner: inner)))
                }
                if name == "kernel", shape.count == 2 {
                    return make(.lecunNormal, .jax, "\(className) input kernel lecun_normal per gate (\(shape[0]), \(units))",
                                fans: Fans(fanIn: Double(shape[0]), fanOut: Double(units)))
                }
            }
            if kind == .convolutionalRecurrent, variable.role.isKernel {
                return make(.lecunNormal, .jax, "ConvLSTMCell packed conv kernel lecun_normal", fans: Fans.keras(shape: shape))
            }
            if let projection = attentionProjection {
                return make(.lecunNormal, .jax, "MultiHeadDotProductAttention DenseGeneral kernel lecun_normal",
                            fans: Fans(fanIn: Double(projection.inputs), fanOut: Double(projection.outputs)))
            }
            switch kind {
            case _ where kind.isLinear:
                if variable.role.isKernel { return make(.lecunNormal, .jax, "Dense kernel lecun_normal", fans: try fans(of: variable)) }
            case _ where kind.isConvolution:
                if variable.role.isKernel { return make(.lecunNormal, .jax, "Conv kernel lecun_normal", fans: try fans(of: variable)) }
            case .embedding:
                if name == "embeddings", shape.count == 2 {
                    // variance_scaling(1, "fan_in", "normal", out_axis=0) on (V, D): fans (D, D).
                    return make(.varianceScaling(scale: 1, mode: .fanIn, distribution: .untruncatedNormal), .jax,
                                "Embed embedding variance_scaling(1, fan_in, normal, out_axis=0) = N(0, 1/features)",
                                fans: Fans(fanIn: Double(shape[1]), fanOut: Double(shape[1])))
                }
                // The projection back onto the vocabulary: a Dense kernel.
                if variable.role.isKernel { return make(.lecunNormal, .jax, "Dense kernel lecun_normal", fans: try fans(of: variable)) }
            case .prelu:
                if name == "alpha" { return make(.constant(value: 0.01), .jax, "PReLU negative_slope 0.01") }
            default: break
            }
            return nil
        }
    }
}
