import Testing
@testable import CkptKit

@Suite("Structured: validation errors")
struct StructuredValidationTests {
    /// (fill, shape, parameter named in the error, a fragment of the expected value).
    static let rejected: [(StructuredFill, [Int], String, String)] = [
        (.orthogonal(gain: 1, flattening: .keras), [5], "shape", "rank ≥ 2"),
        (.orthogonal(gain: .nan, flattening: .keras), [5, 5], "gain", "finite"),
        (.orthogonal(gain: .infinity, flattening: .torch), [5, 5], "gain", "finite"),
        (.orthogonal(gain: 1, flattening: .columnAxis(2)), [5, 5], "column_axis", "-2..<2"),
        (.orthogonal(gain: 1, flattening: .columnAxis(-3)), [5, 5], "column_axis", "-2..<2"),
        (.orthogonal(gain: 1, flattening: .keras), [Int(Int32.max) + 1, 2], "shape", "≤ 2147483647"),
        (.identity(gain: 1), [3, 3, 3], "shape", "2-D"),
        (.identity(gain: 1), [3], "shape", "2-D"),
        (.identity(gain: -.infinity), [3, 3], "gain", "finite"),
        (.dirac(groups: 1, gain: 1), [3, 3], "shape", "3-D, 4-D or 5-D"),
        (.dirac(groups: 1, gain: 1), [1, 1, 1, 1, 3, 3], "shape", "3-D, 4-D or 5-D"),
        (.dirac(groups: 3, gain: 1), [3, 2, 4], "groups", "divisor of the output channels (4)"),
        (.dirac(groups: 0, gain: 1), [3, 2, 4], "groups", "at least 1"),
        (.dirac(groups: 1, gain: .nan), [3, 2, 4], "gain", "finite"),
        (.deltaOrthogonal(gain: 1), [3, 5, 4], "shape", "output channels"),
        (.deltaOrthogonal(gain: 1), [4, 4], "shape", "3-D, 4-D or 5-D"),
        (.deltaOrthogonal(gain: .nan), [3, 4, 4], "gain", "finite"),
        (.sparse(sparsity: 0.1, std: 0.01), [3, 3, 3], "shape", "2-D"),
        (.sparse(sparsity: 1, std: 0.01), [3, 3], "sparsity", "[0, 1)"),
        (.sparse(sparsity: -0.1, std: 0.01), [3, 3], "sparsity", "[0, 1)"),
        (.sparse(sparsity: .nan, std: 0.01), [3, 3], "sparsity", "[0, 1)"),
        (.sparse(sparsity: 0.1, std: -1), [3, 3], "std", "≥ 0"),
        (.zerO, [4], "shape", "2-D"),
        (.unitForgetBias(units: 3, base: .constant(0)), [13], "shape", "[12]"),
        (.unitForgetBias(units: 3, base: .constant(0)), [3, 4], "shape", "[12]"),
        (.unitForgetBias(units: 0, base: .constant(0)), [0], "units", "at least 1"),
        (.unitForgetBias(units: 2, base: .uniform(low: 1, high: 0)), [8], "low", "at most high"),
        (.gates(count: 3, inner: .identity(gain: 1)), [4, 8], "count", "divisor of the last axis (8)"),
        (.gates(count: 0, inner: .identity(gain: 1)), [4, 8], "count", "at least 1"),
        (.gates(count: 1 << 24, inner: .identity(gain: 1)), [1, 1 << 24], "count", "at most"),
        (.unitForgetBias(units: Int.max / 2, base: .constant(0)), [8], "units", "at least 1"),
        (.gates(count: 2, inner: .gates(count: 2, inner: .identity(gain: 1))), [4, 8], "inner", "not itself split"),
        (.gates(count: 2, inner: .identity(gain: 1)), [2, 2, 8], "shape", "2-D"),
        (.gates(count: 2, inner: .orthogonal(gain: 1, flattening: .keras)), [8], "shape", "rank ≥ 2"),
        (.identity(gain: 1), [-1, 3], "shape", "non-negative"),
    ]

    @Test("validate rejects what generate cannot do, naming the parameter and what was expected",
          arguments: 0..<rejected.count)
    func rejects(_ index: Int) {
        let (fill, shape, parameter, expected) = Self.rejected[index]
        do {
            try fill.validate(shape: shape)
            Issue.record("accepted \(fill.summary) on \(shape)")
        } catch {
            guard case .invalidParameter(_, let p, _, let e) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(p == parameter, "\(error)")
            #expect(e.contains(expected), "\(error)")
            #expect(error.description.hasPrefix("initializer "), "\(error)")
        }
    }

    @Test("generate validates too, so nothing is written for a bad shape")
    func generateValidates() {
        var values = [Float](repeating: 7, count: 5)
        #expect(throws: InitializerError.self) {
            try values.withUnsafeMutableBufferPointer {
                try StructuredFill.orthogonal(gain: 1, flattening: .keras).generate(shape: [5], stream: StructuredTesting.stream(), into: $0)
            }
        }
        #expect(values == [7, 7, 7, 7, 7])
    }

    @Test("accepted edge cases", arguments: [
        (StructuredFill.orthogonal(gain: 0, flattening: .columnAxis(-2)), [3, 4]),
        (.dirac(groups: 4, gain: 1), [1, 1, 8]), (.deltaOrthogonal(gain: 1), [1, 3, 3]),
        (.sparse(sparsity: 0.999, std: 0), [2, 3]), (.zerO, [2, 2, 2, 2, 2]),
        (.gates(count: 4, inner: .unitForgetBias(units: 1, base: .constant(0))), [16]),
    ])
    func accepts(_ fill: StructuredFill, _ shape: [Int]) throws {
        try fill.validate(shape: shape)
        _ = try StructuredTesting.float32(fill, shape)
    }
}
