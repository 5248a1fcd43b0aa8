import Testing
@testable import CkptKit

@Suite("Distribution moments and CDF")
struct DistributionTests {
    /// SciPy `truncnorm(a, b, loc, scale)`: mean, std and cdf at a point.
    static let truncated: [(d: Distribution, x: Double, cdf: Double, mean: Double, std: Double)] = [
        (.truncatedNormal(mean: 0, std: 1, low: -2, high: 2), -1.5, 0.046157235726983006, 0, 0.8796256610342398),
        (.truncatedNormal(mean: 0.1, std: 0.02, low: -0.02, high: 0.1), 0.09, 0.6170750766963956,
         0.08404230899549069, 0.012056204570276865),
        (.truncatedNormal(mean: 0, std: 1, low: 5, high: 6), 5.3, 0.8007639861525493, 5.183147090477182, 0.17161710511611844),
        (.truncatedNormal(mean: 0, std: 1, low: 0, high: .infinity), 0.3, 0.2358228443779052,
         0.7978845608028654, 0.6028102749890869),
        (.truncatedNormal(mean: 0, std: 1, low: 9, high: 10), 9.1, 0.5998422102634857, 9.108456288012421, 0.10699909262006838),
    ]

    @Test("truncated normal matches SciPy", arguments: 0..<5)
    func truncatedNormal(_ i: Int) {
        let c = Self.truncated[i]
        #expect(abs(c.d.cdf(c.x) - c.cdf) < 1e-13, "cdf \(c.d.cdf(c.x))")
        #expect(abs(c.d.mean - c.mean) <= 1e-13 * max(1, abs(c.mean)), "mean \(c.d.mean)")
        // Far in a tail the variance formula cancels (terms near α² against a variance near 1/α²).
        #expect(abs(c.d.standardDeviation / c.std - 1) < 1e-12 * max(1, c.mean * c.mean * c.mean * c.mean), "std \(c.d.standardDeviation)")
        #expect(c.d.cdf(c.d.support.lowerBound) == 0 || c.d.support.lowerBound == -.infinity)
        #expect(c.d.cdf(c.d.support.upperBound) == 1 || c.d.support.upperBound == .infinity)
    }

    @Test("uniform, normal and constant")
    func simple() {
        let u = Distribution.uniform(low: -0.05, high: 0.05)
        #expect(u.mean == 0 && abs(u.standardDeviation - 0.1 / 12.0.squareRoot()) < 1e-17)
        #expect(u.cdf(0) == 0.5 && u.cdf(-1) == 0 && u.cdf(0.05) == 1)
        let n = Distribution.normal(mean: 1, std: 2)
        #expect(n.mean == 1 && n.standardDeviation == 2)
        #expect(abs(n.cdf(1 + 2 * 1.959963984540054) - 0.975) < 1e-15)
        #expect(Distribution.constant(3).cdf(2.9) == 0 && Distribution.constant(3).cdf(3) == 1)
        #expect(Distribution.constant(3).standardDeviation == 0)
    }

    @Test("validation names the parameter")
    func validation() {
        let bad: [(Distribution, String)] = [
            (.uniform(low: 1, high: 0), "low"),
            (.uniform(low: 0, high: .infinity), "high"),
            (.normal(mean: 0, std: -1), "std"),
            (.truncatedNormal(mean: 0, std: 1, low: 1, high: -1), "low"),
            (.truncatedNormal(mean: 0, std: 0, low: 1, high: 2), "mean"),
            (.truncatedNormal(mean: 0, std: 1, low: 40, high: 41), "low"),
            (.constant(.nan), "value"),
        ]
        for (d, parameter) in bad {
            #expect(throws: InitializerError.self, "\(d)") { try d.validate() }
            do { try d.validate() } catch { #expect(error.description.contains("\"\(parameter)\""), "\(error)") }
        }
        let good: [Distribution] = [
            .uniform(low: 1, high: 1), .normal(mean: 0, std: 0),
            .truncatedNormal(mean: 0, std: 1, low: -.infinity, high: .infinity),
            .truncatedNormal(mean: 0, std: 1, low: 30, high: 31),
        ]
        for d in good { #expect(throws: Never.self) { try d.validate() } }
    }
}
