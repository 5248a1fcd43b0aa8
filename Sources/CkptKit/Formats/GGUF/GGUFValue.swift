/// One metadata value of a GGUF file: the typed values of ggml's docs/gguf.md
/// (`gguf_metadata_value_type`), arrays included.
enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    /// An array of one element type (`GGUFValue.typeCode`), each element of that type.
    case array(elementType: UInt32, [GGUFValue])
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The type's code in the file (docs/gguf.md: UINT8 = 0 … FLOAT64 = 12).
    var typeCode: UInt32 {
        switch self {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    /// The value as a whole number, when it is one of the integer types.
    var integer: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return v <= UInt64(Int.max) ? Int(v) : nil
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// The value as a number, for the numeric types.
    var number: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return integer.map(Double.init)
        }
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// Appends the value's bytes (without its type code) to `out`, little-endian.
    func encode(into out: inout [UInt8]) {
        switch self {
        case .uint8(let v): out.append(v)
        case .int8(let v): out.append(UInt8(bitPattern: v))
        case .uint16(let v): GGUFBytes.append(v, to: &out)
        case .int16(let v): GGUFBytes.append(UInt16(bitPattern: v), to: &out)
        case .uint32(let v): GGUFBytes.append(v, to: &out)
        case .int32(let v): GGUFBytes.append(UInt32(bitPattern: v), to: &out)
        case .float32(let v): GGUFBytes.append(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let v): GGUFBytes.append(string: v, to: &out)
        case .array(let type, let items):
            GGUFBytes.append(type, to: &out)
            GGUFBytes.append(UInt64(items.count), to: &out)
            for item in items { item.encode(into: &out) }
        case .uint64(let v): GGUFBytes.append(v, to: &out)
        case .int64(let v): GGUFBytes.append(UInt64(bitPattern: v), to: &out)
        case .float64(let v): GGUFBytes.append(v.bitPattern, to: &out)
        }
    }

    /// The value as `ckpt inspect` shows it (an array by its type and length, and its first items).
    var text: String {
        switch self {
        case .uint8(let v): return String(v)
        case .int8(let v): return String(v)
        case .uint16(let v): return String(v)
        case .int16(let v): return String(v)
        case .uint32(let v): return String(v)
        case .int32(let v): return String(v)
        case .float32(let v): return String(v)
        case .bool(let v): return String(v)
        case .string(let v): return v
        case .array(let type, let items):
            let shown = items.prefix(8).map(\.text).joined(separator: ", ")
            return "[\(Self.typeName(type)) × \(items.count)] [\(shown)\(items.count > 8 ? ", …" : "")]"
        case .uint64(let v): return String(v)
        case .int64(let v): return String(v)
        case .float64(let v): return String(v)
        }
    }

    static func typeName(_ code: UInt32) -> String {
        let names = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"]
        return code < names.count ? names[Int(code)] : "type \(code)"
    }
}

/// Little-endian encoding helpers for the GGUF header.
enum GGUFBytes {
    static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// A GGUF string: u64 byte count, then UTF-8 bytes (no terminator).
    static func append(string: String, to out: inout [UInt8]) {
        let bytes = Array(string.utf8)
        append(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }
}
