import Foundation
@testable import CkptKit

/// Generation and matrix helpers for the structured-initializer suites.
enum StructuredTesting {
    static func stream(seed: UInt64 = 7, name: String = "layer/kernel") -> TensorStream {
        TensorStream(seed: seed, name: name)
    }

    static func float32(_ fill: StructuredFill, _ shape: [Int], seed: UInt64 = 7, name: String = "layer/kernel") throws -> [Float] {
        var values = [Float](repeating: .nan, count: shape.reduce(1, *))
        try values.withUnsafeMutableBufferPointer { buffer in
            try fill.generate(shape: shape, stream: stream(seed: seed, name: name), into: buffer)
        }
        return values
    }

    static func float64(_ fill: StructuredFill, _ shape: [Int], seed: UInt64 = 7, name: String = "layer/kernel") throws -> [Double] {
        var values = [Double](repeating: .nan, count: shape.reduce(1, *))
        try values.withUnsafeMutableBufferPointer { buffer in
            try fill.generate(shape: shape, stream: stream(seed: seed, name: name), into: buffer)
        }
        return values
    }

    /// The row-major matrix an orthogonal fill of `shape` works on, read back from the tensor.
    static func matrix(_ values: [Double], _ shape: [Int], _ flattening: OrthogonalFlattening) -> (m: [Double], rows: Int, cols: Int) {
        let (rows, cols) = StructuredFill.matrixShape(shape, flattening)!
        guard case .columnAxis(let a) = flattening else { return (values, rows, cols) }
        let axis = a < 0 ? a + shape.count : a
        let outer = shape[..<axis].reduce(1, *), d = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var m = [Double](repeating: 0, count: values.count)
        for o in 0..<outer { for x in 0..<d { for i in 0..<inner { m[(o * inner + i) * d + x] = values[(o * d + x) * inner + i] } } }
        return (m, rows, cols)
    }

    /// max |G − scale²·I| with G = MᵀM when rows ≥ cols, else MMᵀ (float64 sums).
    static func orthogonalityError(_ m: [Double], rows: Int, cols: Int, gain: Double = 1) -> Double {
        let tall = rows >= cols
        let k = min(rows, cols), n = max(rows, cols)
        func at(_ vector: Int, _ e: Int) -> Double { tall ? m[e * cols + vector] : m[vector * cols + e] }
        var worst = 0.0
        for p in 0..<k {
            for q in p..<k {
                var s = 0.0
                for e in 0..<n { s += at(p, e) * at(q, e) }
                worst = max(worst, abs(s / (gain * gain) - (p == q ? 1 : 0)))
            }
        }
        return worst
    }
}
