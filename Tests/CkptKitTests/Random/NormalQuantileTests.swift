import Foundation
import Testing
@testable import CkptKit

@Suite("Normal quantile and logarithm kernels")
struct NormalQuantileTests {
    /// SciPy `norm.ppf` / `norm.isf`.
    static let known: [(p: Double, x: Double)] = [
        (0.5, 0), (0.975, 1.959963984540054), (1e-10, -6.361340902404056), (1e-300, -37.0470962993612),
    ]

    @Test("quantile matches SciPy", arguments: 0..<4)
    func quantileKnown(_ i: Int) {
        let (p, x) = Self.known[i]
        let q = StandardNormal.quantile(p)
        #expect(abs(q - x) <= 4 * x.ulp + 1e-300, "Φ⁻¹(\(p)) = \(q), expected \(x)")
    }

    @Test("upper quantile, edge probabilities and the CDF")
    func edges() {
        #expect(abs(StandardNormal.upperQuantile(1e-20) - 9.262340089798409) < 1e-14)
        #expect(StandardNormal.quantile(0) == -.infinity && StandardNormal.quantile(1) == .infinity)
        #expect(StandardNormal.quantile(-0.1).isNaN && StandardNormal.quantile(.nan).isNaN)
        #expect(StandardNormal.cdf(0) == 0.5)
        #expect(abs(StandardNormal.cdf(-1.959963984540054) - 0.025) < 1e-16)
        #expect(abs(StandardNormal.complementaryCDF(10) / 7.61985302416047e-24 - 1) < 1e-13)
        #expect(abs(StandardNormal.probability(from: 5, to: 6) / 2.856649842341556e-07 - 1) < 1e-12)
    }

    /// A relative error ε in x moves Φ(x) by about x²·ε relatively in the tails, so the
    /// tolerance grows with x² (a few ulp of x, propagated).
    @Test("Φ(Φ⁻¹(p)) = p within the conditioning of Φ, from 1e-300 to 1 − 1e-16")
    func roundTrip() {
        var p = 1e-300
        while p < 0.5 {
            let x = StandardNormal.quantile(p)
            let tolerance = 1e-15 * (2 + x * x)
            #expect(abs(StandardNormal.cdf(x) / p - 1) < tolerance, "p = \(p)")
            let upper = 1 - p
            if upper < 1 {
                // 1 − upper is exact here (Sterbenz), so the upper tail is checked exactly too.
                let y = StandardNormal.quantile(upper)
                #expect(abs(StandardNormal.complementaryCDF(y) / (1 - upper) - 1) < 1e-15 * (2 + y * y) + 2e-16 / (1 - upper),
                        "p = \(upper)")
            }
            p *= 1.37
        }
    }

    @Test("FastLog (float64) is within 1 ulp of libm, subnormals included")
    func doubleLog() {
        var x = Double.leastNonzeroMagnitude
        while x < 1e300 {
            for v in [x, x * 1.0000001, x.nextUp] {
                let expected = Foundation.log(v)
                #expect(abs(FastLog.log(v) - expected) <= expected.ulp, "log(\(v))")
            }
            x *= 1.618
        }
    }

    @Test("FastLog (float32) is within 2 ulp of the correctly rounded value")
    func floatLog() {
        var x = Float.leastNormalMagnitude
        while x < 1 {
            let expected = Float(Foundation.log(Double(x)))
            #expect(abs(FastLog.log(x) - expected) <= 2 * expected.ulp, "log(\(x))")
            x *= 1.0123
        }
    }

    /// The float32 kernel against the float64 one on exact uniforms u = (w + ½)/2³², over a
    /// sweep of words that includes both tails and the branch boundaries at r = 0.075.
    /// A release sweep over every 7th word measured at most 6.1 ulp in the central region
    /// (|x| > 1e-3), 5.5 ulp in the tails, and 1.5e-6 absolute (float32 arithmetic, not the
    /// PPND7 approximation, is the limit: PPND16's coefficients in float32 do no better).
    @Test("float32 PPND7 kernel is within 7 ulp of PPND16")
    func floatKernelAccuracy() {
        var w: UInt64 = 0
        var worst: Float = 0
        while w < 1 << 32 {
            let word = UInt32(w)
            let m = word ^ UInt32(bitPattern: Int32(bitPattern: word) >> 31)
            let r = (Float(Int32(bitPattern: m)) + 0.5) * 0x1p-32
            let q = Float(Int32(bitPattern: word ^ 0x8000_0000)) * 0x1p-32 + 0x1p-33
            let got = NormalQuantile.float(q: q, r: r)
            let exact = StandardNormal.quantile((Double(word) + 0.5) * 0x1p-32)
            let error = abs(Double(got) - exact)
            let allowed = max(7 * Double(Float(exact).ulp), 2e-7)
            if error > allowed { Issue.record("w = \(word): \(got) vs \(exact)") }
            worst = max(worst, Float(error / max(Double(Float(exact).ulp), 2e-7 / 7)))
            // Dense near the ends and the central/tail boundary, sparse elsewhere.
            let distance = min(w, (1 << 32) - 1 - w)
            w += distance < 4096 ? 1 : (distance < 1 << 20 ? 97 : 100_003)
        }
        #expect(worst <= 7)
    }

    @Test("the full float32 kernel reaches the far tail (r < e⁻²⁵)")
    func floatFarTail() {
        for r: Float in [1e-12, 1e-20, 1e-30, 1e-37] {
            let exact = StandardNormal.quantile(Double(r))
            let got = NormalQuantile.float(q: r - 0.5, r: r)
            #expect(abs(Double(got) - exact) <= 7 * Double(Float(exact).ulp), "r = \(r): \(got) vs \(exact)")
        }
    }
}
