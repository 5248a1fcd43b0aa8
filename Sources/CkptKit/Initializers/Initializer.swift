/// An initializer: what it is called, its parameters, and how it fills a tensor once the fans
/// are known (Keras 3, PyTorch `torch.nn.init` and JAX `jax.nn.initializers` formulas, exactly).
///
/// `kind` says what the values are; `dialect` says which framework's name and parameter names
/// the initializer was written with (`uniform_(a, b)` and Keras `RandomUniform(minval, maxval)`
/// are the same kind). The catalog of names is in `Initializer+Names.swift` and docs/initializers.md.
public struct Initializer: Sendable, Hashable {
    /// Which initializer, with its parameters.
    public enum Kind: Sendable, Hashable {
        /// All zeros (`zeros`, `zero`, `zeros_`).
        case zeros
        /// All ones (`ones`, `one`, `ones_`).
        case ones
        /// All `value` (`constant`, `constant_(val)`).
        case constant(value: Double)
        /// U(minval, maxval) (`random_uniform`, `uniform_(a, b)`, JAX `uniform(scale)` = U[0, scale)).
        case randomUniform(minval: Double, maxval: Double)
        /// N(mean, stddev²) (`random_normal`, `normal_(mean, std)`, JAX `normal(stddev)`).
        case randomNormal(mean: Double, stddev: Double)
        /// N(mean, stddev²) cut at mean ± 2·stddev, with no variance correction (Keras `truncated_normal`).
        case truncatedNormal(mean: Double, stddev: Double)
        /// N(mean, stddev²) cut at the absolute bounds [low, high], no variance correction
        /// (PyTorch `trunc_normal_(mean, std, a, b)`; JAX `truncated_normal(stddev, lower, upper)`
        /// with low = lower·stddev, high = upper·stddev).
        case truncatedNormalRange(mean: Double, stddev: Double, low: Double, high: Double)
        /// Variance scaling (`variance_scaling`).
        case varianceScaling(scale: Double, mode: FanMode, distribution: VarianceScalingDistribution)
        /// Variance scaling (1, fan_avg, uniform).
        case glorotUniform
        /// Variance scaling (1, fan_avg, truncated normal).
        case glorotNormal
        /// Variance scaling (2, fan_in, uniform).
        case heUniform
        /// Variance scaling (2, fan_in, truncated normal).
        case heNormal
        /// Variance scaling (1, fan_in, uniform).
        case lecunUniform
        /// Variance scaling (1, fan_in, truncated normal).
        case lecunNormal
        /// PyTorch `xavier_uniform_(gain)`: U(±gain·√(6/(fan_in + fan_out))).
        case xavierUniform(gain: Double)
        /// PyTorch `xavier_normal_(gain)`: untruncated N(0, gain²·2/(fan_in + fan_out)).
        case xavierNormal(gain: Double)
        /// PyTorch `kaiming_uniform_(a, mode, nonlinearity)`: U(±gain·√(3/fan)), gain = calculate_gain(nonlinearity, a).
        case kaimingUniform(a: Double, mode: FanMode, nonlinearity: Nonlinearity)
        /// PyTorch `kaiming_normal_(a, mode, nonlinearity)`: untruncated N(0, gain²/fan).
        case kaimingNormal(a: Double, mode: FanMode, nonlinearity: Nonlinearity)
        /// Orthogonal times `gain` (QR with the sign correction) on the tensor flattened as
        /// `flattening` says: Keras `Orthogonal`, PyTorch `orthogonal_`, JAX `orthogonal(column_axis)`.
        case orthogonal(gain: Double, flattening: OrthogonalFlattening = .keras)
        /// `gain` on the diagonal of a 2-D tensor (Keras `Identity`, PyTorch `eye_` with gain 1).
        case identity(gain: Double)
        /// PyTorch `dirac_(groups)`: identity through a 3/4/5-D convolution kernel.
        case dirac(groups: Int)
        /// JAX `delta_orthogonal(scale)`: an orthogonal (C_in, C_out) at the kernel centre.
        case deltaOrthogonal(gain: Double)
        /// PyTorch `sparse_(sparsity, std)`: N(0, std²) with a fraction `sparsity` of each unit's connections 0.
        case sparse(sparsity: Double, std: Double)
        /// ZerO (Zhao et al. 2022): deterministic identity/Hadamard matrices.
        case zerO
    }

    /// Which framework's names an initializer was written with: decides its `name`, the names of
    /// its parameters, and which meaning an ambiguous name has (JAX `uniform` is U[0, scale);
    /// JAX `variance_scaling(distribution="normal")` is untruncated).
    public enum Dialect: String, Sendable, Hashable, CaseIterable {
        /// Keras 3 (`keras.initializers`), the default.
        case keras
        /// PyTorch (`torch.nn.init`).
        case torch
        /// JAX (`jax.nn.initializers`, which Flax re-exports).
        case jax
    }

    /// Which fan a variance-scaling initializer divides by.
    public enum FanMode: String, Sendable, Hashable, CaseIterable {
        /// Divide by fan_in.
        case fanIn = "fan_in"
        /// Divide by fan_out.
        case fanOut = "fan_out"
        /// Divide by (fan_in + fan_out)/2.
        case fanAvg = "fan_avg"
        /// Divide by √(fan_in·fan_out) (JAX only).
        case fanGeoAvg = "fan_geo_avg"
    }

    /// The distribution family of a variance-scaling initializer (Keras names).
    public enum VarianceScalingDistribution: String, Sendable, Hashable, CaseIterable {
        /// Truncated at ±2σ, σ corrected by 0.87962566103423978 so the result has the target std.
        /// Keras's `"normal"` means this.
        case truncatedNormal = "truncated_normal"
        /// N(0, σ) with σ the target std.
        case untruncatedNormal = "untruncated_normal"
        /// U(−limit, limit) with limit = √3·σ.
        case uniform
    }

    /// Explicit fan axes (Keras 3 `VarianceScaling(input_axes=, output_axes=)`).
    public struct FanAxes: Sendable, Hashable {
        /// Axes whose product is fan_in.
        public var input: [Int]
        /// Axes whose product is fan_out.
        public var output: [Int]

        /// Creates fan axes.
        public init(input: [Int], output: [Int]) {
            self.input = input
            self.output = output
        }
    }

    /// The initializer and its parameters.
    public var kind: Kind
    /// The config's integer `seed`, if it had one: the tensor then gets its own stream,
    /// independent of the global seed (`PlanEntry.stream(seed:)`, docs/random-streams.md §1.1).
    public var seed: Int?
    /// Explicit fan axes from a Keras 3 variance-scaling config, if it had both.
    public var fanAxes: FanAxes?
    /// The framework whose names this initializer was written with.
    public var dialect: Dialect

    /// Creates an initializer.
    public init(_ kind: Kind, seed: Int? = nil, fanAxes: FanAxes? = nil, dialect: Dialect = .keras) {
        self.kind = kind
        self.seed = seed
        self.fanAxes = fanAxes
        self.dialect = dialect
    }

    /// `zeros`.
    public static let zeros = Initializer(.zeros)
    /// `ones`.
    public static let ones = Initializer(.ones)
    /// `glorot_uniform`, the Keras default for most kernels.
    public static let glorotUniform = Initializer(.glorotUniform)
    /// `glorot_normal`.
    public static let glorotNormal = Initializer(.glorotNormal)
    /// `he_uniform`.
    public static let heUniform = Initializer(.heUniform)
    /// `he_normal`.
    public static let heNormal = Initializer(.heNormal)
    /// `lecun_uniform`.
    public static let lecunUniform = Initializer(.lecunUniform)
    /// `lecun_normal`.
    public static let lecunNormal = Initializer(.lecunNormal)

    /// Keras's correction so that N(0, σ) cut at ±2σ has std σ·0.8796…: the std of N(0, 1)
    /// truncated to [−2, 2] (keras/src/initializers/random_initializers.py).
    public static let truncatedNormalCorrection = 0.87962566103423978

    /// The canonical name in the initializer's dialect: Keras snake_case (`he_normal`,
    /// `random_uniform`), PyTorch with its trailing underscore (`kaiming_uniform_`, `uniform_`),
    /// JAX with a `jax.` prefix where the JAX name means something else in Keras (`jax.uniform`).
    public var name: String {
        switch (kind, dialect) {
        case (.zeros, .torch): return "zeros_"
        case (.ones, .torch): return "ones_"
        case (.constant, .torch): return "constant_"
        case (.constant, .jax): return "jax.constant"
        case (.randomUniform, .torch): return "uniform_"
        case (.randomUniform, .jax): return "jax.uniform"
        case (.randomNormal, .torch): return "normal_"
        case (.randomNormal, .jax): return "jax.normal"
        case (.truncatedNormalRange, .jax): return "jax.truncated_normal"
        case (.truncatedNormalRange, _): return "trunc_normal_"
        case (.varianceScaling, .jax): return "jax.variance_scaling"
        case (.orthogonal, .torch): return "orthogonal_"
        case (.orthogonal, .jax): return "jax.orthogonal"
        case (.identity(let gain), .torch) where gain == 1: return "eye_"
        case (.xavierUniform, _): return "xavier_uniform_"
        case (.xavierNormal, _): return "xavier_normal_"
        case (.kaimingUniform, _): return "kaiming_uniform_"
        case (.kaimingNormal, _): return "kaiming_normal_"
        case (.dirac, _): return "dirac_"
        case (.deltaOrthogonal, _): return "delta_orthogonal"
        case (.sparse, _): return "sparse_"
        case (.zerO, _): return "zer_o"
        default: return kerasName
        }
    }

    /// The snake_case Keras name of the kind (`he_normal`, `random_uniform`, …); for kinds Keras
    /// does not have, the canonical ckpt name.
    var kerasName: String {
        switch kind {
        case .zeros: return "zeros"
        case .ones: return "ones"
        case .constant: return "constant"
        case .randomUniform: return "random_uniform"
        case .randomNormal: return "random_normal"
        case .truncatedNormal: return "truncated_normal"
        case .truncatedNormalRange: return "trunc_normal_"
        case .varianceScaling: return "variance_scaling"
        case .glorotUniform: return "glorot_uniform"
        case .glorotNormal: return "glorot_normal"
        case .heUniform: return "he_uniform"
        case .heNormal: return "he_normal"
        case .lecunUniform: return "lecun_uniform"
        case .lecunNormal: return "lecun_normal"
        case .xavierUniform: return "xavier_uniform_"
        case .xavierNormal: return "xavier_normal_"
        case .kaimingUniform: return "kaiming_uniform_"
        case .kaimingNormal: return "kaiming_normal_"
        case .orthogonal: return "orthogonal"
        case .identity: return "identity"
        case .dirac: return "dirac_"
        case .deltaOrthogonal: return "delta_orthogonal"
        case .sparse: return "sparse_"
        case .zerO: return "zer_o"
        }
    }

    /// The Keras class name (`HeNormal`, `RandomUniform`, …), or nil for kinds Keras has no class for.
    public var kerasClassName: String? {
        switch kind {
        case .zeros: return "Zeros"
        case .ones: return "Ones"
        case .constant: return "Constant"
        case .randomUniform: return "RandomUniform"
        case .randomNormal: return "RandomNormal"
        case .truncatedNormal: return "TruncatedNormal"
        case .varianceScaling: return "VarianceScaling"
        case .glorotUniform: return "GlorotUniform"
        case .glorotNormal: return "GlorotNormal"
        case .heUniform: return "HeUniform"
        case .heNormal: return "HeNormal"
        case .lecunUniform: return "LecunUniform"
        case .lecunNormal: return "LecunNormal"
        case .orthogonal(_, .keras): return "Orthogonal"
        case .identity: return "Identity"
        default: return nil
        }
    }

    /// Whether the values depend on the fans (variance scaling, Xavier, Kaiming).
    public var usesFans: Bool {
        switch kind {
        case .xavierUniform, .xavierNormal, .kaimingUniform, .kaimingNormal: return true
        default: return varianceScaling != nil
        }
    }

    /// For the variance-scaling family (presets included): scale, mode and distribution.
    public var varianceScaling: (scale: Double, mode: FanMode, distribution: VarianceScalingDistribution)? {
        switch kind {
        case .varianceScaling(let scale, let mode, let distribution): return (scale, mode, distribution)
        case .glorotUniform: return (1, .fanAvg, .uniform)
        case .glorotNormal: return (1, .fanAvg, .truncatedNormal)
        case .heUniform: return (2, .fanIn, .uniform)
        case .heNormal: return (2, .fanIn, .truncatedNormal)
        case .lecunUniform: return (1, .fanIn, .uniform)
        case .lecunNormal: return (1, .fanIn, .truncatedNormal)
        default: return nil
        }
    }

    /// A parameter value for display and JSON.
    public enum ParameterValue: Sendable, Hashable, CustomStringConvertible {
        /// A float parameter.
        case number(Double)
        /// An integer parameter (the seed).
        case integer(Int)
        /// A name (mode, distribution).
        case string(String)
        /// A list of axes.
        case integers([Int])

        /// The value as Python would print it in a config.
        public var description: String {
            switch self {
            case .number(let value): return "\(value)"
            case .integer(let value): return "\(value)"
            case .string(let value): return value
            case .integers(let values): return "[" + values.map(String.init).joined(separator: ", ") + "]"
            }
        }
    }

    /// The parameters under the dialect's names, in the framework's argument order, for plan
    /// output; presets list the variance-scaling parameters they compute with, and `seed` and fan
    /// axes come last when present.
    public var parameters: [(name: String, value: ParameterValue)] {
        var result: [(name: String, value: ParameterValue)] = []
        switch (kind, dialect) {
        case (.zeros, _), (.ones, _), (.zerO, _): break
        case (.constant(let value), .torch): result = [("val", .number(value))]
        case (.constant(let value), _): result = [("value", .number(value))]
        case (.randomUniform(let minval, let maxval), .torch): result = [("a", .number(minval)), ("b", .number(maxval))]
        case (.randomUniform(let minval, let maxval), .jax) where minval == 0: result = [("scale", .number(maxval))]
        case (.randomUniform(let minval, let maxval), _): result = [("minval", .number(minval)), ("maxval", .number(maxval))]
        case (.randomNormal(let mean, let stddev), .torch): result = [("mean", .number(mean)), ("std", .number(stddev))]
        case (.randomNormal(let mean, let stddev), .jax) where mean == 0: result = [("stddev", .number(stddev))]
        case (.randomNormal(let mean, let stddev), _), (.truncatedNormal(let mean, let stddev), _):
            result = [("mean", .number(mean)), ("stddev", .number(stddev))]
        case (.truncatedNormalRange(let mean, let stddev, let low, let high), .jax) where mean == 0 && stddev > 0:
            result = [("stddev", .number(stddev)), ("lower", .number(low / stddev)), ("upper", .number(high / stddev))]
        case (.truncatedNormalRange(let mean, let stddev, let low, let high), _):
            result = [("mean", .number(mean)), ("std", .number(stddev)), ("a", .number(low)), ("b", .number(high))]
        case (.orthogonal(let gain, let flattening), _):
            if case .columnAxis(let axis) = flattening {
                result = [("scale", .number(gain)), ("column_axis", .integer(axis))]
            } else {
                result = [("gain", .number(gain))]
            }
        case (.identity(let gain), .torch) where gain == 1: break
        case (.identity(let gain), _), (.xavierUniform(let gain), _), (.xavierNormal(let gain), _):
            result = [("gain", .number(gain))]
        case (.kaimingUniform(let a, let mode, let nonlinearity), _), (.kaimingNormal(let a, let mode, let nonlinearity), _):
            result = [("a", .number(a)), ("mode", .string(mode.rawValue)), ("nonlinearity", .string(nonlinearity.rawValue))]
        case (.dirac(let groups), _): result = [("groups", .integer(groups))]
        case (.deltaOrthogonal(let gain), _): result = [("scale", .number(gain)), ("column_axis", .integer(-1))]
        case (.sparse(let sparsity, let std), _): result = [("sparsity", .number(sparsity)), ("std", .number(std))]
        case (.varianceScaling, _), (.glorotUniform, _), (.glorotNormal, _), (.heUniform, _), (.heNormal, _),
             (.lecunUniform, _), (.lecunNormal, _):
            if let vs = varianceScaling {
                var distribution = vs.distribution.rawValue
                // JAX spells the untruncated normal "normal".
                if dialect == .jax, vs.distribution == .untruncatedNormal { distribution = "normal" }
                result = [
                    ("scale", .number(vs.scale)), ("mode", .string(vs.mode.rawValue)),
                    ("distribution", .string(distribution)),
                ]
            }
        }
        if let seed { result.append(("seed", .integer(seed))) }
        if let fanAxes {
            result.append(("input_axes", .integers(fanAxes.input)))
            result.append(("output_axes", .integers(fanAxes.output)))
        }
        return result
    }

    /// `parameters` as JSON values, for `ckpt plan --json` and Keras configs.
    public var parameterList: [(key: String, value: JSONValue)] {
        parameters.map { parameter in
            let value: JSONValue
            switch parameter.value {
            case .number(let number): value = .number(JSONNumber(number))
            case .integer(let integer): value = .number(JSONNumber(integer))
            case .string(let string): value = .string(string)
            case .integers(let integers): value = .array(integers.map { .number(JSONNumber($0)) })
            }
            return (parameter.name, value)
        }
    }

    /// How the values of a tensor of `shape` with these fans are made: a distribution for the
    /// elementwise initializers, a structured fill for orthogonal, identity, dirac, delta-orthogonal,
    /// sparse and ZerO.
    public func fill(fans: Fans, shape: [Int]) throws(InitializerError) -> ValueFill {
        let structured: StructuredFill
        switch kind {
        case .orthogonal(let gain, let flattening): structured = .orthogonal(gain: gain, flattening: flattening)
        case .identity(let gain): structured = .identity(gain: gain)
        case .dirac(let groups): structured = .dirac(groups: groups, gain: 1)
        case .deltaOrthogonal(let gain): structured = .deltaOrthogonal(gain: gain)
        case .sparse(let sparsity, let std): structured = .sparse(sparsity: sparsity, std: std)
        case .zerO: structured = .zerO
        default: return .elementwise(try distribution(fans: fans))
        }
        try validate()
        try structured.validate(shape: shape)
        return .structured(structured)
    }

    /// The distribution of every value of a tensor with these fans, for elementwise initializers.
    ///
    /// Variance scaling follows Keras 3 `keras/src/initializers`: `n = max(1, fan)`; truncated
    /// normal σ = √(scale/n)/0.8796… cut at ±2σ; untruncated σ = √(scale/n); uniform limit
    /// √(3·scale/n); `fan_geo_avg` (JAX) n = max(1, √(fan_in·fan_out)). Xavier and Kaiming follow
    /// torch/nn/init.py: std = gain·√(2/(fan_in+fan_out)) and gain/√fan, bound √3·std, normal
    /// untruncated (a fan of 0 only happens for tensors with no elements and counts as 1).
    public func distribution(fans: Fans) throws(InitializerError) -> Distribution {
        try validate()
        if usesFans {
            for (fan, label) in [(fans.fanIn, "fan_in"), (fans.fanOut, "fan_out")] where !(fan.isFinite && fan >= 0) {
                throw .invalidParameter(initializer: name, parameter: label, value: "\(fan)", expected: "a finite number ≥ 0")
            }
        }
        switch kind {
        case .zeros: return .constant(0)
        case .ones: return .constant(1)
        case .constant(let value): return .constant(value)
        case .randomUniform(let minval, let maxval): return .uniform(low: minval, high: maxval)
        case .randomNormal(let mean, let stddev): return .normal(mean: mean, std: stddev)
        case .truncatedNormal(let mean, let stddev):
            return .truncatedNormal(mean: mean, std: stddev, low: mean - 2 * stddev, high: mean + 2 * stddev)
        case .truncatedNormalRange(let mean, let stddev, let low, let high):
            return .truncatedNormal(mean: mean, std: stddev, low: low, high: high)
        case .orthogonal, .identity, .dirac, .deltaOrthogonal, .sparse, .zerO:
            throw .notSupportedYet(
                initializer: name, reason: "it defines the tensor as a whole, not a distribution per element (use fill(fans:shape:))")
        case .xavierUniform(let gain), .xavierNormal(let gain):
            // torch/nn/init.py xavier_*_: std = gain * sqrt(2 / (fan_in + fan_out)); a = sqrt(3) * std.
            let std = gain * (2.0 / max(1.0, fans.fanIn + fans.fanOut)).squareRoot()
            if case .xavierNormal = kind { return .normal(mean: 0, std: std) }
            let bound = 3.0.squareRoot() * std
            return .uniform(low: -bound, high: bound)
        case .kaimingUniform(let a, let mode, let nonlinearity), .kaimingNormal(let a, let mode, let nonlinearity):
            let fan = max(1.0, mode == .fanOut ? fans.fanOut : fans.fanIn)
            // torch/nn/init.py kaiming_*_: gain = calculate_gain(nonlinearity, a); std = gain / sqrt(fan).
            let std = nonlinearity.gain(param: a) / fan.squareRoot()
            if case .kaimingNormal = kind { return .normal(mean: 0, std: std) }
            let bound = 3.0.squareRoot() * std
            return .uniform(low: -bound, high: bound)
        case .varianceScaling, .glorotUniform, .glorotNormal, .heUniform, .heNormal, .lecunUniform, .lecunNormal:
            guard let vs = varianceScaling else {
                throw .notSupportedYet(initializer: name, reason: "no variance-scaling parameters")  // unreachable
            }
            // Same operations, in the same order, as Keras's VarianceScaling.__call__.
            var scale = vs.scale
            switch vs.mode {
            case .fanIn: scale /= max(1.0, fans.fanIn)
            case .fanOut: scale /= max(1.0, fans.fanOut)
            case .fanAvg: scale /= max(1.0, (fans.fanIn + fans.fanOut) / 2.0)
            case .fanGeoAvg: scale /= max(1.0, (fans.fanIn * fans.fanOut).squareRoot())
            }
            switch vs.distribution {
            case .truncatedNormal:
                let stddev = scale.squareRoot() / Initializer.truncatedNormalCorrection
                return .truncatedNormal(mean: 0, std: stddev, low: -2 * stddev, high: 2 * stddev)
            case .untruncatedNormal:
                return .normal(mean: 0, std: scale.squareRoot())
            case .uniform:
                let limit = (3.0 * scale).squareRoot()
                return .uniform(low: -limit, high: limit)
            }
        }
    }

    /// Throws when a parameter is out of range, naming the parameter as the dialect spells it
    /// (non-finite numbers, negative std, minval > maxval, scale ≤ 0, sparsity outside [0, 1),
    /// groups < 1, a Kaiming mode other than fan_in/fan_out, …).
    public func validate() throws(InitializerError) {
        func check(_ ok: Bool, _ parameter: String, _ value: Double, _ expected: String) throws(InitializerError) {
            if !ok {
                throw .invalidParameter(initializer: name, parameter: parameter, value: "\(value)", expected: expected)
            }
        }
        let torch = dialect == .torch, jax = dialect == .jax
        switch kind {
        case .zeros, .ones, .glorotUniform, .glorotNormal, .heUniform, .heNormal, .lecunUniform, .lecunNormal, .zerO:
            break
        case .constant(let value):
            try check(value.isFinite, torch ? "val" : "value", value, "a finite number")
        case .randomUniform(let minval, let maxval):
            let (low, high) = torch ? ("a", "b") : jax ? ("scale", "scale") : ("minval", "maxval")
            try check(minval.isFinite, low, minval, "a finite number")
            try check(maxval.isFinite, high, maxval, "a finite number")
            try check(minval <= maxval, jax ? "scale" : low, jax ? maxval : minval,
                      jax ? "a number ≥ 0" : "at most \(high) (\(maxval))")
        case .randomNormal(let mean, let stddev), .truncatedNormal(let mean, let stddev):
            try check(mean.isFinite, "mean", mean, "a finite number")
            try check(stddev.isFinite && stddev >= 0, torch ? "std" : "stddev", stddev, "a finite number ≥ 0")
        case .truncatedNormalRange(let mean, let stddev, let low, let high):
            try check(mean.isFinite, "mean", mean, "a finite number")
            try check(stddev.isFinite && stddev >= 0, jax ? "stddev" : "std", stddev, "a finite number ≥ 0")
            try check(low.isFinite, jax ? "lower" : "a", low, "a finite number")
            try check(high.isFinite, jax ? "upper" : "b", high, "a finite number")
            try check(low < high, jax ? "lower" : "a", jax && stddev > 0 ? low / stddev : low,
                      "less than \(jax ? "upper" : "b") (\(jax && stddev > 0 ? high / stddev : high))")
        case .varianceScaling(let scale, _, _):
            try check(scale.isFinite && scale > 0, "scale", scale, "a finite number > 0")
        case .xavierUniform(let gain), .xavierNormal(let gain), .identity(let gain):
            try check(gain.isFinite, "gain", gain, "a finite number")
        case .orthogonal(let gain, _), .deltaOrthogonal(let gain):
            try check(gain.isFinite, jax ? "scale" : "gain", gain, "a finite number")
        case .kaimingUniform(let a, let mode, _), .kaimingNormal(let a, let mode, _):
            try check(a.isFinite, "a", a, "a finite number")
            if mode != .fanIn && mode != .fanOut {
                throw .invalidParameter(initializer: name, parameter: "mode", value: "\"\(mode.rawValue)\"",
                                        expected: "\"fan_in\" or \"fan_out\"")
            }
        case .dirac(let groups):
            try check(groups >= 1, "groups", Double(groups), "an integer ≥ 1")
        case .sparse(let sparsity, let std):
            try check(sparsity.isFinite && sparsity >= 0 && sparsity < 1, "sparsity", sparsity, "a number in [0, 1)")
            try check(std.isFinite && std >= 0, "std", std, "a finite number ≥ 0")
        }
    }
}

extension Initializer: CustomStringConvertible {
    /// `he_normal`, `random_normal(mean=0.0, stddev=0.05)`, `he_normal(seed=3)`.
    public var description: String {
        let shown: [(name: String, value: ParameterValue)]
        if case .varianceScaling = kind {
            shown = parameters
        } else if varianceScaling != nil {
            shown = parameters.filter { !["scale", "mode", "distribution"].contains($0.name) }
        } else {
            shown = parameters
        }
        if shown.isEmpty { return name }
        return name + "(" + shown.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")"
    }
}
