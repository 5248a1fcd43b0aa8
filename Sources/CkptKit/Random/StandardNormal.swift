import Foundation

/// The standard normal distribution N(0, 1) in float64: reference functions for the
/// initializer math and for statistical tests.
public enum StandardNormal {
    /// The density φ(x) = e^(−x²/2) / √(2π).
    public static func density(_ x: Double) -> Double {
        exp(-0.5 * x * x) * 0.398942280401432677939946059934  // 1/√(2π)
    }

    /// The CDF Φ(x), accurate in the lower tail (computed as erfc(−x/√2)/2).
    public static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x * 0.707106781186547524400844362105)
    }

    /// The upper tail 1 − Φ(x) = Φ(−x), accurate in the upper tail.
    public static func complementaryCDF(_ x: Double) -> Double {
        0.5 * erfc(x * 0.707106781186547524400844362105)
    }

    /// Φ(b) − Φ(a) for a ≤ b, without cancellation when both lie in the same tail.
    public static func probability(from a: Double, to b: Double) -> Double {
        if a >= 0 { return complementaryCDF(a) - complementaryCDF(b) }
        if b <= 0 { return cdf(b) - cdf(a) }
        return 1 - cdf(a) - complementaryCDF(b)
    }

    /// The quantile Φ⁻¹(p) (AS 241 PPND16, relative error about 1e-16); ∓∞ at p = 0 and 1.
    public static func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        return NormalQuantile.double(q: p - 0.5, r: min(p, 1 - p))
    }

    /// The upper quantile: the x with 1 − Φ(x) = q, accurate for tiny q.
    public static func upperQuantile(_ q: Double) -> Double {
        if q.isNaN || q < 0 || q > 1 { return .nan }
        if q == 0 { return .infinity }
        if q == 1 { return -.infinity }
        return NormalQuantile.double(q: 0.5 - q, r: min(q, 1 - q))
    }
}
