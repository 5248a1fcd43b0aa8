import CkptKernels
import Testing
@testable import CkptKit

/// Every vector kernel level this CPU runs gives the bits of the portable Swift code.
@Suite("Vector kernels")
struct VectorKernelTests {
    static let vectorLevels = KernelLevel.supported.filter { $0 != .portable }

    static let distributions: [Distribution] = [
        .uniform(low: -1, high: 1), .uniform(low: 0.3, high: 7.5), .uniform(low: -0.05, high: 0.05),
        .uniform(low: 2, high: 2),
        .normal(mean: 0, std: 1), .normal(mean: 1.5, std: 0.02), .normal(mean: -3, std: 0),
        .truncatedNormal(mean: 0, std: 1, low: -2, high: 2),
        .truncatedNormal(mean: 0.1, std: 0.3, low: -0.05, high: 0.05),
        .truncatedNormal(mean: 0, std: 1, low: 5, high: 6),
        .truncatedNormal(mean: 0, std: 1, low: -6, high: -5.5),
        .truncatedNormal(mean: 0, std: 1, low: 9, high: 10),  // float32 falls back to float64 math
        .truncatedNormal(mean: 0, std: 1, low: -.infinity, high: -3),
        .truncatedNormal(mean: 0, std: 1, low: 1, high: .infinity),
        .truncatedNormal(mean: 2, std: 0, low: 1, high: 3),
    ]

    /// Random (offset, count) pairs: small and odd counts, chunk-sized ones, offsets near a
    /// wrap of the block counter's low word and far into the stream.
    static func cases(seed: UInt64) -> [(UInt64, Int)] {
        var rng = SplitMix(seed)
        var result: [(UInt64, Int)] = [(0, 0), (0, 1), (0, 17), (3, 1029), (0, 4096), (1, 5000)]
        for k in 0..<24 {
            let offset: UInt64 = switch k % 3 {
            case 0: rng.next() % 100_000
            case 1: 4 * 0xFFFF_FFF0 + rng.next() % 200  // element offsets around block 2³² (float32)
            default: rng.next() >> 8
            }
            result.append((offset, Int(rng.next() % 3000)))
        }
        return result
    }

    @Test(arguments: distributions)
    func float32MatchesPortable(_ distribution: Distribution) {
        for level in Self.vectorLevels {
            for (index, (offset, count)) in Self.cases(seed: 1).enumerated() {
                let stream = TensorStream(seed: UInt64(index), name: "t\(index)")
                let expected = Self.fill(Float.self, distribution, .portable, stream, offset, count)
                let actual = Self.fill(Float.self, distribution, level, stream, offset, count)
                #expect(expected.map(\.bitPattern) == actual.map(\.bitPattern), "\(level) offset \(offset) count \(count)")
            }
        }
    }

    @Test(arguments: distributions)
    func float64MatchesPortable(_ distribution: Distribution) {
        for level in Self.vectorLevels {
            for (index, (offset, count)) in Self.cases(seed: 2).enumerated() {
                let stream = TensorStream(seed: UInt64(index), name: "d\(index)")
                let expected = Self.fill(Double.self, distribution, .portable, stream, offset / 2, count)
                let actual = Self.fill(Double.self, distribution, level, stream, offset / 2, count)
                #expect(expected.map(\.bitPattern) == actual.map(\.bitPattern), "\(level) offset \(offset) count \(count)")
            }
        }
    }

    @Test func philoxWordsMatchPortable() {
        for level in Self.vectorLevels {
            for (index, (offset, count)) in Self.cases(seed: 3).enumerated() {
                let stream = TensorStream(seed: 9, name: "w\(index)", substream: UInt32(index % 3))
                var expected = [UInt32](repeating: 0, count: count + 1)
                var actual = expected
                expected.withUnsafeMutableBufferPointer { stream.fillWords($0.baseAddress!, count: count, startingAt: offset, level: .portable) }
                actual.withUnsafeMutableBufferPointer { stream.fillWords($0.baseAddress!, count: count, startingAt: offset, level: level) }
                #expect(expected == actual, "\(level) offset \(offset) count \(count)")
                if count > 0 { #expect(actual[count - 1] == stream.word(offset + UInt64(count - 1))) }
                #expect(actual[count] == 0, "wrote past the end")
            }
        }
    }

    /// The quantile kernels on chosen words: both ends of the word range, the float32 tail
    /// threshold, and a sweep of every 65 521st word, against PPND7 evaluated one value at a time.
    @Test func normalKernelOnChosenWords() {
        var words: [UInt32] = [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFE, 0xFFFF_FFFF]
        let threshold = UInt32(Double(Float(0.075)) * 0x1p32)
        for d in -40...40 { words.append(UInt32(Int64(threshold) + Int64(d))) }
        for d in -40...40 { words.append(~UInt32(Int64(threshold) + Int64(d))) }
        words += stride(from: UInt64(0), to: 1 << 32, by: 65_521).map { UInt32($0) }
        let expected = words.map { w -> UInt32 in
            let m = w ^ UInt32(bitPattern: Int32(bitPattern: w) &>> 31)
            let r = (Float(Int32(bitPattern: m)) + 0.5) * 0x1p-32
            let q = Float(Int32(bitPattern: w ^ 0x8000_0000)) * 0x1p-32 + 0x1p-33
            return (Float(0.5) + Float(2) * NormalQuantile.float(q: q, r: r)).bitPattern
        }
        for level in Self.vectorLevels {
            var out = [Float](repeating: .nan, count: words.count)
            words.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { ckpt_normal_f32(level.code, w.baseAddress, $0.baseAddress, w.count, 0.5, 2) }
            }
            #expect(out.map(\.bitPattern) == expected, "\(level)")
        }
    }


    /// The bfloat16 narrowing kernel against the Swift conversion, bit for bit: ties both ways,
    /// the largest finite values (which round to infinity), subnormals, infinities, NaNs with
    /// payloads in the kept and the dropped bits, and random bit patterns; every length up to 40
    /// so each vector width's tail runs, and nothing written past the end.
    @Test func bfloat16KernelMatchesPortable() {
        var bits: [UInt32] = [0, 0x8000_0000, 0x3F80_8000, 0x3F81_8000, 0x3F80_7FFF, 0x3F80_8001, 0x7F7F_FFFF, 0xFF7F_FFFF,
                              0x7F7F_8000, 0x0000_0001, 0x0000_8000, 0x0001_8000, 0x807F_FFFF, 0x7F80_0000, 0xFF80_0000,
                              0x7F80_0001, 0x7FC0_0000, 0xFFC0_0000, 0x7FBF_FFFF, 0x7F81_0000, 0xFF80_FFFF]
        var random = SplitMix(17)
        for _ in 0..<4096 { bits.append(UInt32(truncatingIfNeeded: random.next())) }
        let values = bits.map { Float(bitPattern: $0) }
        let expected = values.map(FloatConversion.bfloat16Bits)
        for level in Self.vectorLevels {
            for count in Array(0...40) + [values.count] {
                var out = [UInt16](repeating: 0xABCD, count: count + 1)
                values.withUnsafeBufferPointer { source in
                    out.withUnsafeMutableBufferPointer { target in
                        FloatConversion.toBFloat16(UnsafeBufferPointer(rebasing: source[0..<count]),
                                                   UnsafeMutableBufferPointer(rebasing: target[0..<count]), level: level)
                    }
                }
                #expect(Array(out[0..<count]) == Array(expected[0..<count]), "\(level) count \(count)")
                #expect(out[count] == 0xABCD, "\(level) count \(count): wrote past the end")
            }
        }
    }
    static func fill<T>(
        _ type: T.Type, _ distribution: Distribution, _ level: KernelLevel, _ stream: TensorStream, _ offset: UInt64,
        _ count: Int
    ) -> [T] where T: BinaryFloatingPoint {
        var values = [T](repeating: .nan, count: count)
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            if let floats = base as? UnsafeMutablePointer<Float> {
                Sampler(distribution, level: level).fill(floats, count: count, stream: stream, first: offset)
            } else if let doubles = base as? UnsafeMutablePointer<Double> {
                Sampler(distribution, level: level).fill(doubles, count: count, stream: stream, first: offset)
            }
        }
        return values
    }
}

/// SplitMix64, for reproducible test cases.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BA_1331_11EB
        return z ^ (z >> 31)
    }
}
