/// Converting tensor bytes between element types, and reading them as `Double`s.
///
/// Narrowing float conversions round to nearest even, once: float64 → bfloat16 goes through a
/// round-to-odd float32 so it is not rounded twice.
enum ElementConversion {
    /// Whether `source` values can be converted to `target` (floats among floats; anything to itself).
    static func canConvert(_ source: DType, to target: DType) -> Bool {
        source == target || (source.isFloatingPoint && target.isFloatingPoint)
    }

    /// Converts `count` elements of `source` bytes into `out` (which must hold `count` target elements).
    static func convert(_ input: UnsafeRawBufferPointer, from source: DType, to target: DType,
                        into out: UnsafeMutableRawBufferPointer) {
        let count = input.count / source.byteSize
        if source == target {
            out.baseAddress!.copyMemory(from: input.baseAddress!, byteCount: input.count)
            return
        }
        switch (source, target) {
        case (.float64, .float32):
            for i in 0..<count { out.storeBytes(of: Float(input.loadUnaligned(fromByteOffset: i * 8, as: Double.self)), toByteOffset: i * 4, as: Float.self) }
        case (.float64, .float16):
            for i in 0..<count { out.storeBytes(of: Float16(input.loadUnaligned(fromByteOffset: i * 8, as: Double.self)).bitPattern, toByteOffset: i * 2, as: UInt16.self) }
        case (.float64, .bfloat16):
            for i in 0..<count {
                let value = roundToOddFloat(input.loadUnaligned(fromByteOffset: i * 8, as: Double.self))
                out.storeBytes(of: FloatConversion.bfloat16Bits(value), toByteOffset: i * 2, as: UInt16.self)
            }
        default:
            // Everything else widens exactly to Float or Double first.
            for i in 0..<count {
                let value = double(at: i, of: input, dtype: source)
                store(value, at: i, in: out, dtype: target)
            }
        }
    }

    /// float64 → float32 rounded to odd: truncate toward zero, then set the last bit if inexact.
    static func roundToOddFloat(_ value: Double) -> Float {
        var f = Float(value)
        guard f.isFinite, Double(f) != value else { return f }
        if abs(Double(f)) > abs(value) { f = Float(bitPattern: f.bitPattern - 1) }
        return Float(bitPattern: f.bitPattern | 1)
    }

    /// Element `index` of `bytes` as a Double.
    @inline(__always)
    static func double(at index: Int, of bytes: UnsafeRawBufferPointer, dtype: DType) -> Double {
        switch dtype {
        case .float16: return Double(Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .bfloat16: return Double(Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)) << 16))
        case .float32: return Double(bytes.loadUnaligned(fromByteOffset: index * 4, as: Float.self))
        case .float64: return bytes.loadUnaligned(fromByteOffset: index * 8, as: Double.self)
        case .int8: return Double(bytes.loadUnaligned(fromByteOffset: index, as: Int8.self))
        case .int16: return Double(bytes.loadUnaligned(fromByteOffset: index * 2, as: Int16.self))
        case .int32: return Double(bytes.loadUnaligned(fromByteOffset: index * 4, as: Int32.self))
        case .int64: return Double(bytes.loadUnaligned(fromByteOffset: index * 8, as: Int64.self))
        case .uint8: return Double(bytes.loadUnaligned(fromByteOffset: index, as: UInt8.self))
        case .uint16: return Double(bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
        case .uint32: return Double(bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
        case .uint64: return Double(bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        case .bool: return bytes.loadUnaligned(fromByteOffset: index, as: UInt8.self) != 0 ? 1 : 0
        }
    }

    /// Stores a float value (from a float source) as `dtype`.
    @inline(__always)
    private static func store(_ value: Double, at index: Int, in out: UnsafeMutableRawBufferPointer, dtype: DType) {
        switch dtype {
        case .float16: out.storeBytes(of: Float16(value).bitPattern, toByteOffset: index * 2, as: UInt16.self)
        case .bfloat16: out.storeBytes(of: FloatConversion.bfloat16Bits(roundToOddFloat(value)), toByteOffset: index * 2, as: UInt16.self)
        case .float32: out.storeBytes(of: Float(value), toByteOffset: index * 4, as: Float.self)
        case .float64: out.storeBytes(of: value, toByteOffset: index * 8, as: Double.self)
        default: break  // canConvert rules out float → integer
        }
    }
}
