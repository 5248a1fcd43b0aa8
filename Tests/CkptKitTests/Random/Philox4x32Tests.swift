import Testing
@testable import CkptKit

@Suite("Philox4x32-10")
struct Philox4x32Tests {
    /// Random123 `tests/kat_vectors`, the three `philox4x32 10` lines: counter, key, expected.
    static let knownAnswers: [(counter: SIMD4<UInt32>, key: SIMD2<UInt32>, expected: SIMD4<UInt32>)] = [
        (SIMD4(0, 0, 0, 0), SIMD2(0, 0), SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
        (SIMD4(repeating: 0xffff_ffff), SIMD2(repeating: 0xffff_ffff),
         SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
        (SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), SIMD2(0xa409_3822, 0x299f_31d0),
         SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
    ]

    @Test("Random123 known answers", arguments: 0..<3)
    func knownAnswer(_ index: Int) {
        let vector = Self.knownAnswers[index]
        #expect(Philox4x32(key: vector.key).block(vector.counter) == vector.expected)
    }

    @Test("bulk kernel equals the block function")
    func bulkMatchesScalar() {
        let key = SIMD2<UInt32>(0x1234_5678, 0x9abc_def0)
        for (lo, count) in [(UInt32(0), 1), (5, 7), (0xffff_fff0, 16), (100, 33)] {
            var out = [UInt32](repeating: 0, count: 4 * count)
            out.withUnsafeMutableBufferPointer { buffer in
                Philox4x32.fill(buffer.baseAddress!, key: key, lo: lo, hi: 3, c2: 9, count: count)
            }
            for b in 0..<count {
                let expected = Philox4x32(key: key).block(SIMD4(lo &+ UInt32(b), 3, 9, 0))
                #expect(SIMD4(out[4 * b], out[4 * b + 1], out[4 * b + 2], out[4 * b + 3]) == expected)
            }
        }
    }
}
