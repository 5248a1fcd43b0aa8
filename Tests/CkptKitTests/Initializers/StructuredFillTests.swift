import Foundation
import Testing
@testable import CkptKit

@Suite("Structured: identity, dirac, ZerO, sparse, LSTM bias, gates")
struct StructuredFillTests {
    @Test("identity: rectangular eye × gain")
    func identity() throws {
        #expect(try StructuredTesting.float32(.identity(gain: 2), [3, 4]) == [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0])
        #expect(try StructuredTesting.float64(.identity(gain: 1), [3, 2]) == [1, 0, 0, 1, 0, 0])
    }

    /// PyTorch `dirac_(w, groups=2)` on w of shape (out 4, in/g 2, k 3) sets w[g·2 + d, d, 1] = 1;
    /// ckpt's (k, in/g, out) kernel is its transpose: W[1, d, g·2 + d].
    @Test("dirac: PyTorch dirac_ in Keras layout, centre k//2, groups")
    func dirac() throws {
        var expected = [Float](repeating: 0, count: 3 * 2 * 4)
        for (d, o) in [(0, 0), (1, 1), (0, 2), (1, 3)] { expected[(1 * 2 + d) * 4 + o] = 1 }
        #expect(try StructuredTesting.float32(.dirac(groups: 2, gain: 1), [3, 2, 4]) == expected)

        // 2-D, even kernel (centre 4//2 = 2, where JAX's delta-orthogonal would use 1), 1 group,
        // C_in 3 > C_out 2: W[2, 1, d, d] = gain for d < 2.
        var conv = [Double](repeating: 0, count: 4 * 3 * 3 * 2)
        for d in 0..<2 { conv[((2 * 3 + 1) * 3 + d) * 2 + d] = 0.5 }
        #expect(try StructuredTesting.float64(.dirac(groups: 1, gain: 0.5), [4, 3, 3, 2]) == conv)

        // 3-D kernel (1, 1, 1, 2, 4), groups 4: opg 1, W[0, 0, 0, 0, g] = 1.
        #expect(try StructuredTesting.float32(.dirac(groups: 4, gain: 1), [1, 1, 1, 2, 4]) == [1, 1, 1, 1, 0, 0, 0, 0])
    }

    @Test("ZerO: partial identity when out ≤ in, scaled Hadamard when out > in, centre of a conv")
    func zerO() throws {
        #expect(try StructuredTesting.float32(.zerO, [3, 3]) == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(try StructuredTesting.float32(.zerO, [3, 2]) == [1, 0, 0, 1, 0, 0])
        // out 3 > in 2: m = 2, c = 1/2, H_2 = [[1, 1, 1, 1], [1, −1, 1, −1], …].
        #expect(try StructuredTesting.float32(.zerO, [2, 3]) == [0.5, 0.5, 0.5, 0.5, -0.5, 0.5])
        // out 5: m = 3, c = 2^(−3/2); H_3 rows 0…2 on columns 0…4.
        let c = 1 / 8.0.squareRoot()
        let h: [Double] = [1, 1, 1, 1, 1, 1, -1, 1, -1, 1, 1, 1, -1, -1, 1]
        #expect(try StructuredTesting.float64(.zerO, [3, 5]) == h.map { $0 * c })
        // Conv (3, 3, 2, 2): identity at (1, 1).
        var conv = [Float](repeating: 0, count: 36)
        conv[(4 * 2 + 0) * 2 + 0] = 1; conv[(4 * 2 + 1) * 2 + 1] = 1
        #expect(try StructuredTesting.float32(.zerO, [3, 3, 2, 2]) == conv)
        // An expanding Hadamard block has orthogonal rows with norm² = c²·2^m·… = out/2^m·… :
        // c·H_m is orthogonal, so the rows of c·H_m[:in, :2^m] are orthonormal.
        let w = try StructuredTesting.float64(.zerO, [4, 8])
        #expect(StructuredTesting.orthogonalityError(w, rows: 4, cols: 8) < 1e-15)
    }

    @Test("ZerO's population moments match the closed form", arguments: [[3, 5], [6, 4], [3, 3, 2, 7]])
    func zerOMoments(_ shape: [Int]) throws {
        let values = try StructuredTesting.float64(.zerO, shape)
        let n = Double(values.count), mean = values.reduce(0, +) / n
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        let expected = try #require(StructuredFill.zerO.expectedMoments(shape: shape))
        #expect(abs(expected.mean - mean) < 1e-12 && abs(expected.std - std) < 1e-12)
    }

    @Test("sparse: exactly ⌈sparsity·out⌉ zeros per row; nonzeros are the elementwise N(0, std²) values and pass KS")
    func sparse() throws {
        let rows = 1000, cols = 1000, sparsity = 0.3, std = 0.01
        let values = try StructuredTesting.float32(.sparse(sparsity: sparsity, std: std), [rows, cols])
        var dense = [Float](repeating: 0, count: rows * cols)
        dense.withUnsafeMutableBufferPointer {
            Distribution.normal(mean: 0, std: std).fill($0, stream: StructuredTesting.stream(), elementOffset: 0)
        }
        let zeros = SparseSelection.zerosPerRow(cols: cols, sparsity: sparsity)
        #expect(zeros == 300)
        var columnZeros = [Int](repeating: 0, count: cols)
        var nonzero: [Double] = []
        nonzero.reserveCapacity(rows * (cols - zeros))
        var rowsRight = true, valuesRight = true
        for i in 0..<rows {
            var count = 0
            for j in 0..<cols {
                let v = values[i * cols + j]
                if v == 0 { count += 1; columnZeros[j] += 1 } else {
                    nonzero.append(Double(v))
                    if v != dense[i * cols + j] { valuesRight = false }
                }
            }
            if count != zeros { rowsRight = false }
        }
        #expect(rowsRight && valuesRight)
        let ks = DistributionStatistics.ksStatistic(nonzero, cdf: Distribution.normal(mean: 0, std: std).cdfFunction())
        #expect(ks * Double(nonzero.count).squareRoot() < DistributionStatistics.ksCritical(), "D = \(ks)")
        // The selection is uniform: every column is zero in about rows·0.3 rows (binomial, ±6σ).
        let p = Double(zeros) / Double(cols), sigma = (Double(rows) * p * (1 - p)).squareRoot()
        #expect(columnZeros.allSatisfy { abs(Double($0) - Double(rows) * p) < 6 * sigma })
    }

    @Test("sparse: the zero pattern is the documented partial Fisher–Yates on substream 2")
    func sparseConstruction() throws {
        let rows = 3, cols = 7, sparsity = 0.5
        let values = try StructuredTesting.float64(.sparse(sparsity: sparsity, std: 1), [rows, cols])
        let z = 4, selection = StructuredTesting.stream().substream(2)
        for i in 0..<rows {
            var p = Array(0..<cols), chosen = Set<Int>()
            for t in 0..<z {
                let q = UInt64(i * z + t)
                let v = UInt64(selection.word(2 * q)) | UInt64(selection.word(2 * q + 1)) << 32
                let j = t + Int(v.multipliedFullWidth(by: UInt64(cols - t)).high)
                p.swapAt(t, j)
                chosen.insert(p[t])
            }
            let zeroColumns = Set((0..<cols).filter { values[i * cols + $0] == 0 })
            #expect(zeroColumns == chosen, "row \(i)")
        }
        #expect(try StructuredTesting.float64(.sparse(sparsity: 0, std: 1), [2, 3]).allSatisfy { $0 != 0 })
    }

    @Test("unit forget bias: the elementwise fill with [units, 2·units) = 1")
    func unitForgetBias() throws {
        let base = Distribution.uniform(low: -0.1, high: 0.1)
        let values = try StructuredTesting.float32(.unitForgetBias(units: 5, base: base), [20])
        var expected = [Float](repeating: 0, count: 20)
        expected.withUnsafeMutableBufferPointer { base.fill($0, stream: StructuredTesting.stream(), elementOffset: 0) }
        for i in 5..<10 { expected[i] = 1 }
        #expect(values == expected)
        let zeros = try StructuredTesting.float64(.unitForgetBias(units: 2, base: .constant(0)), [8])
        #expect(zeros == [0, 0, 1, 1, 0, 0, 0, 0])
    }

    @Test("gates: each block is its inner fill on substream 256·(g + 1), interleaved into the last axis")
    func gates() throws {
        let units = 6, count = 4
        let inner = StructuredFill.orthogonal(gain: 1, flattening: .keras)
        let values = try StructuredTesting.float64(.gates(count: count, inner: inner), [units, count * units])
        var blocks: [[Double]] = []
        for g in 0..<count {
            var expected = [Double](repeating: 0, count: units * units)
            try expected.withUnsafeMutableBufferPointer {
                try inner.generate(shape: [units, units], stream: StructuredTesting.stream().substream(UInt32(256 * (g + 1))), into: $0)
            }
            var block: [Double] = []
            for r in 0..<units {
                let start: Int = r * count * units + g * units
                block.append(contentsOf: values[start..<(start + units)])
            }
            // Within 1e-12 rather than bit for bit: another suite may change OpenBLAS's thread count meanwhile.
            #expect(zip(block, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "gate \(g)")
            #expect(StructuredTesting.orthogonalityError(block, rows: units, cols: units) < 1e-12)
            blocks.append(block)
        }
        #expect(Set(blocks.map { $0[0] }).count == count)
        // Gates of identity: eye in every block.
        let eye = try StructuredTesting.float32(.gates(count: 2, inner: .identity(gain: 1)), [2, 4])
        #expect(eye == [1, 0, 1, 0, 0, 1, 0, 1])
    }

    /// Σx²/n is exact for every case; the mean too for the deterministic fills (an orthogonal
    /// matrix's entries have mean 0 only in expectation).
    @Test("moments: identity, dirac, orthogonal, delta-orthogonal and LSTM-bias closed forms match generated values",
          arguments: [(StructuredFill.identity(gain: 2), [5, 7], true), (.dirac(groups: 2, gain: 1), [3, 3, 4, 6], true),
                      (.orthogonal(gain: 1.3, flattening: .torch), [6, 2, 5], false), (.deltaOrthogonal(gain: 1), [3, 4, 5], false),
                      (.unitForgetBias(units: 3, base: .constant(0.5)), [12], true)])
    func moments(_ fill: StructuredFill, _ shape: [Int], _ deterministic: Bool) throws {
        let values = try StructuredTesting.float64(fill, shape)
        let n = Double(values.count), mean = values.reduce(0, +) / n
        let meanSquare = values.map { $0 * $0 }.reduce(0, +) / n
        let expected = try #require(fill.expectedMoments(shape: shape))
        #expect(abs(expected.std * expected.std + expected.mean * expected.mean - meanSquare) < 1e-12, "\(fill.summary)")
        if deterministic { #expect(abs(expected.mean - mean) < 1e-12, "\(fill.summary)") }
    }
}
