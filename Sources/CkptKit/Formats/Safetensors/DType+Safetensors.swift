extension DType {
    /// The dtype's name in a safetensors header (`Dtype` in the reference `safetensors/src/tensor.rs`).
    var safetensorsName: String {
        switch self {
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .float32: return "F32"
        case .float64: return "F64"
        case .int8: return "I8"
        case .int16: return "I16"
        case .int32: return "I32"
        case .int64: return "I64"
        case .uint8: return "U8"
        case .uint16: return "U16"
        case .uint32: return "U32"
        case .uint64: return "U64"
        case .bool: return "BOOL"
        }
    }

    /// The dtype a safetensors header name stands for, when ckpt handles it.
    init?(safetensorsName name: String) {
        guard let dtype = DType.allCases.first(where: { $0.safetensorsName == name }) else { return nil }
        self = dtype
    }

    /// safetensors dtypes that ckpt recognises but has no element type for (8-, 6- and 4-bit
    /// floats, complex), so the error can say "unsupported" rather than "unknown".
    static let unsupportedSafetensorsNames: Set<String> = [
        "F8_E5M2", "F8_E4M3", "F8_E4M3FN", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
    ]
}
