import Testing
@testable import CkptKit

/// Forward values against direct float64 references on tiny shapes (Keras's own forward pass is
/// checked in Tests/Interop/check_analyze.py).
@Suite("Analysis ops: forward values")
struct AnalysisForwardTests {
    struct ConvCase: CustomTestStringConvertible, Sendable {
        var input: [Int], kernel: [Int], strides: [Int], dilation: [Int], padding: String
        var testDescription: String { "\(input) * \(kernel) s\(strides) d\(dilation) \(padding)" }
    }

    static let convCases: [ConvCase] = [
        ConvCase(input: [2, 5, 6, 3], kernel: [3, 3, 3, 4], strides: [1, 1], dilation: [1, 1], padding: "valid"),
        ConvCase(input: [1, 7, 5, 2], kernel: [3, 2, 2, 3], strides: [2, 2], dilation: [1, 1], padding: "same"),
        ConvCase(input: [1, 6, 6, 1], kernel: [2, 2, 1, 2], strides: [1, 2], dilation: [2, 1], padding: "same"),
        ConvCase(input: [2, 4, 4, 2], kernel: [4, 4, 2, 1], strides: [3, 3], dilation: [1, 1], padding: "same"),
    ]

    /// Direct convolution with TensorFlow's padding, in float64.
    static func reference(_ x: AnalysisTensor, _ k: AnalysisTensor, _ c: ConvCase) throws -> [Double] {
        let rows = try WindowAxis(input: x.shape[1], kernel: k.shape[0], stride: c.strides[0], dilation: c.dilation[0], padding: c.padding)
        let cols = try WindowAxis(input: x.shape[2], kernel: k.shape[1], stride: c.strides[1], dilation: c.dilation[1], padding: c.padding)
        let (n, h, w, ci, co) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], k.shape[3])
        var out: [Double] = []
        for b in 0..<n { for oy in 0..<rows.output { for ox in 0..<cols.output { for o in 0..<co {
            var sum = 0.0
            for ky in 0..<k.shape[0] { for kx in 0..<k.shape[1] {
                let iy = oy * c.strides[0] - rows.padBefore + ky * c.dilation[0], ix = ox * c.strides[1] - cols.padBefore + kx * c.dilation[1]
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                for i in 0..<ci { sum += Double(x.values[((b * h + iy) * w + ix) * ci + i]) * Double(k.values[((ky * k.shape[1] + kx) * ci + i) * co + o]) }
            } }
            out.append(sum)
        } } } }
        return out
    }

    @Test(arguments: convCases)
    func convolutionMatchesDirectSum(_ c: ConvCase) throws {
        var values = TestValues(seed: 3)
        let x = values.tensor(c.input), k = values.tensor(c.kernel)
        let op = ConvolutionOp(rank: 2, kernelSize: Array(c.kernel.prefix(2)), strides: c.strides, dilation: c.dilation,
                               padding: c.padding, useBias: false, transposed: false)
        let out = try op.forward([x], [k])
        let expected = try Self.reference(x, k, c)
        #expect(out.count == expected.count)
        for (a, b) in zip(out.values, expected) { #expect(abs(Double(a) - b) < 1e-5, "\(a) vs \(b)") }
    }

    /// A transposed convolution is the adjoint of the convolution: ⟨T(x), y⟩ = ⟨x, C(y)⟩.
    @Test(arguments: ["same", "valid"])
    func transposeIsTheAdjoint(padding: String) throws {
        var values = TestValues(seed: 8)
        let kernel = values.tensor([3, 3, 2, 4])  // [kh, kw, out of T (= in of C), in of T]
        let transpose = ConvolutionOp(rank: 2, kernelSize: [3, 3], strides: [2, 2], dilation: [1, 1], padding: padding, useBias: false, transposed: true)
        let conv = ConvolutionOp(rank: 2, kernelSize: [3, 3], strides: [2, 2], dilation: [1, 1], padding: padding, useBias: false, transposed: false)
        let x = values.tensor([1, 3, 3, 4])
        let tx = try transpose.forward([x], [kernel])
        #expect(tx.shape == (padding == "same" ? [1, 6, 6, 2] : [1, 7, 7, 2]))
        let y = values.tensor(tx.shape)
        let cy = try conv.forward([y], [kernel])
        #expect(cy.shape == x.shape)
        let left = zip(tx.values, y.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x.values, cy.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(left - right) < 1e-4 * max(1, abs(left)))
    }

    @Test func poolingKnownAnswers() throws {
        let x = AnalysisTensor(shape: [1, 3, 3, 1], values: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let average = try PoolingOp(rank: 2, poolSize: [2, 2], strides: [2, 2], padding: "same", isMax: false).forward([x], [])
        // Windows {1,2,4,5}, {3,6}, {7,8}, {9}: padding is not counted.
        #expect(average.shape == [1, 2, 2, 1] && average.values == [3, 4.5, 7.5, 9])
        let maximum = try PoolingOp(rank: 2, poolSize: [2, 2], strides: [1, 1], padding: "valid", isMax: true).forward([x], [])
        #expect(maximum.values == [5, 6, 8, 9])
        let global = try GlobalPoolingOp(isMax: false, keepDims: false).forward([x], [])
        #expect(global.shape == [1, 1] && global.values == [5])
    }

    @Test func depthwiseKnownAnswer() throws {
        // Two channels, multiplier 2: output channel c·2 + m is channel c times kernel (c, m).
        let x = AnalysisTensor(shape: [1, 1, 2, 2], values: [1, 10, 2, 20])
        let k = AnalysisTensor(shape: [1, 2, 2, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
        let out = try DepthwiseConvolutionOp(rank: 2, kernelSize: [1, 2], strides: [1, 1], dilation: [1, 1], padding: "valid",
                                             useBias: false, separable: false).forward([x], [k])
        #expect(out.shape == [1, 1, 1, 4])
        let expected: [Float] = [11, 14, 170, 200]  // 1·1 + 2·5, 1·2 + 2·6, 10·3 + 20·7, 10·4 + 20·8
        #expect(out.values == expected)
    }

    @Test func signalStatistics() {
        // Channel 0: 1, 3 (mean 2, var 1); channel 1: 0, 0.
        let t = AnalysisTensor(shape: [2, 2], values: [1, 0, 3, 0])
        let s = SignalStatistics(t, channelAxis: -1)
        #expect(s.mean == 1 && s.variance == 1.5)
        #expect(s.averageChannelSquaredMean == 2 && s.averageChannelVariance == 0.5)
    }
}
