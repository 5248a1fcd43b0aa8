import Foundation
import Testing
@testable import CkptKit

/// Kolmogorov–Smirnov, mean and variance tests of every distribution against its exact
/// reference CDF and moments, at false-alarm rate α = 1e-6 per check.
///
/// 10⁶ values per case keeps the debug build at about a second per case. The thresholds scale
/// with the count, so a heavier run only needs the environment variable:
/// `CKPT_STATISTICS_COUNT=10000000 swift test -c release -Xswiftc -enable-testing --filter Statistical`.
@Suite("Statistical tests")
struct StatisticalTests {
    static let count = Int(ProcessInfo.processInfo.environment["CKPT_STATISTICS_COUNT"] ?? "") ?? 1_000_000

    enum Precision: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case float32, float64
        var testDescription: String { rawValue }
    }

    /// (label, distribution): Keras defaults, asymmetric parameters, truncation in σ units
    /// (Keras/JAX), in absolute bounds (PyTorch), one-sided, far tails, and a tail so far that
    /// float32 output is evaluated in float64.
    static let cases: [(label: String, distribution: Distribution)] = [
        ("uniform ±0.05", .uniform(low: -0.05, high: 0.05)),
        ("uniform [2, 5]", .uniform(low: 2, high: 5)),
        ("normal(0, 0.05)", .normal(mean: 0, std: 0.05)),
        ("normal(1.5, 3)", .normal(mean: 1.5, std: 3)),
        ("truncated ±2σ, σ = 0.2", .truncatedNormal(mean: 0, std: 0.2, low: -0.4, high: 0.4)),
        ("truncated absolute [-0.02, 0.1], N(0.1, 0.02)", .truncatedNormal(mean: 0.1, std: 0.02, low: -0.02, high: 0.1)),
        ("truncated one-sided [0, ∞)", .truncatedNormal(mean: 0, std: 1, low: 0, high: .infinity)),
        ("truncated [5σ, 6σ]", .truncatedNormal(mean: 0, std: 1, low: 5, high: 6)),
        ("truncated [9σ, 10σ] (float64 evaluation)", .truncatedNormal(mean: 0, std: 1, low: 9, high: 10)),
    ]

    @Test("KS, mean, variance and bounds", arguments: 0..<cases.count, Precision.allCases)
    func distribution(_ index: Int, _ precision: Precision) {
        let (label, d) = Self.cases[index]
        let stream = TensorStream(seed: 2024, name: "statistics/\(index)")
        let sample = precision == .float32
            ? DistributionStatistics.sampleFloat(d, count: Self.count, stream: stream)
            : DistributionStatistics.sampleDouble(d, count: Self.count, stream: stream)

        let support = d.support
        #expect(sample.allSatisfy { support.contains($0) }, "\(label): a value outside \(support)")

        let ks = DistributionStatistics.ksStatistic(sample, cdf: d.cdfFunction())
        let n = Double(sample.count)
        #expect(ks * n.squareRoot() < DistributionStatistics.ksCritical(), "\(label): D = \(ks)")

        let z = DistributionStatistics.momentZScores(
            sample, mean: d.mean, std: d.standardDeviation, fourthCentralMoment: DistributionStatistics.fourthCentralMoment(d))
        #expect(abs(z.mean) < DistributionStatistics.zCritical(), "\(label): mean z = \(z.mean)")
        #expect(abs(z.variance) < DistributionStatistics.zCritical(), "\(label): variance z = \(z.variance)")
    }

    @Test("the exact fourth moments match SciPy")
    func fourthMoments() {
        let expected: [(Distribution, Double)] = [
            (.truncatedNormal(mean: 0, std: 1, low: -2, high: 2), 1.416189124849463),
            (.truncatedNormal(mean: 0, std: 1, low: 5, high: 6), 0.004763898715528948),
            (.truncatedNormal(mean: 0, std: 1, low: 0, high: .infinity), 0.5109062515567844),
            (.truncatedNormal(mean: 0.1, std: 0.02, low: -0.02, high: 0.1), 8.174473983342052e-08),
        ]
        for (d, value) in expected {
            #expect(abs(DistributionStatistics.fourthCentralMoment(d) / value - 1) < 1e-9, "\(d)")
        }
    }

    @Test("the KS statistic of a perfect grid is 1/(2n), and of a shifted one is the shift")
    func ksHelper() {
        let n = 1000
        let grid = (0..<n).map { (Double($0) + 0.5) / Double(n) }
        let cdf: (Double) -> Double = { min(max($0, 0), 1) }
        #expect(abs(DistributionStatistics.ksStatistic(grid, cdf: cdf) - 0.5 / Double(n)) < 1e-12)
        #expect(abs(DistributionStatistics.ksStatistic(grid.map { $0 * 0.9 }, cdf: cdf) - 0.1 + 0.5 * 0.1 / Double(n)) < 1e-3)
        #expect(abs(DistributionStatistics.ksCritical() - 2.6937) < 1e-3)  // √(−ln(5e-7)/2)
    }
}
