import Foundation

/// Mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017): the length map
/// q = σ_w²·E[x²] + E[b²] of a dense or convolution layer, the Gaussian moments of an activation
/// at that q, and the gradient factor χ = σ_w²·E[φ'(√q·z)²]. Moments come from closed forms for
/// linear and ReLU and from Gauss–Hermite quadrature for the others.
enum MeanField {
    /// The prediction for one tensor: its mean and second moment.
    struct Moments: Sendable, Equatable {
        var mean: Double
        var secondMoment: Double
        var variance: Double { max(0, secondMoment - mean * mean) }
    }

    /// Gauss–Hermite nodes and weights for E[f(z)], z ~ N(0, 1): E ≈ Σ wᵢ f(xᵢ).
    static let quadrature: [(x: Double, w: Double)] = hermite(96)

    /// E[f(√q·z)].
    static func expectation(q: Double, _ f: (Double) -> Double) -> Double {
        let s = max(q, 0).squareRoot()
        return quadrature.reduce(0) { $0 + $1.w * f(s * $1.x) }
    }

    /// (E[φ], E[φ²], E[φ'²]) at pre-activation variance q.
    static func moments(_ activation: AnalysisActivation, q: Double) -> (mean: Double, square: Double, derivativeSquare: Double) {
        switch activation {
        case .linear: return (0, q, 1)
        case .relu(0, .infinity, 0): return ((q / (2 * Double.pi)).squareRoot(), q / 2, 0.5)
        default:
            return (expectation(q: q, activation.value), expectation(q: q) { let v = activation.value($0); return v * v },
                    expectation(q: q) { let d = activation.derivative($0); return d * d })
        }
    }

    /// Nodes and weights of n-point Gauss–Hermite quadrature for the standard normal (Newton's
    /// method on the physicists' Hermite polynomials, as Numerical Recipes' `gauher`).
    static func hermite(_ n: Int) -> [(x: Double, w: Double)] {
        var nodes: [(Double, Double)] = []
        var z = 0.0
        let pim4 = 0.7511255444649425  // π^(−1/4)
        for i in 0..<(n + 1) / 2 {
            switch i {
            case 0: z = (Double(2 * n + 1)).squareRoot() - 1.85575 * pow(Double(2 * n + 1), -0.16667)
            case 1: z -= 1.14 * pow(Double(n), 0.426) / z
            case 2: z = 1.86 * z - 0.86 * nodes[0].0
            case 3: z = 1.91 * z - 0.91 * nodes[1].0
            default: z = 2 * z - nodes[i - 2].0
            }
            var pp = 0.0
            for _ in 0..<100 {
                var p1 = pim4, p2 = 0.0
                for j in 1...n {
                    let p3 = p2
                    p2 = p1
                    p1 = z * (2.0 / Double(j)).squareRoot() * p2 - (Double(j - 1) / Double(j)).squareRoot() * p3
                }
                pp = (2 * Double(n)).squareRoot() * p2
                let z1 = z
                z = z1 - p1 / pp
                if abs(z - z1) <= 1e-14 { break }
            }
            nodes.append((z, 2 / (pp * pp)))
        }
        var result: [(x: Double, w: Double)] = []
        for (x, w) in nodes {
            // Physicists' ∫e^{−x²}f(x) → standard normal: x√2, w/√π.
            result.append((x * 2.0.squareRoot(), w / Double.pi.squareRoot()))
            if x != 0 { result.append((-x * 2.0.squareRoot(), w / Double.pi.squareRoot())) }
        }
        return result
    }
}
