import Foundation
import CkptTestSupport
import Testing
@testable import CkptKit

/// Serialized: `threadIndependence` changes OpenBLAS's process-wide thread count, and the
/// byte-comparing tests here must not run while it does.
@Suite("Structured: orthogonal and delta-orthogonal", .serialized)
struct StructuredOrthogonalTests {
    static let shapes: [[Int]] = [[16, 16], [40, 12], [12, 40], [3, 5, 7], [3, 3, 4, 8], [2, 8, 3], [1, 9], [9, 1]]
    static let flattenings: [OrthogonalFlattening] = [.keras, .torch, .columnAxis(-1), .columnAxis(0), .columnAxis(1)]

    @Test("QᵀQ = I (or QQᵀ for wide) within 1e-5 in float32 and 1e-12 in float64",
          arguments: shapes, flattenings)
    func orthonormal(_ shape: [Int], _ flattening: OrthogonalFlattening) throws {
        let gain = 1.5
        let fill = StructuredFill.orthogonal(gain: gain, flattening: flattening)
        let single = try StructuredTesting.float32(fill, shape).map(Double.init)
        let (m32, rows, cols) = StructuredTesting.matrix(single, shape, flattening)
        #expect(StructuredTesting.orthogonalityError(m32, rows: rows, cols: cols, gain: gain) <= 1e-5, "\(shape) \(flattening) float32")
        let double = try StructuredTesting.float64(fill, shape)
        let (m64, _, _) = StructuredTesting.matrix(double, shape, flattening)
        #expect(StructuredTesting.orthogonalityError(m64, rows: rows, cols: cols, gain: gain) <= 1e-12, "\(shape) \(flattening) float64")
    }

    @Test("a larger float32 matrix stays within 1e-5", arguments: [[256, 256], [300, 100], [64, 3, 3, 32]])
    func larger(_ shape: [Int]) throws {
        let values = try StructuredTesting.float32(.orthogonal(gain: 1, flattening: .keras), shape).map(Double.init)
        let (rows, cols) = StructuredFill.matrixShape(shape, .keras)!
        #expect(StructuredTesting.orthogonalityError(values, rows: rows, cols: cols) <= 1e-5)
    }

    @Test("the column axis follows jax.nn.initializers.orthogonal (Fixtures/initializers/structured_patterns.json)")
    func columnAxisMatchesJAX() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("initializers/structured_patterns.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(json["orthogonal_column_axis"] as? [[String: Any]])
        #expect(cases.count >= 5)
        for c in cases {
            let shape = try #require(c["shape"] as? [Int]), axis = try #require(c["axis"] as? Int)
            let (rows, cols) = StructuredFill.matrixShape(shape, .columnAxis(axis))!
            #expect(rows == c["rows"] as? Int && cols == c["cols"] as? Int, "\(shape) axis \(axis)")
            let values = try StructuredTesting.float64(.orthogonal(gain: 1, flattening: .columnAxis(axis)), shape)
            let (m, _, _) = StructuredTesting.matrix(values, shape, .columnAxis(axis))
            #expect(StructuredTesting.orthogonalityError(m, rows: rows, cols: cols) <= 1e-12)
        }
    }

    @Test("delta-orthogonal: zeros except the (k−1)//2 centre, as JAX (structured_patterns.json)")
    func deltaOrthogonalPattern() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("initializers/structured_patterns.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(json["delta_orthogonal"] as? [[String: Any]])
        #expect(cases.count >= 5)
        for c in cases {
            let shape = try #require(c["shape"] as? [Int])
            let centres = try #require(c["nonzero_spatial"] as? [[Int]])
            #expect(centres.count == 1 && c["rows_orthonormal"] as? Bool == true)
            let values = try StructuredTesting.float64(.deltaOrthogonal(gain: 2), shape)
            let cin = shape[shape.count - 2], cout = shape[shape.count - 1], block = cin * cout
            var nonzero: [[Int]] = []
            for p in 0..<(values.count / block) where values[(p * block)..<((p + 1) * block)].contains(where: { $0 != 0 }) {
                var index: [Int] = [], rest = p
                for k in shape.dropLast(2).reversed() { index.insert(rest % k, at: 0); rest /= k }
                nonzero.append(index)
            }
            #expect(nonzero == centres, "\(shape)")
            var spatial = 0
            for (axis, index) in centres[0].enumerated() { spatial = spatial * shape[axis] + index }
            let m = Array(values[(spatial * block)..<((spatial + 1) * block)])
            #expect(StructuredTesting.orthogonalityError(m, rows: cin, cols: cout, gain: 2) <= 1e-12)
        }
    }

    @Test("delta-orthogonal's centre is orthogonal((C_in, C_out)) from the same stream")
    func deltaOrthogonalCentre() throws {
        let shape = [3, 3, 4, 6]
        let values = try StructuredTesting.float32(.deltaOrthogonal(gain: 1), shape)
        let matrix = try StructuredTesting.float32(.orthogonal(gain: 1, flattening: .keras), [4, 6])
        let block = 24, centre = 4
        #expect(Array(values[(centre * block)..<((centre + 1) * block)]) == matrix)
        let outside = values.indices.filter { $0 / block != centre && values[$0] != 0 }
        #expect(outside.isEmpty)
    }

    @Test("zero-size tensors are accepted and need no work", arguments: [[0, 5], [5, 0], [3, 0, 4], [0, 3, 2, 4]])
    func zeroSize(_ shape: [Int]) throws {
        #expect(try StructuredTesting.float32(.orthogonal(gain: 1, flattening: .keras), shape).isEmpty)
        #expect(try StructuredTesting.float64(.orthogonal(gain: 1, flattening: .torch), shape).isEmpty)
    }

    /// Haar: the first column of Q is A's first column normalised, so Q[0, 0] has the sign of
    /// A[0, 0]. Without the sign(diag R) correction LAPACK's Q[0, 0] would always be negative.
    @Test("Haar: Q[0, 0] of many 8×8 matrices is symmetric with E[x²] = 1/8 and E[x⁴] = 3/80")
    func haar() throws {
        let count = 4000
        var positive = 0, sum = 0.0, sum2 = 0.0, sum4 = 0.0
        for i in 0..<count {
            let q = try StructuredTesting.float64(.orthogonal(gain: 1, flattening: .keras), [8, 8], name: "haar/\(i)")
            let x = q[0]
            if x > 0 { positive += 1 }
            sum += x; sum2 += x * x; sum4 += x * x * x * x
        }
        let n = Double(count)
        // x² ~ Beta(1/2, 7/2): Var x = 1/8, Var x² = 3/80 − 1/64, Var x⁴ = E[x⁸] − (3/80)² with E[x⁸] = 105/(8·10·12·14).
        #expect(abs(Double(positive) - n / 2) < 6 * (n / 4).squareRoot(), "positive \(positive)")
        #expect(abs(sum / n) < 6 * (1.0 / 8 / n).squareRoot())
        #expect(abs(sum2 / n - 1.0 / 8) < 6 * ((3.0 / 80 - 1.0 / 64) / n).squareRoot())
        let e8 = 105.0 / (8 * 10 * 12 * 14)
        #expect(abs(sum4 / n - 3.0 / 80) < 6 * ((e8 - 9.0 / 6400) / n).squareRoot())
    }

    @Test("same seed, same bytes; another seed or name, other bytes")
    func determinism() throws {
        let fill = StructuredFill.orthogonal(gain: 1, flattening: .keras)
        let a = try StructuredTesting.float32(fill, [96, 64]), b = try StructuredTesting.float32(fill, [96, 64])
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        #expect(try StructuredTesting.float32(fill, [96, 64], seed: 8) != a)
        #expect(try StructuredTesting.float32(fill, [96, 64], name: "other/kernel") != a)
    }

    @Test("OpenBLAS thread count set elsewhere in the process does not change the bytes")
    func threadIndependence() throws {
        let fill = StructuredFill.orthogonal(gain: 1, flattening: .keras)
        let before = LapackCall.threadCount
        defer { LapackCall.threadCount = before }
        LapackCall.threadCount = 1
        let one = try StructuredTesting.float64(fill, [400, 300])
        LapackCall.threadCount = 4
        #expect(LapackCall.threadCount == 4, "OpenBLAS must really run 4 threads for this test to mean anything")
        let four = try StructuredTesting.float64(fill, [400, 300])
        #expect(one.map(\.bitPattern) == four.map(\.bitPattern))
        #expect(LapackCall.threadCount == 1)
        #expect(!LapackCall.coreName.isEmpty)
    }

    @Test("OpenBLAS is loaded on first use, with the Haswell kernels on an AVX2 CPU unless OPENBLAS_CORETYPE was set")
    func openBLASLoadsWithPinnedKernels() throws {
        _ = try StructuredTesting.float32(StructuredFill.orthogonal(gain: 1, flattening: .keras), [8, 8])
        let blas = try #require(OpenBLAS.ifAvailable)
        if KernelLevel.detected >= .avx2 {
            // Set by ckpt before the load (or by the user, whose choice is kept).
            let coreType = try #require(getenv("OPENBLAS_CORETYPE").map { String(cString: $0) })
            #expect(LapackCall.coreName.lowercased() == coreType.lowercased())
        }
        #expect(blas.getNumThreads() >= 1)
    }

    @Test("the Gaussian matrix is the N(0, 1) fill of substream 1, column-major")
    func documentedDraw() throws {
        // For a 2×1 tensor, Q = A/‖A‖ (R[0, 0] = ‖A‖ > 0 after the sign correction), and A is
        // elements 0 and 1 of the normal fill.
        var a = [Double](repeating: 0, count: 2)
        a.withUnsafeMutableBufferPointer {
            Distribution.normal(mean: 0, std: 1).fill($0, stream: StructuredTesting.stream().substream(1), elementOffset: 0)
        }
        let norm = (a[0] * a[0] + a[1] * a[1]).squareRoot()
        let q = try StructuredTesting.float64(.orthogonal(gain: 1, flattening: .keras), [2, 1])
        #expect(abs(q[0] - a[0] / norm) < 1e-15 && abs(q[1] - a[1] / norm) < 1e-15)
    }
}
