import CLapack

/// A real type LAPACK factors: `sgeqrf`/`sorgqr` for Float, `dgeqrf`/`dorgqr` for Double.
///
/// Matrices are column-major with leading dimension `rows`; the results are LAPACK's `info`.
protocol LapackScalar: BinaryFloatingPoint {
    /// The routine prefix, `s` or `d`, for messages.
    static var lapackPrefix: String { get }
    /// Householder QR in place: R on and above the diagonal, the reflectors below, `tau`.
    static func geqrf(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Self>, _ tau: UnsafeMutablePointer<Self>) -> Int32
    /// The first `cols` columns of Q from `geqrf`'s reflectors, in place.
    static func orgqr(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Self>, _ tau: UnsafeMutablePointer<Self>) -> Int32
}

extension Float: LapackScalar {
    static var lapackPrefix: String { "s" }
    static func geqrf(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Float>, _ tau: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sgeqrf(CLapack_COL_MAJOR(), rows, cols, a, rows, tau)
    }
    static func orgqr(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Float>, _ tau: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sorgqr(CLapack_COL_MAJOR(), rows, cols, cols, a, rows, tau)
    }
}

extension Double: LapackScalar {
    static var lapackPrefix: String { "d" }
    static func geqrf(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Double>, _ tau: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dgeqrf(CLapack_COL_MAJOR(), rows, cols, a, rows, tau)
    }
    static func orgqr(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Double>, _ tau: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dorgqr(CLapack_COL_MAJOR(), rows, cols, cols, a, rows, tau)
    }
}

/// The one funnel from LAPACKE `info` codes to thrown `InitializerError`s, in the manner of
/// swift-system's `valueOrErrno`, and the OpenBLAS thread setting.
enum LapackCall {
    /// The largest dimension LAPACKE's 32-bit `lapack_int` can carry.
    static let maxDimension = Int(Int32.max)

    /// Throws unless `info` is 0. LAPACKE returns −1010 when it cannot allocate its workspace,
    /// a negative argument index for an illegal argument (a bug here), and for QR nothing else.
    static func check(_ info: Int32, routine: String, initializer: String, rows: Int, cols: Int) throws(InitializerError) {
        guard info != 0 else { return }
        let reason = info == CLapack_WORK_MEMORY_ERROR()
            ? "out of memory for the workspace"
            : (info < 0 ? "illegal value in argument \(-info)" : "info = \(info)")
        throw .invalidParameter(
            initializer: initializer, parameter: "shape", value: "a \(rows)×\(cols) matrix",
            expected: "a matrix LAPACKE_\(routine) can factor (it returned \(info): \(reason))")
    }

    /// Makes OpenBLAS run every call on the calling thread.
    ///
    /// With one thread, a blocked Householder QR is a fixed sequence of floating-point
    /// operations, so the bytes depend only on the input and on the CPU kernel OpenBLAS picked
    /// (`coreName`). The setting is process-wide; it is re-applied whenever something else in
    /// the process changed it.
    static func useOneThread() {
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    /// OpenBLAS's thread count (tests and benchmarks).
    static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(clamping: newValue)) }
    }

    /// The CPU kernel family OpenBLAS dispatched to (`Haswell`, `SkylakeX`, `Zen`, …); it is
    /// chosen at load time and can be forced with the `OPENBLAS_CORETYPE` environment variable.
    static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
