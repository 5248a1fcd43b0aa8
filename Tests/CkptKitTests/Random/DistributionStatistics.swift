import Foundation
@testable import CkptKit

/// Statistical test helpers with fixed false-alarm rates (shared by the Random and Initializers tests).
enum DistributionStatistics {
    /// The false-alarm rate of every statistical check: a correct generator fails a given check
    /// with probability at most α (per check, for the fixed seeds used here the outcome is
    /// deterministic anyway).
    static let alpha = 1e-6

    /// Kolmogorov–Smirnov statistic D = sup |F_n(x) − F(x)| of `sample` against a continuous `cdf`.
    ///
    /// Works on u = F(x), which has the same order as x, bucket-sorted (linear time, so that 10⁶
    /// values stay fast in a debug build). Equal values (the float grid) form one step of F_n.
    static func ksStatistic(_ sample: [Double], cdf: (Double) -> Double) -> Double {
        let n = sample.count
        guard n > 0 else { return 0 }
        // Raw buffers: array accesses dominate in a debug build.
        let u = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let sorted = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let bucketOf = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        let start = UnsafeMutableBufferPointer<Int>.allocate(capacity: n + 1)
        let next = UnsafeMutableBufferPointer<Int>.allocate(capacity: n + 1)
        defer { [u, sorted].forEach { $0.deallocate() }; [bucketOf, start, next].forEach { $0.deallocate() } }
        start.initialize(repeating: 0)
        sample.withUnsafeBufferPointer { x in
            for i in 0..<n {
                let value = min(max(cdf(x[i]), 0), 1)
                u[i] = value
                let b = min(Int(value * Double(n)), n - 1)
                bucketOf[i] = b
                start[b + 1] += 1
            }
        }
        for b in 0..<n { start[b + 1] += start[b] }
        for b in 0...n { next[b] = start[b] }
        for i in 0..<n {
            sorted[next[bucketOf[i]]] = u[i]
            next[bucketOf[i]] += 1
        }
        // Insertion sort inside each (small) bucket.
        for b in 0..<n where start[b + 1] - start[b] > 1 {
            var i = start[b] + 1
            while i < start[b + 1] {
                let v = sorted[i]
                var j = i - 1
                while j >= start[b], sorted[j] > v {
                    sorted[j + 1] = sorted[j]
                    j -= 1
                }
                sorted[j + 1] = v
                i += 1
            }
        }
        let count = Double(n)
        var d = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n, sorted[j + 1] == sorted[i] { j += 1 }
            d = max(d, sorted[i] - Double(i) / count, Double(j + 1) / count - sorted[i])
            i = j + 1
        }
        return d
    }

    /// Critical value of √n·D for the asymptotic Kolmogorov distribution at false-alarm rate α:
    /// P(K > t) ≤ 2·exp(−2t²), so t = √(−ln(α/2)/2).
    static func ksCritical(alpha: Double = DistributionStatistics.alpha) -> Double {
        (-log(alpha / 2) / 2).squareRoot()
    }

    /// Two-sided normal critical value for false-alarm rate α (z such that P(|Z| > z) = α).
    static func zCritical(alpha: Double = DistributionStatistics.alpha) -> Double {
        -StandardNormal.quantile(alpha / 2)
    }

    /// Sample mean and (unbiased) variance, accumulated in Double.
    static func moments(_ sample: [Double]) -> (mean: Double, variance: Double) {
        let n = Double(sample.count)
        var sum = 0.0
        for x in sample { sum += x }
        let mean = sum / n
        var squares = 0.0
        for x in sample { squares += (x - mean) * (x - mean) }
        return (mean, squares / (n - 1))
    }

    /// z-scores of the sample mean and sample variance against exact moments.
    /// Var(mean) = σ²/n; Var(s²) ≈ (μ₄ − σ⁴)/n, with μ₄ the exact fourth central moment.
    static func momentZScores(
        _ sample: [Double], mean: Double, std: Double, fourthCentralMoment: Double
    ) -> (mean: Double, variance: Double) {
        let n = Double(sample.count)
        let m = moments(sample)
        let zMean = (m.mean - mean) / (std / n.squareRoot())
        let varianceOfVariance = (fourthCentralMoment - pow(std, 4)) / n
        let zVariance = (m.variance - std * std) / varianceOfVariance.squareRoot()
        return (zMean, zVariance)
    }

    /// Fills `count` values of `distribution` as float32 (widened) from `stream`.
    static func sampleFloat(_ distribution: Distribution, count: Int, stream: TensorStream) -> [Double] {
        var values = [Float](repeating: .nan, count: count)
        values.withUnsafeMutableBufferPointer { distribution.fill($0, stream: stream, elementOffset: 0) }
        return values.map(Double.init)
    }

    /// Fills `count` float64 values.
    static func sampleDouble(_ distribution: Distribution, count: Int, stream: TensorStream) -> [Double] {
        var values = [Double](repeating: .nan, count: count)
        values.withUnsafeMutableBufferPointer { distribution.fill($0, stream: stream, elementOffset: 0) }
        return values
    }
}

extension DistributionStatistics {
    /// The exact fourth central moment of a distribution (for the variance z-test).
    static func fourthCentralMoment(_ d: Distribution) -> Double {
        switch d {
        case .constant: return 0
        case .uniform(let low, let high): return pow(high - low, 4) / 80
        case .normal(_, let std): return 3 * pow(std, 4)
        case .truncatedNormal(let mean, let std, let low, let high):
            // Raw moments of N(0,1) on [α, β]: m_k = (k−1)·m_{k−2} + (α^{k−1}φ(α) − β^{k−1}φ(β))/Z.
            let alpha = (low - mean) / std, beta = (high - mean) / std
            let z = StandardNormal.probability(from: alpha, to: beta)
            func edge(_ k: Int) -> Double {
                let a = alpha.isInfinite ? 0 : pow(alpha, Double(k - 1)) * StandardNormal.density(alpha)
                let b = beta.isInfinite ? 0 : pow(beta, Double(k - 1)) * StandardNormal.density(beta)
                return (a - b) / z
            }
            var m = [1.0, edge(1)]
            for k in 2...4 { m.append(Double(k - 1) * m[k - 2] + edge(k)) }
            let mu = m[1]
            let central = m[4] - 4 * mu * m[3] + 6 * mu * mu * m[2] - 3 * pow(mu, 4)
            return central * pow(std, 4)
        }
    }
}
