/// A Keras initializer: what it is called, its parameters, and the distribution it gives a
/// tensor once the fans are known (Keras 3 formulas, exactly).
public struct Initializer: Sendable, Hashable {
    /// Which initializer, with its parameters.
    public enum Kind: Sendable, Hashable {
        /// All zeros (`zeros`, `zero`).
        case zeros
        /// All ones (`ones`, `one`).
        case ones
        /// All `value` (`constant`).
        case constant(value: Double)
        /// U(minval, maxval) (`random_uniform`, `uniform`).
        case randomUniform(minval: Double, maxval: Double)
        /// N(mean, stddev²) (`random_normal`, `normal`).
        case randomNormal(mean: Double, stddev: Double)
        /// N(mean, stddev²) cut at mean ± 2·stddev, with no variance correction (`truncated_normal`).
        case truncatedNormal(mean: Double, stddev: Double)
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
        /// Orthogonal times `gain` (Keras flattening, QR with the sign correction).
        case orthogonal(gain: Double)
        /// `gain` on the diagonal of a 2-D tensor.
        case identity(gain: Double)
    }

    /// Which fan a variance-scaling initializer divides by.
    public enum FanMode: String, Sendable, Hashable, CaseIterable {
        /// Divide by fan_in.
        case fanIn = "fan_in"
        /// Divide by fan_out.
        case fanOut = "fan_out"
        /// Divide by (fan_in + fan_out)/2.
        case fanAvg = "fan_avg"
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
    /// The Keras integer `seed`, if the config had one (kept; not used for the values yet).
    public var seed: Int?
    /// Explicit fan axes from a Keras 3 variance-scaling config, if it had both.
    public var fanAxes: FanAxes?

    /// Creates an initializer.
    public init(_ kind: Kind, seed: Int? = nil, fanAxes: FanAxes? = nil) {
        self.kind = kind
        self.seed = seed
        self.fanAxes = fanAxes
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

    /// The snake_case Keras name (`he_normal`, `random_uniform`, …).
    public var name: String {
        switch kind {
        case .zeros: return "zeros"
        case .ones: return "ones"
        case .constant: return "constant"
        case .randomUniform: return "random_uniform"
        case .randomNormal: return "random_normal"
        case .truncatedNormal: return "truncated_normal"
        case .varianceScaling: return "variance_scaling"
        case .glorotUniform: return "glorot_uniform"
        case .glorotNormal: return "glorot_normal"
        case .heUniform: return "he_uniform"
        case .heNormal: return "he_normal"
        case .lecunUniform: return "lecun_uniform"
        case .lecunNormal: return "lecun_normal"
        case .orthogonal: return "orthogonal"
        case .identity: return "identity"
        }
    }

    /// The Keras class name (`HeNormal`, `RandomUniform`, …).
    public var kerasClassName: String {
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
        case .orthogonal: return "Orthogonal"
        case .identity: return "Identity"
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

    /// The parameters in Keras config order, for plan output; presets list the variance-scaling
    /// parameters they compute with, and `seed` and fan axes come last when present.
    public var parameters: [(name: String, value: ParameterValue)] {
        var result: [(name: String, value: ParameterValue)] = []
        switch kind {
        case .zeros, .ones: break
        case .constant(let value): result = [("value", .number(value))]
        case .randomUniform(let minval, let maxval): result = [("minval", .number(minval)), ("maxval", .number(maxval))]
        case .randomNormal(let mean, let stddev), .truncatedNormal(let mean, let stddev):
            result = [("mean", .number(mean)), ("stddev", .number(stddev))]
        case .orthogonal(let gain), .identity(let gain): result = [("gain", .number(gain))]
        case .varianceScaling, .glorotUniform, .glorotNormal, .heUniform, .heNormal, .lecunUniform, .lecunNormal:
            if let vs = varianceScaling {
                result = [
                    ("scale", .number(vs.scale)), ("mode", .string(vs.mode.rawValue)),
                    ("distribution", .string(vs.distribution.rawValue)),
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
    /// elementwise initializers, a structured fill for orthogonal and identity.
    public func fill(fans: Fans, shape: [Int]) throws(InitializerError) -> ValueFill {
        switch kind {
        case .orthogonal(let gain):
            try validate()
            let fill = StructuredFill.orthogonal(gain: gain, flattening: .keras)
            try fill.validate(shape: shape)
            return .structured(fill)
        case .identity(let gain):
            try validate()
            let fill = StructuredFill.identity(gain: gain)
            try fill.validate(shape: shape)
            return .structured(fill)
        default:
            return .elementwise(try distribution(fans: fans))
        }
    }

    /// The distribution of every value of a tensor with these fans, for elementwise initializers (Keras 3
    /// `keras/src/initializers`): `n = max(1, fan)`; truncated normal σ = √(scale/n)/0.8796…
    /// cut at ±2σ; untruncated σ = √(scale/n); uniform limit √(3·scale/n).
    public func distribution(fans: Fans) throws(InitializerError) -> Distribution {
        try validate()
        switch kind {
        case .zeros: return .constant(0)
        case .ones: return .constant(1)
        case .constant(let value): return .constant(value)
        case .randomUniform(let minval, let maxval): return .uniform(low: minval, high: maxval)
        case .randomNormal(let mean, let stddev): return .normal(mean: mean, std: stddev)
        case .truncatedNormal(let mean, let stddev):
            return .truncatedNormal(mean: mean, std: stddev, low: mean - 2 * stddev, high: mean + 2 * stddev)
        case .orthogonal, .identity:
            throw .notSupportedYet(
                initializer: name, reason: "it defines the tensor as a whole, not a distribution per element (use fill(fans:shape:))")
        case .varianceScaling, .glorotUniform, .glorotNormal, .heUniform, .heNormal, .lecunUniform, .lecunNormal:
            guard let vs = varianceScaling else {
                throw .notSupportedYet(initializer: name, reason: "no variance-scaling parameters")  // unreachable
            }
            for (fan, label) in [(fans.fanIn, "fan_in"), (fans.fanOut, "fan_out")] where !(fan.isFinite && fan >= 0) {
                throw .invalidParameter(initializer: name, parameter: label, value: "\(fan)", expected: "a finite number ≥ 0")
            }
            // Same operations, in the same order, as Keras's VarianceScaling.__call__.
            var scale = vs.scale
            switch vs.mode {
            case .fanIn: scale /= max(1.0, fans.fanIn)
            case .fanOut: scale /= max(1.0, fans.fanOut)
            case .fanAvg: scale /= max(1.0, (fans.fanIn + fans.fanOut) / 2.0)
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

    /// Throws when a parameter is out of range (non-finite numbers, negative stddev,
    /// minval > maxval, scale ≤ 0).
    public func validate() throws(InitializerError) {
        func check(_ ok: Bool, _ parameter: String, _ value: Double, _ expected: String) throws(InitializerError) {
            if !ok {
                throw .invalidParameter(initializer: name, parameter: parameter, value: "\(value)", expected: expected)
            }
        }
        switch kind {
        case .zeros, .ones, .glorotUniform, .glorotNormal, .heUniform, .heNormal, .lecunUniform, .lecunNormal:
            break
        case .constant(let value):
            try check(value.isFinite, "value", value, "a finite number")
        case .randomUniform(let minval, let maxval):
            try check(minval.isFinite, "minval", minval, "a finite number")
            try check(maxval.isFinite, "maxval", maxval, "a finite number")
            try check(minval <= maxval, "minval", minval, "at most maxval (\(maxval))")
        case .randomNormal(let mean, let stddev), .truncatedNormal(let mean, let stddev):
            try check(mean.isFinite, "mean", mean, "a finite number")
            try check(stddev.isFinite && stddev >= 0, "stddev", stddev, "a finite number ≥ 0")
        case .varianceScaling(let scale, _, _):
            try check(scale.isFinite && scale > 0, "scale", scale, "a finite number > 0")
        case .orthogonal(let gain), .identity(let gain):
            try check(gain.isFinite, "gain", gain, "a finite number")
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
