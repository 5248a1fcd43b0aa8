import Testing
@testable import CkptKit

@Suite("Tensor streams")
struct TensorStreamTests {
    static let stream = TensorStream(seed: 7, name: "dense/kernel")

    /// Key and first words cross-checked with an independent Python implementation
    /// (hashlib.sha256 + a Philox4x32-10 written from the Random123 description).
    @Test("key of seed 7, dense/kernel")
    func goldenKey() {
        #expect(Self.stream.key == SIMD2(0x03e4_47aa, 0xc9e1_556b))
        #expect(TensorStream.key(seed: 7, name: "dense/kernel") == Self.stream.key)
    }

    @Test("first 16 words of seed 7, dense/kernel")
    func goldenWords() {
        let expected: [UInt32] = [
            0x66a2_6291, 0xe259_e5a8, 0x6551_880e, 0x9624_cde8, 0x6bdc_b407, 0xf45b_1234, 0x846d_9adc, 0xb31d_c56c,
            0xc0f3_8e40, 0xe263_75c1, 0xf0e2_1325, 0xcb74_fdcb, 0x802e_216f, 0x35fb_81e3, 0x1c75_8248, 0x0092_70fe,
        ]
        #expect((0..<16).map { Self.stream.word(UInt64($0)) } == expected)
        var filled = [UInt32](repeating: 0, count: 16)
        filled.withUnsafeMutableBufferPointer { Self.stream.fillWords($0, startingAt: 0) }
        #expect(filled == expected)
    }

    static let ranges: [(start: UInt64, count: Int)] = [
        (0, 1), (1, 3), (3, 9), (5, 70), (4 * (1 << 32) - 13, 40), (4 * (1 << 32) + 2, 7),
    ]

    @Test("fillWords equals word(i) for unaligned ranges and across the 2³² block boundary",
          arguments: ranges)
    func rangesMatchWords(_ start: UInt64, _ count: Int) {
        var filled = [UInt32](repeating: 0, count: count)
        filled.withUnsafeMutableBufferPointer { Self.stream.fillWords($0, startingAt: start) }
        #expect(filled == (0..<count).map { Self.stream.word(start + UInt64($0)) })
    }

    @Test("word i is word i % 4 of block i / 4 with counter (lo, hi, substream, 0)")
    func counterLayout() {
        let sub = Self.stream.substream(3)
        let index: UInt64 = (5 << 32) + 17
        let block = Philox4x32(key: sub.key).block(SIMD4(17, 5, 3, 0))
        for j in 0..<4 {
            #expect(sub.word(4 * index + UInt64(j)) == block[j])
        }
    }

    @Test("names, seeds and substreams give different streams")
    func distinct() {
        let base = (0..<8).map { Self.stream.word(UInt64($0)) }
        let others = [
            TensorStream(seed: 8, name: "dense/kernel"),
            TensorStream(seed: 7, name: "dense/bias"),
            TensorStream(seed: 7, name: "dense/kernel ", substream: 0),
            Self.stream.substream(1),
        ]
        for other in others {
            #expect((0..<8).map { other.word(UInt64($0)) } != base)
        }
        #expect(TensorStream(seed: 7, name: "dense/kernel") == Self.stream)
    }

    @Test("names are hashed as their UTF-8 bytes, without Unicode normalisation")
    func noNormalisation() {
        let composed = "caf\u{E9}/kernel", decomposed = "cafe\u{301}/kernel"
        #expect(composed == decomposed)  // equal as Swift strings…
        #expect(TensorStream.key(seed: 1, name: composed) != TensorStream.key(seed: 1, name: decomposed))
    }

    @Test("the seed is written in decimal: seed 0 and UInt64.max")
    func seedText() {
        #expect(TensorStream.key(seed: 0, name: "a") != TensorStream.key(seed: .max, name: "a"))
        // SHA-256("ckpt-v1\0" "18446744073709551615" "\0" "a"), checked with Python's hashlib.
        #expect(TensorStream.key(seed: .max, name: "a") == Self.pythonKeyMaxSeedA)
    }

    static let pythonKeyMaxSeedA = SIMD2<UInt32>(0xf05e_60ae, 0xe0be_6475)
}
