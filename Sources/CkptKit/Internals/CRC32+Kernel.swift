import CkptKernels

extension CRC32 {
    /// The code that computes the checksum. Every kernel gives zlib's `crc32` for every input;
    /// `Tests/CkptKitTests/Internals/CRC32Tests.swift` compares each one the CPU runs with `.zlib`.
    enum Kernel: Int, Sendable, Comparable, CaseIterable {
        /// zlib's table-driven `crc32` (about 2 GB/s).
        case zlib = 0
        /// Carry-less multiplication folding of 4 × 128 bits (PCLMULQDQ, SSE4.1), `CkptKernels`.
        case pclmul = 1
        /// Folding of 4 × 512 bits (VPCLMULQDQ, AVX-512F), `CkptKernels`.
        case vpclmul = 2

        /// The best kernel this CPU runs, lowered by `CKPT_KERNELS` as the random streams'
        /// kernels are: `portable` gives `.zlib`, `avx2` at most `.pclmul`, `avx512` any.
        static let detected: Kernel = {
            guard let requested = KernelLevel.requested else { return best }
            let cap: Kernel = switch requested {
            case .portable: .zlib
            case .avx2: .pclmul
            case .avx512: .vpclmul
            }
            return min(cap, best)
        }()

        /// The best kernel this CPU runs.
        static let best = Kernel(rawValue: Int(ckpt_crc32_level())) ?? .zlib

        /// Every kernel this CPU runs, `.zlib` first.
        static var supported: [Kernel] { allCases.filter { $0 <= best } }

        static func < (a: Kernel, b: Kernel) -> Bool { a.rawValue < b.rawValue }
    }
}
