/// The orthogonal matrix behind `orthogonal` and `deltaOrthogonal` (docs/random-streams.md §10 "Orthogonal").
enum Orthogonal {
    /// Writes a `rows`×`cols` (semi-)orthogonal matrix times `gain`, row-major, to `out`.
    ///
    /// With n = max(rows, cols) and k = min(rows, cols):
    /// 1. A is n×k with A[i, j] = z(j·n + i), z the N(0, 1) fill (`Distribution.normal(0, 1)`,
    ///    element e from word e, or words 2e and 2e + 1 for float64) of `stream`'s substream
    ///    `stream.substream + 1`: the columns of A are consecutive runs of the stream.
    /// 2. A = QR by Householder (`?geqrf`, then `?orgqr` for the n×k Q), in the output's precision.
    /// 3. Q ← Q·diag(s), s_j = −1 if R[j, j] < 0, else +1 (so a zero diagonal keeps its column).
    /// 4. The matrix is Q if rows ≥ cols, else Qᵀ, each entry times gain (f32(gain) for float32).
    static func generate<T: StructuredScalar>(
        rows: Int, cols: Int, gain: Double, stream: TensorStream, into out: UnsafeMutablePointer<T>,
        initializer: String
    ) throws(InitializerError) {
        let n = max(rows, cols), k = min(rows, cols)
        guard k > 0 else { return }
        guard n <= LapackCall.maxDimension else {
            throw .invalidParameter(initializer: initializer, parameter: "shape", value: "a \(rows)×\(cols) matrix",
                                    expected: "dimensions up to \(LapackCall.maxDimension) (LAPACK's 32-bit sizes)")
        }
        let a = UnsafeMutableBufferPointer<T>.allocate(capacity: n * k)
        let tau = UnsafeMutableBufferPointer<T>.allocate(capacity: k)
        let scale = UnsafeMutableBufferPointer<T>.allocate(capacity: k)
        defer { a.deallocate(); tau.deallocate(); scale.deallocate() }
        T.fillStandardNormal(a, stream: stream.substream(stream.substream &+ 1))

        try LapackCall.useOneThread(for: initializer)
        let (n32, k32) = (Int32(n), Int32(k))
        try LapackCall.check(T.geqrf(rows: n32, cols: k32, a.baseAddress!, tau.baseAddress!, initializer: initializer),
                             routine: T.lapackPrefix + "geqrf", initializer: initializer, rows: n, cols: k)
        let g = T(gain)
        for j in 0..<k { scale[j] = a[j * n + j] < 0 ? -g : g }
        try LapackCall.check(T.orgqr(rows: n32, cols: k32, a.baseAddress!, tau.baseAddress!, initializer: initializer),
                             routine: T.lapackPrefix + "orgqr", initializer: initializer, rows: n, cols: k)

        if rows < cols {
            // Qᵀ row-major is Q column-major: row i of the output is column i of Q.
            for i in 0..<k {
                let s = scale[i], source = a.baseAddress! + i * n, target = out + i * n
                for j in 0..<n { target[j] = source[j] * s }
            }
        } else {
            // Q row-major from column-major: a transpose in 32×32 tiles.
            let tile = 32
            for i0 in stride(from: 0, to: n, by: tile) {
                let i1 = min(i0 + tile, n)
                for j0 in stride(from: 0, to: k, by: tile) {
                    for j in j0..<min(j0 + tile, k) {
                        let s = scale[j], column = a.baseAddress! + j * n
                        for i in i0..<i1 { out[i * k + j] = column[i] * s }
                    }
                }
            }
        }
    }
}
