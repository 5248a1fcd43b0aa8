import Testing
@testable import CkptKit

@Suite("Distribution fills")
struct DistributionFillTests {
    static let stream = TensorStream(seed: 7, name: "dense/kernel")

    static func float32(_ d: Distribution, count: Int = 8, offset: Int = 0, stream: TensorStream = stream) -> [Float] {
        var values = [Float](repeating: .nan, count: count)
        values.withUnsafeMutableBufferPointer { d.fill($0, stream: stream, elementOffset: offset) }
        return values
    }

    static func float64(_ d: Distribution, count: Int = 8, offset: Int = 0, stream: TensorStream = stream) -> [Double] {
        var values = [Double](repeating: .nan, count: count)
        values.withUnsafeMutableBufferPointer { d.fill($0, stream: stream, elementOffset: offset) }
        return values
    }

    // MARK: Golden values: these pin the construction (docs/random-streams.md).

    /// Exact: v = (2j + 1 − 2²³)/2²³ with j = word >> 9 (matches a NumPy float32 computation).
    @Test("uniform(-1, 1) float32, seed 7, dense/kernel")
    func goldenUniform() {
        let bits: [UInt32] = [
            0xbe4a_ece8, 0x3f44_b3ca, 0xbe55_73b8, 0x3e31_2668, 0xbe21_1a58, 0x3f68_b626, 0x3d0d_b360, 0x3ecc_7714,
        ]
        #expect(Self.float32(.uniform(low: -1, high: 1)).map(\.bitPattern) == bits)
    }

    /// Within 3 ulp of Φ⁻¹((w + ½)/2³²) rounded to float32 (SciPy `ndtri`):
    /// be808047 3f991bfd be875202 3e5fcb2a be4b3d3c 3fd85bb9 3d31a6ac 3f06017f.
    @Test("normal(0, 1) float32, seed 7, dense/kernel")
    func goldenNormal() {
        let bits: [UInt32] = [
            0xbe80_8046, 0x3f99_1bfc, 0xbe87_5203, 0x3e5f_cb27, 0xbe4b_3d3d, 0x3fd8_5bb7, 0x3d31_a6ad, 0x3f06_017f,
        ]
        #expect(Self.float32(.normal(mean: 0, std: 1)).map(\.bitPattern) == bits)
    }

    @Test("truncated normal(0, 1, ±2) float32, seed 7, dense/kernel")
    func goldenTruncatedNormal() {
        let bits: [UInt32] = [
            0xbe75_13bb, 0x3f8e_3369, 0xbe81_0724, 0x3e55_755e, 0xbe41_e0b4, 0x3fc0_a2da, 0x3d29_9021, 0x3efe_ba97,
        ]
        #expect(Self.float32(.truncatedNormal(mean: 0, std: 1, low: -2, high: 2)).map(\.bitPattern) == bits)
    }

    /// float64 golden values: element i from words 2i, 2i + 1 (checked against mpmath to 2 ulp).
    @Test("float64 uniform, normal and truncated normal, seed 7, dense/kernel")
    func goldenFloat64() {
        #expect(Self.float64(.uniform(low: -1, high: 1), count: 4).map(\.bitPattern)
            == [0x3fe8_9679_6a19_a89a, 0x3fc6_24cd_e865_5188, 0x3fed_16c4_8d1a_f72e, 0x3fd9_8ee2_b642_36cc])
        #expect(Self.float64(.normal(mean: 0, std: 1), count: 4).map(\.bitPattern)
            == [0x3ff3_237f_926c_aafe, 0x3fcb_f965_301c_e530, 0x3ffb_0b77_298b_27b6, 0x3fe0_c02f_dcbf_0c65])
        #expect(Self.float64(.truncatedNormal(mean: 0, std: 1, low: -2, high: 2), count: 4).map(\.bitPattern)
            == [0x3ff1_c66d_0b46_37f3, 0x3fca_aeab_eb5f_5710, 0x3ff8_145b_5f9c_ee6b, 0x3fdf_d752_cdd1_5f69])
    }

    // MARK: Independence from the split

    static let splitCases: [Distribution] = [
        .uniform(low: -0.05, high: 0.05),
        .uniform(low: 2, high: 3),
        .normal(mean: 0.5, std: 2),
        .truncatedNormal(mean: 0, std: 0.05, low: -0.1, high: 0.1),
        .truncatedNormal(mean: 1, std: 1, low: 7, high: 8),  // float32 via the float64 evaluation
        .constant(0.25),
    ]

    @Test("filling in uneven pieces gives the same bits as one fill", arguments: splitCases)
    func splitIndependence(_ d: Distribution) {
        let n = 5_000
        let whole32 = Self.float32(d, count: n)
        let whole64 = Self.float64(d, count: n)
        var pieces32 = [Float](repeating: .nan, count: n)
        var pieces64 = [Double](repeating: .nan, count: n)
        var state: UInt64 = 12345
        var start = 0
        while start < n {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = min(n - start, Int(state >> 33) % 1500 + 1)
            pieces32.withUnsafeMutableBufferPointer { all in
                let slice = UnsafeMutableBufferPointer(rebasing: all[start..<start + length])
                d.fill(slice, stream: Self.stream, elementOffset: start)
            }
            pieces64.withUnsafeMutableBufferPointer { all in
                let slice = UnsafeMutableBufferPointer(rebasing: all[start..<start + length])
                d.fill(slice, stream: Self.stream, elementOffset: start)
            }
            start += length
        }
        #expect(pieces32.map(\.bitPattern) == whole32.map(\.bitPattern))
        #expect(pieces64.map(\.bitPattern) == whole64.map(\.bitPattern))
    }

    @Test("an element far into the tensor is the same from any offset")
    func farOffsets() {
        let d = Distribution.normal(mean: 0, std: 1)
        let offset = 3 * (1 << 33) + 5  // past the 2³² block boundary
        let run = Self.float32(d, count: 16, offset: offset)
        for i in [0, 3, 7, 15] {
            #expect(Self.float32(d, count: 1, offset: offset + i)[0].bitPattern == run[i].bitPattern)
        }
        let run64 = Self.float64(d, count: 4, offset: offset)
        #expect(Self.float64(d, count: 1, offset: offset + 3)[0].bitPattern == run64[3].bitPattern)
    }

    @Test("different names and seeds give different values")
    func distinctStreams() {
        let d = Distribution.normal(mean: 0, std: 1)
        let base = Self.float32(d)
        #expect(Self.float32(d, stream: TensorStream(seed: 7, name: "dense/bias")) != base)
        #expect(Self.float32(d, stream: TensorStream(seed: 8, name: "dense/kernel")) != base)
    }

    // MARK: Degenerate and edge cases

    @Test("constants, zero-width uniform and zero-std normals")
    func degenerate() {
        #expect(Self.float32(.constant(0.1)).allSatisfy { $0 == Float(0.1) })
        #expect(Self.float64(.constant(0.1)).allSatisfy { $0 == 0.1 })
        #expect(Self.float32(.uniform(low: 3, high: 3)).allSatisfy { $0 == 3 })
        #expect(Self.float32(.normal(mean: 2, std: 0)).allSatisfy { $0 == 2 })
        #expect(Self.float64(.truncatedNormal(mean: 2, std: 0, low: 1, high: 3)).allSatisfy { $0 == 2 })
        #expect(Self.float32(.constant(1), count: 0).isEmpty)
    }

    @Test("float32 values never leave [low, high] even when the bounds are not floats")
    func float32BoundsAreInward() {
        let cases: [Distribution] = [
            .uniform(low: -0.05, high: 0.05),
            .uniform(low: 0.1, high: 0.1 + 1e-7),
            .truncatedNormal(mean: 0, std: 0.3, low: -0.1, high: 0.1),
            .truncatedNormal(mean: 0.1, std: 1, low: 0.1, high: 0.3),
        ]
        for d in cases {
            let values = Self.float32(d, count: 100_000)
            #expect(values.allSatisfy { d.support.contains(Double($0)) }, "\(d)")
        }
    }

    @Test("floatBounds picks the floats just inside the interval")
    func floatBounds() {
        let (low, high) = Sampler.floatBounds(-0.05, 0.05)
        #expect(Double(low) >= -0.05 && Double(low.nextDown) < -0.05)
        #expect(Double(high) <= 0.05 && Double(high.nextUp) > 0.05)
        let (a, b) = Sampler.floatBounds(-.infinity, .infinity)
        #expect(a == -.infinity && b == .infinity)
    }
}
