/// ggml's Q8_0 quantization: blocks of 32 values, each stored as a float16 scale `d` and 32
/// int8 `q`, with `x ≈ d·q` (ggml-quants.c `quantize_row_q8_0_ref`; gguf-py `quants.py` `Q8_0`).
///
/// The arithmetic follows gguf-py's numpy code step for step, so ckpt's bytes equal
/// `gguf.quants.quantize(x, Q8_0)`: `d = max|x| / 127` in float32, `q = round(x · (1/d))`
/// half away from zero, then `d` rounded to float16 (nearest even).
enum GGUFQ8_0 {
    /// Values per block.
    static let blockSize = 32
    /// Bytes per block: the float16 scale and 32 int8 values.
    static let blockBytes = 2 + blockSize

    /// Quantizes `values` (a multiple of 32 of them) into `out` (`values.count / 32 · 34` bytes).
    static func quantize(_ values: UnsafeBufferPointer<Float>, into out: UnsafeMutableRawBufferPointer) {
        let blocks = values.count / blockSize
        for b in 0..<blocks {
            let start = b * blockSize
            var largest: Float = 0
            for i in start..<start + blockSize { largest = max(largest, abs(values[i])) }
            let d = largest / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            let base = b * blockBytes
            out.storeBytes(of: Float16(d).bitPattern.littleEndian, toByteOffset: base, as: UInt16.self)
            for i in 0..<blockSize {
                let scaled = values[start + i] * inverse
                // numpy's np_roundf: half away from zero.
                let rounded = scaled.rounded(.toNearestOrAwayFromZero)
                let q = Int8(max(-127, min(127, rounded.isNaN ? 0 : rounded)))
                out.storeBytes(of: UInt8(bitPattern: q), toByteOffset: base + 2 + i, as: UInt8.self)
            }
        }
    }

    /// Dequantizes `blocks` blocks of `bytes` into `out` (32 values per block).
    static func dequantize(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Float>) {
        let blocks = bytes.count / blockBytes
        for b in 0..<blocks {
            let base = b * blockBytes
            let d = Float(Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: base, as: UInt16.self))))
            for i in 0..<blockSize {
                out[b * blockSize + i] = d * Float(Int8(bitPattern: bytes[base + 2 + i]))
            }
        }
    }
}
