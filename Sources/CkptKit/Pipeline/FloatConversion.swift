import CkptKernels

/// Narrowing float conversions with round-to-nearest-even, as bit patterns.
enum FloatConversion {
    /// Rounds float32 values to `dtype`, which is float16 or bfloat16 (nearest even).
    static func narrow(_ source: UnsafeBufferPointer<Float>, _ out: UnsafeMutableBufferPointer<UInt16>, to dtype: DType) {
        if dtype == .float16 {
            toFloat16(source, out)
        } else {
            toBFloat16(source, out)
        }
    }

    /// float32 → IEEE binary16 bits (hardware/IEEE conversion, round to nearest even).
    static func toFloat16(_ source: UnsafeBufferPointer<Float>, _ out: UnsafeMutableBufferPointer<UInt16>) {
        for i in 0..<source.count {
            out[i] = Float16(source[i]).bitPattern
        }
    }

    /// float32 → bfloat16 bits: the top 16 bits, rounded to nearest even; NaN stays a quiet NaN.
    /// At `.avx2` and `.avx512` the C kernel computes the same bits 8 or 16 at a time.
    static func toBFloat16(_ source: UnsafeBufferPointer<Float>, _ out: UnsafeMutableBufferPointer<UInt16>,
                           level: KernelLevel = .detected) {
        let count = min(source.count, out.count)
        if level != .portable, count > 0, let input = source.baseAddress, let output = out.baseAddress {
            ckpt_bfloat16_from_f32(level.code, input, output, count)
            return
        }
        for i in 0..<count {
            out[i] = bfloat16Bits(source[i])
        }
    }

    @inline(__always)
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
