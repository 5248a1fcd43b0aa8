import Testing
@testable import CkptKit

/// Small deterministic values for the op tests.
struct TestValues {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
    /// Uniform in (−1, 1), kept at least `gap` away from every point in `avoid`.
    mutating func tensor(_ shape: [Int], scale: Double = 1, avoid: [Double] = [], gap: Double = 0.02) -> AnalysisTensor {
        var values: [Float] = []
        for _ in 0..<shape.reduce(1, *) {
            var v = next() * scale
            while avoid.contains(where: { abs(v - $0) < gap }) { v = next() * scale }
            values.append(Float(v))
        }
        return AnalysisTensor(shape: shape, values: values)
    }
}

/// Each op's backward pass against central finite differences of L = Σ(output ⊙ G), in float64
/// sums on tiny shapes, along a random direction per input and per weight.
@Suite("Analysis ops: gradients by finite differences")
struct AnalysisOpTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var op: AnalysisOp
        var activation: AnalysisActivation = .linear
        var inputs: [[Int]]
        var weights: [[Int]] = []
        var avoid: [Double] = []
        var integerInput = false
        var testDescription: String { name }
    }

    static func loss(_ c: Case, _ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], _ g: AnalysisTensor) throws -> Double {
        let out = c.activation.apply(try c.op.forward(inputs, weights))
        return zip(out.values, g.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    static let cases: [Case] = [
        Case(name: "Dense", op: DenseOp(useBias: true), inputs: [[3, 4]], weights: [[4, 5], [5]]),
        Case(name: "Dense tanh", op: DenseOp(useBias: true), activation: .tanh, inputs: [[2, 3, 4]], weights: [[4, 3], [3]]),
        Case(name: "Conv2D valid", op: ConvolutionOp(rank: 2, kernelSize: [3, 3], strides: [1, 1], dilation: [1, 1], padding: "valid", useBias: true, transposed: false),
             inputs: [[2, 5, 6, 3]], weights: [[3, 3, 3, 4], [4]]),
        Case(name: "Conv2D same stride 2", op: ConvolutionOp(rank: 2, kernelSize: [3, 2], strides: [2, 2], dilation: [1, 1], padding: "same", useBias: false, transposed: false),
             inputs: [[2, 5, 6, 2]], weights: [[3, 2, 2, 3]]),
        Case(name: "Conv2D dilated", op: ConvolutionOp(rank: 2, kernelSize: [2, 2], strides: [1, 1], dilation: [2, 2], padding: "same", useBias: true, transposed: false),
             inputs: [[1, 5, 5, 2]], weights: [[2, 2, 2, 2], [2]]),
        Case(name: "Conv1D causal", op: ConvolutionOp(rank: 1, kernelSize: [3], strides: [1], dilation: [2], padding: "causal", useBias: true, transposed: false),
             inputs: [[2, 7, 2]], weights: [[3, 2, 3], [3]]),
        Case(name: "Conv2DTranspose same", op: ConvolutionOp(rank: 2, kernelSize: [3, 3], strides: [2, 2], dilation: [1, 1], padding: "same", useBias: true, transposed: true),
             inputs: [[2, 3, 3, 2]], weights: [[3, 3, 4, 2], [4]]),
        Case(name: "Conv1DTranspose valid", op: ConvolutionOp(rank: 1, kernelSize: [3], strides: [2], dilation: [1], padding: "valid", useBias: false, transposed: true),
             inputs: [[2, 4, 3]], weights: [[3, 2, 3]]),
        Case(name: "Conv2D groups 2", op: GroupedConvolutionOp(inner: ConvolutionOp(rank: 2, kernelSize: [2, 2], strides: [1, 1], dilation: [1, 1], padding: "valid", useBias: true, transposed: false), groups: 2),
             inputs: [[2, 4, 4, 4]], weights: [[2, 2, 2, 6], [6]]),
        Case(name: "DepthwiseConv2D", op: DepthwiseConvolutionOp(rank: 2, kernelSize: [3, 3], strides: [2, 2], dilation: [1, 1], padding: "same", useBias: true, separable: false),
             inputs: [[2, 5, 5, 2]], weights: [[3, 3, 2, 2], [4]]),
        Case(name: "SeparableConv1D", op: DepthwiseConvolutionOp(rank: 1, kernelSize: [3], strides: [1], dilation: [1], padding: "valid", useBias: true, separable: true),
             inputs: [[2, 6, 2]], weights: [[3, 2, 2], [1, 4, 3], [3]]),
        Case(name: "BatchNormalization batch", op: BatchNormalizationOp(axis: -1, epsilon: 1e-3, scale: true, center: true, batchStatistics: true),
             inputs: [[4, 3, 2]], weights: [[2], [2], [2], [2]]),
        Case(name: "BatchNormalization inference", op: BatchNormalizationOp(axis: 1, epsilon: 1e-3, scale: true, center: false, batchStatistics: false),
             inputs: [[3, 2, 4]], weights: [[2], [2], [2]]),
        Case(name: "LayerNormalization", op: LayerNormalizationOp(trailingAxes: 2, epsilon: 1e-3, scale: true, center: true),
             inputs: [[3, 2, 4]], weights: [[2, 4], [2, 4]]),
        Case(name: "Add", op: MergeOp(kind: .add), inputs: [[2, 3], [2, 3], [2, 3]]),
        Case(name: "Subtract", op: MergeOp(kind: .subtract), inputs: [[2, 3], [2, 3]]),
        Case(name: "Multiply broadcast", op: MergeOp(kind: .multiply), inputs: [[2, 2, 2, 3], [2, 1, 1, 3]]),
        Case(name: "Average", op: MergeOp(kind: .average), inputs: [[2, 3], [2, 3]]),
        Case(name: "Concatenate", op: ConcatenateOp(axis: -1), inputs: [[2, 3, 2], [2, 3, 4]]),
        Case(name: "Concatenate axis 1", op: ConcatenateOp(axis: 1), inputs: [[2, 1, 2], [2, 3, 2]]),
        Case(name: "MaxPooling2D same", op: PoolingOp(rank: 2, poolSize: [2, 2], strides: [2, 2], padding: "same", isMax: true), inputs: [[2, 5, 5, 2]]),
        Case(name: "AveragePooling2D same", op: PoolingOp(rank: 2, poolSize: [3, 3], strides: [2, 2], padding: "same", isMax: false), inputs: [[2, 5, 4, 2]]),
        Case(name: "MaxPooling1D", op: PoolingOp(rank: 1, poolSize: [2], strides: [1], padding: "valid", isMax: true), inputs: [[2, 5, 2]]),
        Case(name: "GlobalAveragePooling2D", op: GlobalPoolingOp(isMax: false, keepDims: false), inputs: [[2, 3, 3, 2]]),
        Case(name: "GlobalMaxPooling1D keepdims", op: GlobalPoolingOp(isMax: true, keepDims: true), inputs: [[2, 4, 3]]),
        Case(name: "ZeroPadding2D", op: PadCropOp(amounts: [(1, 2), (0, 1)], crop: false), inputs: [[2, 2, 3, 2]]),
        Case(name: "Cropping1D", op: PadCropOp(amounts: [(1, 2)], crop: true), inputs: [[2, 6, 2]]),
        Case(name: "UpSampling2D", op: UpSamplingOp(size: [2, 3]), inputs: [[2, 2, 2, 2]]),
        Case(name: "Flatten channels_first", op: ReshapeOp(target: nil, channelsFirst: true), inputs: [[2, 3, 2, 2]]),
        Case(name: "Reshape", op: ReshapeOp(target: [-1, 2]), inputs: [[2, 3, 4]]),
        Case(name: "Permute", op: ReshapeOp(target: nil, permutation: [2, 0, 1]), inputs: [[2, 3, 4, 2]]),
        Case(name: "Rescaling", op: RescalingOp(scale: 0.5, offset: 1), inputs: [[2, 3]]),
        Case(name: "Conv2D channels_first", op: ChannelsFirstOp(inner: ConvolutionOp(rank: 2, kernelSize: [2, 2], strides: [1, 1], dilation: [1, 1], padding: "same", useBias: true, transposed: false)),
             inputs: [[2, 3, 4, 4]], weights: [[2, 2, 3, 2], [2]]),
        Case(name: "Embedding", op: EmbeddingOp(), inputs: [[2, 3]], weights: [[5, 4]], integerInput: true),
    ] + activationCases

    static let activationCases: [Case] = {
        let named: [(String, AnalysisActivation, [Double])] = [
            ("relu", .plainReLU, [0]), ("relu6", .relu(negativeSlope: 0, maxValue: 6, threshold: 0), [0, 6]),
            ("leaky_relu", .relu(negativeSlope: 0.2, maxValue: .infinity, threshold: 0), [0]),
            ("ReLU threshold", .relu(negativeSlope: 0.1, maxValue: 1.5, threshold: 0.5), [0.5, 1.5]),
            ("tanh", .tanh, []), ("sigmoid", .sigmoid, []), ("hard_sigmoid", .hardSigmoid, [-3, 3]), ("selu", .selu, [0]),
            ("elu", .elu(alpha: 1), [0]), ("gelu", .gelu(approximate: false), []), ("gelu tanh", .gelu(approximate: true), []),
            ("silu", .silu, []), ("softplus", .softplus, []), ("softsign", .softsign, [0]), ("mish", .mish, []),
            ("exponential", .exponential, []), ("hard_silu", .hardSilu, [-3, 3]), ("softmax", .softmax(axis: -1), []),
            ("softmax axis 1", .softmax(axis: 1), []),
        ]
        return named.map { Case(name: "activation \($0.0)", op: IdentityOp(), activation: $0.1, inputs: [[3, 4, 3]], avoid: $0.2) }
    }()

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ c: Case) throws {
        var values = TestValues(seed: UInt64(c.name.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        // Inputs scaled so activations see their interesting range (±4), kinks avoided.
        var inputs = c.inputs.map { values.tensor($0, scale: c.op is IdentityOp ? 4 : 1, avoid: c.avoid) }
        if c.integerInput { inputs = inputs.map { t in AnalysisTensor(shape: t.shape, values: t.values.map { Float(Int(abs($0) * 4.99)) }) } }
        var weights = c.weights.map { values.tensor($0) }
        if c.op is BatchNormalizationOp, weights.count >= 2 {
            weights[weights.count - 1] = AnalysisTensor(shape: weights[weights.count - 1].shape, values: weights[weights.count - 1].values.map { abs($0) + 0.5 })
        }
        let pre = try c.op.forward(inputs, weights)
        let out = c.activation.apply(pre)
        let g = values.tensor(out.shape)
        let preGrad = c.activation.isLinear ? g : c.activation.backward(pre, out, g)
        let analytic = try c.op.backward(inputs, weights, output: pre, grad: preGrad)
        let h = 1e-2
        func check(_ label: String, _ grad: AnalysisTensor, perturb: (AnalysisTensor) throws -> Double, base: AnalysisTensor) throws {
            let direction = values.tensor(base.shape)
            func moved(_ step: Double) -> AnalysisTensor {
                AnalysisTensor(shape: base.shape, values: zip(base.values, direction.values).map { Float(Double($0) + step * Double($1)) })
            }
            let numeric = (try perturb(moved(h)) - perturb(moved(-h))) / (2 * h)
            let exact = zip(grad.values, direction.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(numeric - exact) <= 2e-3 * max(1, abs(exact)), "\(c.name) \(label): finite differences \(numeric), backward \(exact)")
        }
        for (i, input) in inputs.enumerated() where !c.integerInput {
            let grad = try #require(analytic.inputs[i])
            #expect(grad.shape == input.shape)
            try check("input \(i)", grad, perturb: { x in var xs = inputs; xs[i] = x; return try Self.loss(c, xs, weights, g) }, base: input)
        }
        for (i, weight) in weights.enumerated() {
            // BatchNormalization's moving statistics get no gradient in batch mode.
            if let bn = c.op as? BatchNormalizationOp, bn.batchStatistics, i >= weights.count - 2 { continue }
            if let bn = c.op as? BatchNormalizationOp, !bn.batchStatistics, i >= weights.count - 2 { continue }
            #expect(analytic.weights[i].shape == weight.shape)
            try check("weight \(i)", analytic.weights[i], perturb: { w in var ws = weights; ws[i] = w; return try Self.loss(c, inputs, ws, g) }, base: weight)
        }
    }
}
