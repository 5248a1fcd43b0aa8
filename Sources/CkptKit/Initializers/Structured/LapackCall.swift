#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real type LAPACK factors: `sgeqrf`/`sorgqr` for Float, `dgeqrf`/`dorgqr` for Double.
///
/// Matrices are column-major with leading dimension `rows`; the results are LAPACK's `info`.
protocol LapackScalar: BinaryFloatingPoint {
    /// The routine prefix, `s` or `d`, for messages.
    static var lapackPrefix: String { get }
    /// Householder QR in place: R on and above the diagonal, the reflectors below, `tau`.
    static func geqrf(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Self>, _ tau: UnsafeMutablePointer<Self>,
                      initializer: String) throws(InitializerError) -> Int32
    /// The first `cols` columns of Q from `geqrf`'s reflectors, in place.
    static func orgqr(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Self>, _ tau: UnsafeMutablePointer<Self>,
                      initializer: String) throws(InitializerError) -> Int32
}

extension Float: LapackScalar {
    static var lapackPrefix: String { "s" }
    static func geqrf(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Float>, _ tau: UnsafeMutablePointer<Float>,
                      initializer: String) throws(InitializerError) -> Int32 {
        let blas = try OpenBLAS.loaded(for: initializer)
        return LapackCall.withWorkspace(Float.self) { work, lwork, info in
            var (m, n, lda) = (rows, cols, rows)
            blas.sgeqrf(&m, &n, a, &lda, tau, work, lwork, info)
        }
    }
    static func orgqr(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Float>, _ tau: UnsafeMutablePointer<Float>,
                      initializer: String) throws(InitializerError) -> Int32 {
        let blas = try OpenBLAS.loaded(for: initializer)
        return LapackCall.withWorkspace(Float.self) { work, lwork, info in
            var (m, n, k, lda) = (rows, cols, cols, rows)
            blas.sorgqr(&m, &n, &k, a, &lda, tau, work, lwork, info)
        }
    }
}

extension Double: LapackScalar {
    static var lapackPrefix: String { "d" }
    static func geqrf(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Double>, _ tau: UnsafeMutablePointer<Double>,
                      initializer: String) throws(InitializerError) -> Int32 {
        let blas = try OpenBLAS.loaded(for: initializer)
        return LapackCall.withWorkspace(Double.self) { work, lwork, info in
            var (m, n, lda) = (rows, cols, rows)
            blas.dgeqrf(&m, &n, a, &lda, tau, work, lwork, info)
        }
    }
    static func orgqr(rows: Int32, cols: Int32, _ a: UnsafeMutablePointer<Double>, _ tau: UnsafeMutablePointer<Double>,
                      initializer: String) throws(InitializerError) -> Int32 {
        let blas = try OpenBLAS.loaded(for: initializer)
        return LapackCall.withWorkspace(Double.self) { work, lwork, info in
            var (m, n, k, lda) = (rows, cols, cols, rows)
            blas.dorgqr(&m, &n, &k, a, &lda, tau, work, lwork, info)
        }
    }
}

/// OpenBLAS, loaded with `dlopen` the first time a QR runs rather than linked.
///
/// Linking it cost every ckpt process OpenBLAS's start-up: it picks its CPU kernels and starts
/// one worker thread per core, which spin (`sched_yield`) for a while, all before `main` and
/// whether or not anything is factored. Loading it late also lets ckpt choose the kernels: on
/// every AVX2 CPU (whatever `CKPT_KERNELS` says), unless the user set `OPENBLAS_CORETYPE`, it is set to `Haswell` before the
/// load, because Debian's OpenBLAS 0.3.21 does not recognise every recent Xeon (it falls back to
/// slow generic kernels there) and kernel families round differently, so the orthogonal bytes
/// are the same on every AVX2 machine (random-streams.md §10). `OPENBLAS_NUM_THREADS` is set to
/// 1 unless the user set it: ckpt runs every factorisation on one thread (`useOneThread`).
///
/// The routines are LAPACK's Fortran interface in `libopenblas.so.0` (Debian's
/// `libopenblas0-pthread`), the same code the LAPACKE wrappers reached when ckpt linked them.
struct OpenBLAS: @unchecked Sendable {
    typealias SGEQRF = @convention(c) (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>,
        UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Void
    typealias SORGQR = @convention(c) (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>,
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>,
        UnsafeMutablePointer<Int32>) -> Void
    typealias DGEQRF = @convention(c) (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Int32>,
        UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Void
    typealias DORGQR = @convention(c) (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Double>,
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Int32>,
        UnsafeMutablePointer<Int32>) -> Void

    let sgeqrf: SGEQRF
    let sorgqr: SORGQR
    let dgeqrf: DGEQRF
    let dorgqr: DORGQR
    let setNumThreads: @convention(c) (Int32) -> Void
    let getNumThreads: @convention(c) () -> Int32
    let getCorename: @convention(c) () -> UnsafeMutablePointer<CChar>?
    /// CBLAS `cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)`,
    /// for `ckpt analyze`'s matrix products (nil when the library lacks it; QR does not need it).
    typealias SGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>, Int32, UnsafePointer<Float>, Int32,
        Float, UnsafeMutablePointer<Float>, Int32) -> Void
    let sgemm: SGEMM?

    /// The library names tried, in order.
    static let libraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"]

    /// The library, loaded once per process (or why it could not be).
    private static let shared: Result<OpenBLAS, LoadError> = load()

    struct LoadError: Error { var reason: String }

    /// The loaded library, or an error naming the initializer that needed it.
    static func loaded(for initializer: String) throws(InitializerError) -> OpenBLAS {
        switch shared {
        case .success(let library): return library
        case .failure(let error):
            throw .libraryUnavailable(initializer: initializer, library: "OpenBLAS (\(libraryNames[0]))", reason: error.reason)
        }
    }

    /// The library if it loads (tests, benchmarks, the recipe), else nil.
    static var ifAvailable: OpenBLAS? { try? shared.get() }

    private static func load() -> Result<OpenBLAS, LoadError> {
        #if arch(x86_64)
        // The CPU's own level, not `KernelLevel.detected`: `CKPT_KERNELS` caps ckpt's random
        // kernels, whose bits never change, and must not move OpenBLAS to another kernel family,
        // whose rounding does change the orthogonal bytes.
        if getenv("OPENBLAS_CORETYPE") == nil, KernelLevel.cpuBest >= .avx2 {
            setenv("OPENBLAS_CORETYPE", "Haswell", 0)
        }
        #endif
        if getenv("OPENBLAS_NUM_THREADS") == nil && getenv("OMP_NUM_THREADS") == nil {
            setenv("OPENBLAS_NUM_THREADS", "1", 0)
        }
        var handle: UnsafeMutableRawPointer?
        var reasons: [String] = []
        for name in libraryNames {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
            reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): not found")
        }
        guard let handle else { return .failure(LoadError(reason: reasons.first ?? "not found")) }
        func symbol<F>(_ name: String, as type: F.Type) throws(LoadError) -> F {
            guard let pointer = dlsym(handle, name) else {
                throw LoadError(reason: "\(libraryNames[0]) has no symbol \(name)")
            }
            return unsafeBitCast(pointer, to: type)
        }
        do throws(LoadError) {
            return .success(OpenBLAS(
                sgeqrf: try symbol("sgeqrf_", as: SGEQRF.self),
                sorgqr: try symbol("sorgqr_", as: SORGQR.self),
                dgeqrf: try symbol("dgeqrf_", as: DGEQRF.self),
                dorgqr: try symbol("dorgqr_", as: DORGQR.self),
                setNumThreads: try symbol("openblas_set_num_threads", as: (@convention(c) (Int32) -> Void).self),
                getNumThreads: try symbol("openblas_get_num_threads", as: (@convention(c) () -> Int32).self),
                getCorename: try symbol("openblas_get_corename", as: (@convention(c) () -> UnsafeMutablePointer<CChar>?).self),
                sgemm: try? symbol("cblas_sgemm", as: SGEMM.self)))
        } catch {
            return .failure(error)
        }
    }
}

/// The one funnel from LAPACK `info` codes to thrown `InitializerError`s, in the manner of
/// swift-system's `valueOrErrno`, and the OpenBLAS thread setting.
enum LapackCall {
    /// The largest dimension LAPACK's 32-bit integers can carry.
    static let maxDimension = Int(Int32.max)

    /// Runs a LAPACK routine twice, as its interface asks: first with `lwork = −1` for the
    /// optimal workspace size, then with a workspace of that size. Returns `info`, or −1010 when
    /// the workspace cannot be allocated (LAPACKE's `LAPACK_WORK_MEMORY_ERROR`).
    static func withWorkspace<T: BinaryFloatingPoint>(
        _: T.Type,
        _ routine: (UnsafeMutablePointer<T>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Void
    ) -> Int32 {
        var query = T.zero
        var lwork: Int32 = -1
        var info: Int32 = 0
        routine(&query, &lwork, &info)
        guard info == 0 else { return info }
        let size = max(1, Int(query))
        guard size <= Int(Int32.max) else { return workMemoryError }
        let work = UnsafeMutablePointer<T>.allocate(capacity: size)
        defer { work.deallocate() }
        lwork = Int32(size)
        routine(work, &lwork, &info)
        return info
    }

    /// LAPACKE's code for a workspace that could not be allocated.
    static let workMemoryError: Int32 = -1010

    /// Throws unless `info` is 0. −1010 means the workspace could not be allocated, a negative
    /// argument index an illegal argument (a bug here), and for QR there is nothing else.
    static func check(_ info: Int32, routine: String, initializer: String, rows: Int, cols: Int) throws(InitializerError) {
        guard info != 0 else { return }
        let reason = info == workMemoryError
            ? "out of memory for the workspace"
            : (info < 0 ? "illegal value in argument \(-info)" : "info = \(info)")
        throw .invalidParameter(
            initializer: initializer, parameter: "shape", value: "a \(rows)×\(cols) matrix",
            expected: "a matrix LAPACK's \(routine) can factor (it returned \(info): \(reason))")
    }

    /// Makes OpenBLAS run every call on the calling thread (loading it if needed).
    ///
    /// With one thread, a blocked Householder QR is a fixed sequence of floating-point
    /// operations, so the bytes depend only on the input and on the CPU kernel OpenBLAS picked
    /// (`coreName`). The setting is process-wide; it is re-applied whenever something else in
    /// the process changed it.
    static func useOneThread(for initializer: String) throws(InitializerError) {
        let blas = try OpenBLAS.loaded(for: initializer)
        if blas.getNumThreads() != 1 { blas.setNumThreads(1) }
    }

    /// OpenBLAS's thread count (tests and benchmarks; 0 when it cannot be loaded).
    static var threadCount: Int {
        get { OpenBLAS.ifAvailable.map { Int($0.getNumThreads()) } ?? 0 }
        set { OpenBLAS.ifAvailable?.setNumThreads(Int32(clamping: newValue)) }
    }

    /// The CPU kernel family OpenBLAS dispatched to (`Haswell`, `SkylakeX`, `Zen`, …); it is
    /// chosen when the library loads, from `OPENBLAS_CORETYPE` (see `OpenBLAS`).
    static var coreName: String {
        guard let name = OpenBLAS.ifAvailable?.getCorename() else { return "unavailable" }
        return String(cString: name)
    }
}
