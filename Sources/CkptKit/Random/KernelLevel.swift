import CkptKernels
import Foundation

/// Which implementation runs the hot loops of the random streams (Philox and the float32
/// uniform, normal and truncated-normal transforms).
///
/// Every level computes the same bits: the vector kernels in the `CkptKernels` C target repeat
/// the Swift code's operations in the same order, without fused multiply-adds, and the tests
/// compare each level the CPU has against `.portable` on the same inputs.
public enum KernelLevel: Int, Sendable, Comparable, CaseIterable {
    /// The Swift loops (whatever the optimiser makes of them for the build's target CPU).
    case portable = 0
    /// 8 lanes, AVX2.
    case avx2 = 1
    /// 16 lanes, AVX-512F.
    case avx512 = 2

    /// The best level this CPU supports, lowered by the environment variable `CKPT_KERNELS`
    /// (`portable`, `avx2` or `avx512`) for benchmarks and for checking the fallbacks.
    public static let detected: KernelLevel = {
        let supported = KernelLevel(rawValue: Int(ckpt_kernel_level())) ?? .portable
        return min(requested ?? supported, supported)
    }()

    /// The best level this CPU supports, whatever `CKPT_KERNELS` says. Choices that must not
    /// follow that cap read it: OpenBLAS's kernel family, which decides the orthogonal bytes.
    static var cpuBest: KernelLevel { KernelLevel(rawValue: Int(ckpt_kernel_level())) ?? .portable }

    /// The cap named by `CKPT_KERNELS`, if it names a level. `CRC32.Kernel` follows it too.
    static let requested: KernelLevel? = {
        guard let name = ProcessInfo.processInfo.environment["CKPT_KERNELS"] else { return nil }
        return KernelLevel.allCases.first(where: { "\($0)" == name })
    }()

    /// Every level this CPU can run, portable first.
    static var supported: [KernelLevel] {
        allCases.filter { $0 <= cpuBest }
    }

    public static func < (a: KernelLevel, b: KernelLevel) -> Bool { a.rawValue < b.rawValue }

    /// The level as the C kernels take it.
    var code: Int32 { Int32(rawValue) }
}
