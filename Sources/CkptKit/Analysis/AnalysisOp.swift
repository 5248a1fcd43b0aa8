/// One layer's computation in the analysis pass, without its activation: the forward values and
/// the gradients with respect to each input and each weight. Ops keep no state between the two
/// passes; what the backward pass needs it recomputes from the inputs.
protocol AnalysisOp: Sendable {
    /// The output for `inputs` and the layer's `weights` (in the op's own order).
    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor
    /// dL/d(each input) (nil for an integer input) and dL/d(each weight), from dL/d(output).
    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor])
}

/// The identity (InputLayer, dropout and noise layers at inference, activation layers' core).
struct IdentityOp: AnalysisOp {
    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor { inputs[0] }
    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        ([grad], [])
    }
}

/// Runs an op written for channels-last data on channels-first data: the input's channel axis
/// (1) moves last, and the output's channel axis back to 1.
struct ChannelsFirstOp: AnalysisOp {
    let inner: AnalysisOp

    private static func toLast(_ rank: Int) -> [Int] { [0] + Array(2..<rank) + [1] }
    private static func toFirst(_ rank: Int) -> [Int] { [0, rank - 1] + Array(1..<(rank - 1)) }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let out = try inner.forward(inputs.map { $0.permuted(Self.toLast($0.rank)) }, weights)
        return out.rank > 2 ? out.permuted(Self.toFirst(out.rank)) : out
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let lastInputs = inputs.map { $0.permuted(Self.toLast($0.rank)) }
        let lastOutput = output.rank > 2 ? output.permuted(Self.toLast(output.rank)) : output
        let lastGrad = grad.rank > 2 ? grad.permuted(Self.toLast(grad.rank)) : grad
        let result = try inner.backward(lastInputs, weights, output: lastOutput, grad: lastGrad)
        return (result.inputs.map { $0.map { $0.permuted(Self.toFirst($0.rank)) } }, result.weights)
    }
}

/// y = x·W + b over the last axis (Dense).
struct DenseOp: AnalysisOp {
    let useBias: Bool

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0], kernel = weights[0]
        let k = kernel.shape[0], n = kernel.shape[1], m = x.count / max(1, k)
        var out = [Float](repeating: 0, count: m * n)
        if useBias {
            for row in 0..<m { for j in 0..<n { out[row * n + j] = weights[1].values[j] } }
        }
        try BLAS.matmul(x.values, kernel.values, m: m, n: n, k: k, accumulateInto: &out)
        return AnalysisTensor(shape: Array(x.shape.dropLast()) + [n], values: out)
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0], kernel = weights[0]
        let k = kernel.shape[0], n = kernel.shape[1], m = x.count / max(1, k)
        var dx = [Float](repeating: 0, count: x.count)
        try BLAS.matmul(grad.values, kernel.values, m: m, n: k, k: n, transB: true, accumulateInto: &dx)
        var dk = [Float](repeating: 0, count: kernel.count)
        try BLAS.matmul(x.values, grad.values, m: k, n: n, k: m, transA: true, accumulateInto: &dk)
        var weightGrads = [AnalysisTensor(shape: kernel.shape, values: dk)]
        if useBias { weightGrads.append(Reduce.sumRows(grad, columns: n)) }
        return ([AnalysisTensor(shape: x.shape, values: dx)], weightGrads)
    }
}

/// Sums and helpers shared by the ops.
enum Reduce {
    /// The sum over rows of `t` viewed as rows × `columns` (a bias gradient), in float64.
    static func sumRows(_ t: AnalysisTensor, columns: Int) -> AnalysisTensor {
        var sums = [Double](repeating: 0, count: columns)
        let rows = t.count / max(1, columns)
        for r in 0..<rows { for c in 0..<columns { sums[c] += Double(t.values[r * columns + c]) } }
        return AnalysisTensor(shape: [columns], values: sums.map { Float($0) })
    }
}
