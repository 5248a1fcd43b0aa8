import CkptKernels

/// The Philox4x32-10 counter-based random function (Salmon et al., SC'11; Random123 `philox.h`).
///
/// A pure function from a 128-bit counter and a 64-bit key to 128 random bits. Any block can be
/// computed without computing the others, which is what lets every thread fill any range of a
/// tensor and get the same bits.
public struct Philox4x32: Sendable, Hashable {
    /// The two key words (`k0`, `k1`).
    public var key: SIMD2<UInt32>

    /// Creates the function for one key.
    public init(key: SIMD2<UInt32>) {
        self.key = key
    }

    /// The four output words for one counter (`c0`, `c1`, `c2`, `c3`).
    public func block(_ counter: SIMD4<UInt32>) -> SIMD4<UInt32> {
        let out = Philox4x32.rounds(counter[0], counter[1], counter[2], counter[3], key[0], key[1])
        return SIMD4(out.0, out.1, out.2, out.3)
    }

    // Random123 `philox.h`: PHILOX_M4x32_0/1 and the Weyl key increments PHILOX_W32_0/1.
    static let multiplier0: UInt32 = 0xD251_1F53
    static let multiplier1: UInt32 = 0xCD9E_8D57
    static let weyl0: UInt32 = 0x9E37_79B9
    static let weyl1: UInt32 = 0xBB67_AE85

    /// One round: two 32×32→64 products, then the Random123 word permutation.
    @inline(__always)
    static func round(
        _ x: inout (UInt32, UInt32, UInt32, UInt32), _ k0: UInt32, _ k1: UInt32
    ) {
        let p0 = UInt64(multiplier0) &* UInt64(x.0)
        let p1 = UInt64(multiplier1) &* UInt64(x.2)
        let hi0 = UInt32(truncatingIfNeeded: p0 &>> 32), lo0 = UInt32(truncatingIfNeeded: p0)
        let hi1 = UInt32(truncatingIfNeeded: p1 &>> 32), lo1 = UInt32(truncatingIfNeeded: p1)
        x = (hi1 ^ x.1 ^ k0, lo1, hi0 ^ x.3 ^ k1, lo0)
    }

    /// The ten rounds; the key is bumped by the Weyl constants before rounds 2…10.
    @inline(__always)
    static func rounds(
        _ c0: UInt32, _ c1: UInt32, _ c2: UInt32, _ c3: UInt32, _ key0: UInt32, _ key1: UInt32
    ) -> (UInt32, UInt32, UInt32, UInt32) {
        var x = (c0, c1, c2, c3)
        var k0 = key0, k1 = key1
        round(&x, k0, k1)
        for _ in 1..<10 {
            k0 = k0 &+ weyl0
            k1 = k1 &+ weyl1
            round(&x, k0, k1)
        }
        return x
    }

    /// Writes the blocks with counters (`lo + b`, `hi`, `c2`, 0) for `b` in `0..<count` to
    /// `out[4b ..< 4b+4]`. The caller guarantees that `lo + count` does not pass 2³², so the high
    /// word is the same for every block.
    ///
    /// At `.avx2` and `.avx512` the C kernel runs four independent groups of 4 or 8 blocks, each
    /// block's words in the low halves of 64-bit lanes so that a round is two `vpmuludq`, two
    /// shifts and two three-way XORs (the four chains hide the multiplier's latency: 1.8× the
    /// words per second of 16 blocks per register with the products recombined). The Swift loop is written one
    /// block per iteration on purpose: the loop vectoriser turns it into four blocks per SSE
    /// register, which measured faster than hand-written `SIMD` code, whose 64-bit lanes the
    /// optimiser scalarises.
    @inline(__always)
    static func fill(
        _ out: UnsafeMutablePointer<UInt32>, key: SIMD2<UInt32>,
        lo: UInt32, hi: UInt32, c2: UInt32, count: Int, level: KernelLevel = .detected
    ) {
        let k0 = key[0], k1 = key[1]
        if level != .portable {
            ckpt_philox_fill(level.code, out, k0, k1, lo, hi, c2, count)
            return
        }
        for b in 0..<count {
            let x = rounds(lo &+ UInt32(truncatingIfNeeded: b), hi, c2, 0, k0, k1)
            let o = out + 4 &* b
            o[0] = x.0
            o[1] = x.1
            o[2] = x.2
            o[3] = x.3
        }
    }
}
