/// How a tensor's values are made once its initializer, shape and fans are known.
///
/// Most initializers draw every element independently from one `Distribution`: any thread can
/// fill any range of the tensor. The structured ones (orthogonal, identity, dirac, …) define the
/// tensor as a whole; they are generated into one buffer of the full tensor, and the plan says so.
public enum ValueFill: Sendable, Hashable {
    /// Every element drawn independently from the distribution (element i from word i).
    case elementwise(Distribution)
    /// The tensor as a whole: see `StructuredFill`.
    case structured(StructuredFill)

    /// The distribution of an elementwise fill.
    public var distribution: Distribution? {
        if case .elementwise(let distribution) = self { return distribution }
        return nil
    }

    /// Whether generating the tensor needs a buffer of the whole tensor.
    public var needsWholeTensor: Bool {
        if case .structured = self { return true }
        return false
    }
}

/// Initializers that define a tensor as a whole rather than element by element.
///
/// Every case works on the tensor in ckpt's (Keras) layout: Dense kernels are (in, out),
/// convolution kernels (k₁, …, k_N, C_in/groups, C_out). Random draws come from the tensor's
/// stream with substream ids above 0 (docs/random-streams.md, "Structured initializers").
public enum StructuredFill: Sendable, Hashable {
    /// A (semi-)orthogonal matrix times `gain`: Householder QR of a Gaussian matrix with the
    /// sign(diag R) correction, on the tensor flattened as `flattening` says.
    case orthogonal(gain: Double, flattening: OrthogonalFlattening)
    /// A 2-D tensor with `gain` on the diagonal W[i, i], i < min(rows, cols), zeros elsewhere
    /// (Keras `Identity`, PyTorch `eye_` with gain 1).
    case identity(gain: Double)
    /// PyTorch `dirac_(groups)` in Keras layout: W[c₁, …, c_N, d, g·opg + d] = gain with the
    /// centre c = k//2, opg = C_out/groups, d < min(opg, C_in/groups).
    case dirac(groups: Int, gain: Double)
    /// JAX `delta_orthogonal`: zeros except the kernel centre ((k−1)//2 on every spatial axis),
    /// which is `gain`·orthogonal((C_in, C_out)); needs C_out ≥ C_in.
    case deltaOrthogonal(gain: Double)
    /// PyTorch `sparse_(sparsity, std)` in Keras layout: N(0, std²), then in every row of the
    /// (in, out) kernel ⌈sparsity·out⌉ randomly chosen entries are zero (PyTorch zeroes that many
    /// rows of each column of its (out, in) weight: the same connections).
    case sparse(sparsity: Double, std: Double)
    /// ZerO (Zhao et al. 2021): deterministic identity/Hadamard-based matrices.
    case zerO
    /// A Keras LSTM bias with `unit_forget_bias`: `base` everywhere except the forget gate's
    /// slice [units, 2·units), which is 1.
    case unitForgetBias(units: Int, base: Distribution)
    /// The last axis split into `count` equal blocks (an RNN's gates), each block filled by
    /// `inner` on its own (Flax's per-gate orthogonal recurrent kernels).
    indirect case gates(count: Int, inner: StructuredFill)
}

/// How an orthogonal initializer flattens a tensor of rank ≥ 2 to a matrix.
public enum OrthogonalFlattening: Sendable, Hashable {
    /// Keras / TF: (∏shape[:-1], shape[-1]).
    case keras
    /// PyTorch: (shape[0], ∏shape[1:]).
    case torch
    /// JAX: (numel / shape[axis], shape[axis]) with the given column axis (negative from the end).
    case columnAxis(Int)
}

extension ValueFill {
    /// The mean and standard deviation of the tensor's values taken together (for a structured
    /// fill, of its entries as a population; nil when there is no closed form).
    public func expectedMoments(shape: [Int]) -> (mean: Double, std: Double)? {
        switch self {
        case .elementwise(let distribution):
            return (distribution.mean, distribution.standardDeviation)
        case .structured(let structured):
            return structured.expectedMoments(shape: shape)
        }
    }

    /// The closed interval every value lies in, when the fill is bounded.
    public var bounds: (lower: Double, upper: Double)? {
        switch self {
        case .elementwise(let distribution): return distribution.bounds
        case .structured: return nil
        }
    }

    /// A short human description: `U(-0.0625, 0.0625)`, `orthogonal(gain=1, keras)`.
    public var summary: String {
        switch self {
        case .elementwise(let distribution): return distribution.summary
        case .structured(let structured): return structured.summary
        }
    }
}

extension StructuredFill {
    /// Whether generating the fill runs a LAPACK QR (orthogonal, delta-orthogonal).
    public var usesQR: Bool {
        switch self {
        case .orthogonal, .deltaOrthogonal: return true
        case .gates(_, let inner): return inner.usesQR
        default: return false
        }
    }

    /// A short human description for plans and recipes.
    public var summary: String {
        func f(_ x: Double) -> String { NumberText.short(x) }
        switch self {
        case .orthogonal(let gain, let flattening):
            let layout: String
            switch flattening {
            case .keras: layout = "keras"
            case .torch: layout = "torch"
            case .columnAxis(let axis): layout = "column_axis=\(axis)"
            }
            return "orthogonal(gain=\(f(gain)), \(layout))"
        case .identity(let gain): return "identity(gain=\(f(gain)))"
        case .dirac(let groups, let gain): return "dirac(groups=\(groups), gain=\(f(gain)))"
        case .deltaOrthogonal(let gain): return "delta_orthogonal(gain=\(f(gain)))"
        case .sparse(let sparsity, let std): return "sparse(sparsity=\(f(sparsity)), std=\(f(std)))"
        case .zerO: return "zero_init"
        case .unitForgetBias(let units, let base): return "\(base.summary), forget gate [\(units), \(2 * units)) = 1"
        case .gates(let count, let inner): return "\(count) gates × \(inner.summary)"
        }
    }

    /// Mean and standard deviation of the entries as a population, where a closed form exists.
    public func expectedMoments(shape: [Int]) -> (mean: Double, std: Double)? {
        let count = Double(shape.reduce(1, *))
        guard count > 0 else { return nil }
        /// `nonzero` entries of value ±magnitude (sum of squares known), mean 0 or `sum/count`.
        func population(sum: Double, sumOfSquares: Double) -> (mean: Double, std: Double) {
            let mean = sum / count
            return (mean, max(0, sumOfSquares / count - mean * mean).squareRoot())
        }
        switch self {
        case .orthogonal(let gain, let flattening):
            guard let (rows, cols) = StructuredFill.matrixShape(shape, flattening) else { return nil }
            // Orthonormal columns (or rows): min(r, c) unit vectors, so Σx² = gain²·min(r, c).
            return population(sum: 0, sumOfSquares: gain * gain * Double(min(rows, cols)))
        case .identity(let gain):
            guard shape.count == 2 else { return nil }
            let n = Double(min(shape[0], shape[1]))
            return population(sum: gain * n, sumOfSquares: gain * gain * n)
        case .dirac(let groups, let gain):
            guard shape.count >= 3, groups >= 1 else { return nil }
            let cin = shape[shape.count - 2], cout = shape[shape.count - 1]
            let n = Double(groups * min(cout / groups, cin))
            return population(sum: gain * n, sumOfSquares: gain * gain * n)
        case .deltaOrthogonal(let gain):
            guard shape.count >= 3 else { return nil }
            let cin = shape[shape.count - 2], cout = shape[shape.count - 1]
            return population(sum: 0, sumOfSquares: gain * gain * Double(min(cin, cout)))
        case .sparse(let sparsity, let std):
            guard shape.count == 2, shape[1] > 0 else { return nil }
            let zeros = (sparsity * Double(shape[1])).rounded(.up)
            let kept = max(0, Double(shape[1]) - zeros) / Double(shape[1])
            return (0, std * kept.squareRoot())
        case .zerO:
            // Only the (in, out) matrix (at the centre of a conv kernel) is nonzero.
            guard shape.count >= 2 else { return nil }
            let rows = shape[shape.count - 2], cols = shape[shape.count - 1]
            if cols <= rows { return population(sum: Double(cols), sumOfSquares: Double(cols)) }
            let c = ZerO.hadamardScale(cols: cols)
            var sum = 0
            for i in 0..<rows { for j in 0..<cols { sum += (i & j).nonzeroBitCount & 1 == 0 ? 1 : -1 } }
            return population(sum: c * Double(sum), sumOfSquares: c * c * Double(rows * cols))
        case .unitForgetBias(let units, let base):
            guard shape == [4 * units], units > 0 else { return nil }
            let n = Double(units)
            let m = base.mean, v = base.standardDeviation * base.standardDeviation
            return population(sum: 3 * n * m + n, sumOfSquares: 3 * n * (v + m * m) + n)
        case .gates(let count, let inner):
            guard let last = shape.last, count > 0, last % count == 0 else { return nil }
            return inner.expectedMoments(shape: shape.dropLast() + [last / count])
        }
    }

    /// The (rows, columns) matrix an orthogonal fill works on, or nil for rank < 2.
    public static func matrixShape(_ shape: [Int], _ flattening: OrthogonalFlattening) -> (rows: Int, cols: Int)? {
        guard shape.count >= 2 else { return nil }
        let total = shape.reduce(1, *)
        switch flattening {
        case .keras:
            return (total / max(1, shape[shape.count - 1]), shape[shape.count - 1])
        case .torch:
            return (shape[0], total / max(1, shape[0]))
        case .columnAxis(let axis):
            let index = axis < 0 ? axis + shape.count : axis
            guard shape.indices.contains(index) else { return nil }
            return (total / max(1, shape[index]), shape[index])
        }
    }
}

extension ValueFill {
    /// The fill with every value multiplied by `factor` (so its std too), or nil when the fill has
    /// no such form (ZerO is fixed by design).
    public func scaled(by factor: Double) -> ValueFill? {
        switch self {
        case .elementwise(let distribution): return .elementwise(distribution.scaled(by: factor))
        case .structured(let structured): return structured.scaled(by: factor).map(ValueFill.structured)
        }
    }
}

extension Distribution {
    /// Every value multiplied by `factor`.
    public func scaled(by factor: Double) -> Distribution {
        switch self {
        case .constant(let value): return .constant(value * factor)
        case .uniform(let low, let high):
            return factor >= 0 ? .uniform(low: low * factor, high: high * factor) : .uniform(low: high * factor, high: low * factor)
        case .normal(let mean, let std): return .normal(mean: mean * factor, std: std * abs(factor))
        case .truncatedNormal(let mean, let std, let low, let high):
            let (a, b) = factor >= 0 ? (low * factor, high * factor) : (high * factor, low * factor)
            return .truncatedNormal(mean: mean * factor, std: std * abs(factor), low: a, high: b)
        }
    }
}

extension StructuredFill {
    /// Every value multiplied by `factor` (the forget-gate ones of an LSTM bias stay 1), or nil.
    public func scaled(by factor: Double) -> StructuredFill? {
        switch self {
        case .orthogonal(let gain, let flattening): return .orthogonal(gain: gain * factor, flattening: flattening)
        case .identity(let gain): return .identity(gain: gain * factor)
        case .dirac(let groups, let gain): return .dirac(groups: groups, gain: gain * factor)
        case .deltaOrthogonal(let gain): return .deltaOrthogonal(gain: gain * factor)
        case .sparse(let sparsity, let std): return .sparse(sparsity: sparsity, std: std * abs(factor))
        case .zerO: return nil
        case .unitForgetBias(let units, let base): return .unitForgetBias(units: units, base: base.scaled(by: factor))
        case .gates(let count, let inner): return inner.scaled(by: factor).map { .gates(count: count, inner: $0) }
        }
    }
}
