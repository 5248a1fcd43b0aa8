/// Single-precision matrix products for the analysis pass, through OpenBLAS's `cblas_sgemm`
/// (loaded with `dlopen`, see `OpenBLAS`), always on the calling thread so that every sum has
/// one order: the same input gives the same bytes whatever the thread count.
enum BLAS {
    /// C = alpha·op(A)·op(B) + beta·C, row-major; op(A) is M×K, op(B) K×N, C M×N.
    static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) throws(AnalysisError) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        let blas: OpenBLAS
        do {
            blas = try OpenBLAS.loaded(for: "analyze")
            try LapackCall.useOneThread(for: "analyze")
        } catch {
            throw AnalysisError("matrix products need OpenBLAS: \(error)")
        }
        guard let sgemm = blas.sgemm else { throw AnalysisError("the OpenBLAS loaded has no cblas_sgemm") }
        // CBLAS enums: CblasRowMajor 101, CblasNoTrans 111, CblasTrans 112.
        sgemm(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb),
              beta, c, Int32(ldc))
    }

    /// out[M×N] = op(A)·op(B) for arrays (a convenience over ``gemm``).
    static func matmul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                       accumulateInto out: inout [Float]) throws(AnalysisError) {
        if m == 0 || n == 0 || k == 0 { return }
        try a.withUnsafeBufferPointer { pa throws(AnalysisError) in
            try b.withUnsafeBufferPointer { pb throws(AnalysisError) in
                try out.withUnsafeMutableBufferPointer { pc throws(AnalysisError) in
                    try gemm(transA: transA, transB: transB, m: m, n: n, k: k, pa.baseAddress!, lda: transA ? m : k,
                             pb.baseAddress!, ldb: transB ? k : n, beta: 1, pc.baseAddress!, ldc: n)
                }
            }
        }
    }
}
