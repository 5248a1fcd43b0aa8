/// A probability distribution of initial values, with all parameters in float64.
///
/// Initializers resolve to one of these once the fans are known; the sampler fills buffers from it.
public enum Distribution: Sendable, Hashable {
    /// Every value equal.
    case constant(Double)
    /// Uniform on [low, high].
    case uniform(low: Double, high: Double)
    /// Normal N(mean, std²).
    case normal(mean: Double, std: Double)
    /// Normal N(mean, std²) conditioned on [low, high] (absolute bounds, not multiples of std).
    case truncatedNormal(mean: Double, std: Double, low: Double, high: Double)

    /// The exact mean.
    public var mean: Double {
        switch self {
        case .constant(let value): return value
        case .uniform(let low, let high): return low / 2 + high / 2
        case .normal(let mean, _): return mean
        case .truncatedNormal(let mean, let std, let low, let high):
            guard std > 0 else { return min(max(mean, low), high) }
            let m = Distribution.standardTruncatedMoments(alpha: (low - mean) / std, beta: (high - mean) / std)
            return mean + std * m.mean
        }
    }

    /// The exact standard deviation (for a truncated normal, that of the truncated distribution).
    public var standardDeviation: Double {
        switch self {
        case .constant: return 0
        case .uniform(let low, let high): return (high - low) / 12.0.squareRoot()
        case .normal(_, let std): return std
        case .truncatedNormal(let mean, let std, let low, let high):
            guard std > 0 else { return 0 }
            let m = Distribution.standardTruncatedMoments(alpha: (low - mean) / std, beta: (high - mean) / std)
            return std * m.variance.squareRoot()
        }
    }

    /// The exact CDF P(X ≤ x).
    public func cdf(_ x: Double) -> Double {
        cdfFunction()(x)
    }

    /// The CDF with its constants computed once, for evaluating it at many points.
    public func cdfFunction() -> @Sendable (Double) -> Double {
        switch self {
        case .constant(let value):
            return { $0 < value ? 0 : 1 }
        case .uniform(let low, let high):
            return { x in x < low ? 0 : (x >= high ? 1 : (x - low) / (high - low)) }
        case .normal(let mean, let std):
            guard std > 0 else { return { $0 < mean ? 0 : 1 } }
            return { StandardNormal.cdf(($0 - mean) / std) }
        case .truncatedNormal(let mean, let std, let low, let high):
            guard std > 0 else {
                let value = min(max(mean, low), high)
                return { $0 < value ? 0 : 1 }
            }
            let alpha = (low - mean) / std, beta = (high - mean) / std
            let mass = StandardNormal.probability(from: alpha, to: beta)
            let lowerTail = StandardNormal.cdf(alpha), upperTail = StandardNormal.complementaryCDF(alpha)
            // (Φ(z) − Φ(α)) / (Φ(β) − Φ(α)), the difference taken in the tail where it is accurate.
            return { x in
                if x < low { return 0 }
                if x >= high { return 1 }
                let z = (x - mean) / std
                let p: Double
                if alpha >= 0 {
                    p = upperTail - StandardNormal.complementaryCDF(z)
                } else if z <= 0 {
                    p = StandardNormal.cdf(z) - lowerTail
                } else {
                    p = 1 - lowerTail - StandardNormal.complementaryCDF(z)
                }
                return min(max(p / mass, 0), 1)
            }
        }
    }

    /// The interval every value lies in.
    public var support: ClosedRange<Double> {
        switch self {
        case .constant(let value): return value...value
        case .uniform(let low, let high): return low...high
        case .normal: return -Double.infinity...Double.infinity
        case .truncatedNormal(let mean, let std, let low, let high):
            return std > 0 ? low...high : min(max(mean, low), high)...min(max(mean, low), high)
        }
    }

    /// A short name for messages.
    var displayName: String {
        switch self {
        case .constant: return "constant distribution"
        case .uniform: return "uniform distribution"
        case .normal: return "normal distribution"
        case .truncatedNormal: return "truncated normal distribution"
        }
    }

    /// Throws when a parameter is out of range: non-finite values, a negative std, bounds in the
    /// wrong order, or a truncation interval with no probability in float64.
    public func validate() throws(InitializerError) {
        func check(_ ok: Bool, _ name: String, _ value: Double, _ expected: String) throws(InitializerError) {
            if !ok {
                throw .invalidParameter(
                    initializer: displayName, parameter: name, value: "\(value)", expected: expected)
            }
        }
        switch self {
        case .constant(let value):
            try check(value.isFinite, "value", value, "a finite number")
        case .uniform(let low, let high):
            try check(low.isFinite, "low", low, "a finite number")
            try check(high.isFinite, "high", high, "a finite number")
            try check(low <= high, "low", low, "at most high (\(high))")
        case .normal(let mean, let std):
            try check(mean.isFinite, "mean", mean, "a finite number")
            try check(std.isFinite && std >= 0, "std", std, "a finite number ≥ 0")
        case .truncatedNormal(let mean, let std, let low, let high):
            try check(mean.isFinite, "mean", mean, "a finite number")
            try check(std.isFinite && std >= 0, "std", std, "a finite number ≥ 0")
            try check(!low.isNaN && low < .infinity, "low", low, "a number below +∞")
            try check(!high.isNaN && high > -.infinity, "high", high, "a number above −∞")
            try check(low <= high, "low", low, "at most high (\(high))")
            if std == 0 {
                try check(low <= mean && mean <= high, "mean", mean, "inside [low, high] when std is 0")
            } else {
                try check(low < high, "low", low, "below high (\(high)) when std > 0")
                let mass = StandardNormal.probability(from: (low - mean) / std, to: (high - mean) / std)
                try check(mass > 0, "low", low,
                          "a bound within about 38 std of the mean (the interval has no probability in float64)")
            }
        }
    }

    /// Fills `out` with elements `elementOffset ..< elementOffset + out.count` of a tensor whose
    /// stream is `stream`. Element i always gets the same value, however the tensor is split.
    ///
    /// The distribution must be valid (`validate()`); `Initializer.distribution(fans:)` only
    /// returns valid ones.
    public func fill(_ out: UnsafeMutableBufferPointer<Float>, stream: TensorStream, elementOffset: Int) {
        precondition(elementOffset >= 0, "elementOffset must be ≥ 0")
        guard let base = out.baseAddress, !out.isEmpty else { return }
        Sampler(self).fill(base, count: out.count, stream: stream, first: UInt64(elementOffset))
    }

    /// Fills float64 values; element i uses words 2i and 2i + 1 of the stream.
    public func fill(_ out: UnsafeMutableBufferPointer<Double>, stream: TensorStream, elementOffset: Int) {
        precondition(elementOffset >= 0, "elementOffset must be ≥ 0")
        guard let base = out.baseAddress, !out.isEmpty else { return }
        Sampler(self).fill(base, count: out.count, stream: stream, first: UInt64(elementOffset))
    }

    /// Mean and variance of N(0, 1) truncated to [α, β]:
    /// mean = (φ(α) − φ(β))/Z, variance = 1 + (αφ(α) − βφ(β))/Z − mean², Z = Φ(β) − Φ(α).
    static func standardTruncatedMoments(alpha: Double, beta: Double) -> (mean: Double, variance: Double) {
        let z = StandardNormal.probability(from: alpha, to: beta)
        let phiA = alpha.isInfinite ? 0 : StandardNormal.density(alpha)
        let phiB = beta.isInfinite ? 0 : StandardNormal.density(beta)
        let aPhiA = alpha.isInfinite ? 0 : alpha * phiA
        let bPhiB = beta.isInfinite ? 0 : beta * phiB
        let mean = (phiA - phiB) / z
        return (mean, 1 + (aPhiA - bPhiB) / z - mean * mean)
    }
}
