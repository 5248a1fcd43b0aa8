import Foundation
import Testing
@testable import CkptKit

/// Timing of a large orthogonal fill, run by `scripts/bench/orthogonal.sh` (release build).
/// Without `CKPT_BENCH_ORTHOGONAL` (the matrix side) it does nothing.
@Suite("Structured: orthogonal benchmark")
struct StructuredOrthogonalBenchmark {
    @Test("orthogonal n×n float32, best and median of 5 (prints a BENCH line)")
    func orthogonalSquare() throws {
        guard let side = ProcessInfo.processInfo.environment["CKPT_BENCH_ORTHOGONAL"].flatMap(Int.init), side > 0 else { return }
        let fill = StructuredFill.orthogonal(gain: 1, flattening: .keras)
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: side * side)
        defer { buffer.deallocate() }
        var times: [Double] = []
        for run in 0..<6 {
            let clock = ContinuousClock(), start = clock.now
            try fill.generate(shape: [side, side], stream: TensorStream(seed: UInt64(run), name: "bench/kernel"), into: buffer)
            let elapsed = clock.now - start
            if run > 0 { times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) }
        }
        times.sort()
        print(String(format: "BENCH ckpt orthogonal %dx%d float32: best %.3f s, median %.3f s (OpenBLAS %@, %d thread)",
                     side, side, times[0], times[times.count / 2], LapackCall.coreName, LapackCall.threadCount))
    }
}
