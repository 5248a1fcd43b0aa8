import Testing
@testable import CkptKit

/// The strided copies and sums a layout change is made of, on known small arrays.
@Suite("Layouts: host tensors")
struct HostTensorTests {
    static func floats(_ values: [Float], _ shape: [Int]) -> HostTensor {
        HostTensor(shape: shape, dtype: .float32, bytes: values.withUnsafeBytes { Array($0) })
    }

    static func values(_ tensor: HostTensor) -> [Float] {
        tensor.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    @Test func transposeOfAMatrix() {
        let t = Self.floats([1, 2, 3, 4, 5, 6], [2, 3]).permuted([1, 0])
        #expect(t.shape == [3, 2])
        #expect(Self.values(t) == [1, 4, 2, 5, 3, 6])
    }

    /// HWIO → OIHW on a 1×2 kernel with 2 inputs and 3 outputs: element [h, w, i, o] = 1000h + 100w + 10i + o.
    @Test func convolutionKernelPermutation() {
        var values: [Float] = []
        for h in 0..<1 { for w in 0..<2 { for i in 0..<2 { for o in 0..<3 { values.append(Float(1000 * h + 100 * w + 10 * i + o)) } } } }
        let t = Self.floats(values, [1, 2, 2, 3]).permuted([3, 2, 0, 1])
        #expect(t.shape == [3, 2, 1, 2])
        var expected: [Float] = []
        for o in 0..<3 { for i in 0..<2 { for h in 0..<1 { for w in 0..<2 { expected.append(Float(1000 * h + 100 * w + 10 * i + o)) } } } }
        #expect(Self.values(t) == expected)
    }

    @Test(arguments: [DType.float16, .bfloat16, .float64, .int8, .int64])
    func permutationIsTheSameForEveryElementSize(dtype: DType) {
        let count = 2 * 3 * 4
        let bytes = (0..<(count * dtype.byteSize)).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        let t = HostTensor(shape: [2, 3, 4], dtype: dtype, bytes: bytes)
        let back = t.permuted([2, 0, 1]).permuted([1, 2, 0])
        #expect(back == t)
        #expect(t.permuted([2, 0, 1]).shape == [4, 2, 3])
    }

    @Test func rowsConcatenationAndSum() {
        let t = Self.floats([1, 2, 3, 4, 5, 6], [3, 2])
        #expect(Self.values(t.rows(1, 2)) == [3, 4, 5, 6])
        #expect(Self.values(HostTensor.concatenated([t.rows(2, 1), t.rows(0, 1)])) == [5, 6, 1, 2])
        #expect(Self.values(t.adding(t)) == [2, 4, 6, 8, 10, 12])
        #expect(HostTensor.zeros(shape: [2], dtype: .int64).bytes == [UInt8](repeating: 0, count: 16))
    }

    @Test func expressionShapesAndTheirErrors() throws {
        let shapes: [String: ([Int], DType)] = ["k": ([4, 6], .float32), "b": ([6], .float32), "i": ([6], .int32)]
        func info(_ e: LayoutExpression) throws(LayoutProblem) -> [Int] { try e.info { shapes[$0].map { ($0.0, $0.1) } }.shape }
        #expect(try info(.transpose(.source("k"))) == [6, 4])
        #expect(try info(.concatenate([.rows(.transpose(.source("k")), start: 2, count: 2), .rows(.transpose(.source("k")), start: 0, count: 2)])) == [4, 4])
        #expect(try info(.reshape(.source("k"), [2, 12])) == [2, 12])
        #expect(try info(.int64Zero) == [])
        #expect(throws: LayoutProblem.self) { try info(.reshape(.source("k"), [5, 5])) }
        #expect(throws: LayoutProblem.self) { try info(.rows(.source("b"), start: 4, count: 3)) }
        #expect(throws: LayoutProblem.self) { try info(.sum(.source("i"), .source("i"))) }
        #expect(throws: LayoutProblem.self) { try info(.source("missing")) }
    }
}
