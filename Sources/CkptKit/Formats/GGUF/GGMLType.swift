/// A ggml tensor type that ckpt reads or writes (ggml.h `ggml_type`, gguf-py `GGMLQuantizationType`).
enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q8_0 = 8
    case i8 = 24
    case i16 = 25
    case i32 = 26
    case i64 = 27
    case f64 = 28
    case bf16 = 30

    /// Elements per block (32 for Q8_0, 1 for the plain types).
    var blockSize: Int { self == .q8_0 ? GGUFQ8_0.blockSize : 1 }

    /// Bytes per block (gguf-py `GGML_QUANT_SIZES`).
    var blockBytes: Int {
        switch self {
        case .q8_0: return GGUFQ8_0.blockBytes
        case .i8: return 1
        case .f16, .bf16, .i16: return 2
        case .f32, .i32: return 4
        case .f64, .i64: return 8
        }
    }

    /// The dtype ckpt reads it as (Q8_0 is dequantized to float32).
    var dtype: DType {
        switch self {
        case .f32, .q8_0: return .float32
        case .f16: return .float16
        case .bf16: return .bfloat16
        case .f64: return .float64
        case .i8: return .int8
        case .i16: return .int16
        case .i32: return .int32
        case .i64: return .int64
        }
    }

    /// The type a tensor of `dtype` is stored as, unquantized; nil for the dtypes GGUF has no type for.
    static func plain(_ dtype: DType) -> GGMLType? {
        switch dtype {
        case .float32: return .f32
        case .float16: return .f16
        case .bfloat16: return .bf16
        case .float64: return .f64
        case .int8: return .i8
        case .int16: return .i16
        case .int32: return .i32
        case .int64: return .i64
        case .uint8, .uint16, .uint32, .uint64, .bool: return nil
        }
    }

    /// The name gguf-py gives the type.
    var name: String { Self.name(of: rawValue) }

    /// gguf-py's name for any `ggml_type` code, for messages about the types ckpt does not read.
    static func name(of code: UInt32) -> String {
        let names = ["F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K",
                     "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS",
                     "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16"]
        return code < names.count ? names[Int(code)] : "type \(code)"
    }

    /// Bytes of a tensor of `elements` in this type (`elements` a multiple of the block size), nil on overflow.
    func byteCount(elements: Int) -> Int? {
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }
}

/// The `general.file_type` values (gguf-py `LlamaFileType`): what most of the weights are.
enum GGUFFileType {
    static let allF32: UInt32 = 0
    static let mostlyF16: UInt32 = 1
    static let mostlyQ8_0: UInt32 = 7
    static let mostlyBF16: UInt32 = 32
}
