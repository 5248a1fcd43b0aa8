/// An element type of a tensor in a checkpoint.
///
/// Raw values are NumPy's names, which npz and the plan JSON use.
public enum DType: String, Sendable, Hashable, CaseIterable, Codable {
    case float16
    case bfloat16
    case float32
    case float64
    case int8
    case int16
    case int32
    case int64
    case uint8
    case uint16
    case uint32
    case uint64
    case bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Whether the type is a floating-point type (initializers generate values only for these).
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }
}
