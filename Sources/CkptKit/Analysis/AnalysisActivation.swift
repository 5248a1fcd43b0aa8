import Foundation

/// An activation the analysis pass applies, elementwise except softmax (over one axis), with
/// Keras 3's definitions (`keras/src/activations/activations.py`).
enum AnalysisActivation: Sendable, Equatable {
    case linear
    /// Keras' `relu(x, negative_slope, max_value, threshold)`: x ≥ threshold → min(x, max_value),
    /// else negative_slope·(x − threshold). The plain ReLU is (0, ∞, 0).
    case relu(negativeSlope: Float, maxValue: Float, threshold: Float)
    case tanh
    case sigmoid
    /// relu6(x + 3) / 6 (Keras 3).
    case hardSigmoid
    case selu
    case elu(alpha: Float)
    /// 0.5·x·(1 + erf(x/√2)), or the tanh approximation.
    case gelu(approximate: Bool)
    case silu
    case softplus
    case softsign
    case mish
    case exponential
    /// x · hard_sigmoid(x).
    case hardSilu
    case softmax(axis: Int)

    static let plainReLU = AnalysisActivation.relu(negativeSlope: 0, maxValue: .infinity, threshold: 0)

    /// The activation a Keras name stands for (normalized as `ActivationTable.normalize`), or nil.
    init?(name: String) {
        switch name {
        case "linear": self = .linear
        case "relu": self = .plainReLU
        case "relu6": self = .relu(negativeSlope: 0, maxValue: 6, threshold: 0)
        case "leaky_relu": self = .relu(negativeSlope: 0.2, maxValue: .infinity, threshold: 0)
        case "tanh": self = .tanh
        case "sigmoid": self = .sigmoid
        case "hard_sigmoid": self = .hardSigmoid
        case "selu": self = .selu
        case "elu": self = .elu(alpha: 1)
        case "gelu": self = .gelu(approximate: false)
        case "silu": self = .silu
        case "softplus": self = .softplus
        case "softsign": self = .softsign
        case "mish": self = .mish
        case "exponential": self = .exponential
        case "hard_silu", "hard_swish": self = .hardSilu
        case "softmax": self = .softmax(axis: -1)
        default: return nil
        }
    }

    /// Whether units can die (output exactly zero with zero gradient below the threshold).
    var isReLULike: Bool {
        if case .relu(let slope, _, _) = self { return slope == 0 }
        return false
    }

    /// Whether the activation saturates (tanh, sigmoid, hard sigmoid).
    var saturates: Bool {
        switch self {
        case .tanh, .sigmoid, .hardSigmoid: return true
        default: return false
        }
    }

    var isLinear: Bool { self == .linear }

    // MARK: scalar forms (float64, for the pass in float32 and the Gaussian moments)

    static let seluAlpha = 1.6732632423543772848170429916717
    static let seluScale = 1.0507009873554804934193349852946

    /// φ(x), for every case but softmax.
    func value(_ x: Double) -> Double {
        switch self {
        case .linear, .softmax: return x
        case .relu(let slope, let maxValue, let threshold):
            return x >= Double(threshold) ? min(x, Double(maxValue)) : Double(slope) * (x - Double(threshold))
        case .tanh: return Foundation.tanh(x)
        case .sigmoid: return 1 / (1 + exp(-x))
        case .hardSigmoid: return min(max(x + 3, 0), 6) / 6
        case .selu: return x > 0 ? Self.seluScale * x : Self.seluScale * Self.seluAlpha * (exp(x) - 1)
        case .elu(let alpha): return x > 0 ? x : Double(alpha) * (exp(x) - 1)
        case .gelu(let approximate):
            if approximate {
                return 0.5 * x * (1 + Foundation.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
            }
            return 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
        case .silu: return x / (1 + exp(-x))
        case .softplus: return Self.softplus(x)
        case .softsign: return x / (1 + abs(x))
        case .mish: return x * Foundation.tanh(Self.softplus(x))
        case .exponential: return exp(x)
        case .hardSilu: return x * min(max(x + 3, 0), 6) / 6
        }
    }

    /// φ'(x), for every case but softmax.
    func derivative(_ x: Double) -> Double {
        switch self {
        case .linear, .softmax: return 1
        case .relu(let slope, let maxValue, let threshold):
            // At the threshold a ReLU's derivative is 0 (JAX's and PyTorch's convention, which
            // matters where a dead channel gives exact zeros), a leaky ReLU's 1.
            if x > Double(threshold) || (x == Double(threshold) && slope != 0) { return x < Double(maxValue) ? 1 : 0 }
            return Double(slope)
        case .tanh: let t = Foundation.tanh(x); return 1 - t * t
        case .sigmoid: let s = 1 / (1 + exp(-x)); return s * (1 - s)
        case .hardSigmoid: return x > -3 && x < 3 ? 1.0 / 6 : 0
        case .selu: return x > 0 ? Self.seluScale : Self.seluScale * Self.seluAlpha * exp(x)
        case .elu(let alpha): return x > 0 ? 1 : Double(alpha) * exp(x)
        case .gelu(let approximate):
            if approximate {
                let c = 0.7978845608028654, u = c * (x + 0.044715 * x * x * x)
                let t = Foundation.tanh(u)
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
            }
            let cdf = 0.5 * (1 + erf(x / 2.0.squareRoot()))
            return cdf + x * exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        case .silu: let s = 1 / (1 + exp(-x)); return s * (1 + x * (1 - s))
        case .softplus: return 1 / (1 + exp(-x))
        case .softsign: let d = 1 + abs(x); return 1 / (d * d)
        case .mish:
            let sp = Self.softplus(x), t = Foundation.tanh(sp), s = 1 / (1 + exp(-x))
            return t + x * (1 - t * t) * s
        case .exponential: return exp(x)
        case .hardSilu:
            if x <= -3 { return 0 }
            if x >= 3 { return 1 }
            return (2 * x + 3) / 6
        }
    }

    private static func softplus(_ x: Double) -> Double { x > 30 ? x : log1p(exp(x)) }

    // MARK: tensors

    /// φ applied to `x` (softmax over its axis).
    func apply(_ x: AnalysisTensor) -> AnalysisTensor {
        if isLinear { return x }
        if case .softmax(let axis) = self { return Self.softmax(x, axis: axis) }
        var out = x
        for i in out.values.indices { out.values[i] = Float(value(Double(x.values[i]))) }
        return out
    }

    /// dL/dx from dL/dy, the input `x` and the output `y`.
    func backward(_ x: AnalysisTensor, _ y: AnalysisTensor, _ grad: AnalysisTensor) -> AnalysisTensor {
        if isLinear { return grad }
        var out = grad
        if case .softmax(let axis) = self {
            let (outer, size, inner) = Self.split(x.shape, axis: axis)
            for o in 0..<outer {
                for i in 0..<inner {
                    var dot = 0.0
                    for s in 0..<size { let k = (o * size + s) * inner + i; dot += Double(grad.values[k]) * Double(y.values[k]) }
                    for s in 0..<size {
                        let k = (o * size + s) * inner + i
                        out.values[k] = Float(Double(y.values[k]) * (Double(grad.values[k]) - dot))
                    }
                }
            }
            return out
        }
        for i in out.values.indices { out.values[i] = Float(Double(grad.values[i]) * derivative(Double(x.values[i]))) }
        return out
    }

    /// (product of the axes before, the axis, product of the axes after).
    static func split(_ shape: [Int], axis: Int) -> (Int, Int, Int) {
        let a = axis < 0 ? axis + shape.count : axis
        let outer = shape[..<a].reduce(1, *), size = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        return (outer, size, inner)
    }

    static func softmax(_ x: AnalysisTensor, axis: Int) -> AnalysisTensor {
        var out = x
        let (outer, size, inner) = split(x.shape, axis: axis)
        for o in 0..<outer {
            for i in 0..<inner {
                var top = -Double.infinity
                for s in 0..<size { top = max(top, Double(x.values[(o * size + s) * inner + i])) }
                var sum = 0.0
                for s in 0..<size { sum += exp(Double(x.values[(o * size + s) * inner + i]) - top) }
                for s in 0..<size {
                    let k = (o * size + s) * inner + i
                    out.values[k] = Float(exp(Double(x.values[k]) - top) / sum)
                }
            }
        }
        return out
    }
}
