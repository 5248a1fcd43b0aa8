/// A value built by ``PickleMachine``: plain data, and the few torch objects its allow-list
/// knows. Nothing here can run code; a global is only ever one of ``TorchGlobal``'s cases.
indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits (LONG1/LONG4), as little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    /// A list or set: the index of its elements in ``PickleHeap/lists`` (mutable, shared by
    /// every memo reference, as in Python).
    case list(Int)
    /// A dict or OrderedDict: the index of its items in ``PickleHeap/dicts``.
    case dict(Int)
    /// An allow-listed global (a function, a class used as a token, a dtype).
    case global(TorchGlobal)
    /// A storage named by a persistent id.
    case storage(TorchStorage)
    /// A tensor rebuilt from a storage.
    case tensor(TorchTensor)

    /// What kind of value this is, for messages.
    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int, .bigInt: return "an int"
        case .float: return "a float"
        case .string: return "a str"
        case .bytes: return "bytes"
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case .global(let global): return global.qualifiedName
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}

/// The mutable containers of one pickle, referred to by index from ``PickleValue``.
struct PickleHeap: Sendable {
    var lists: [[PickleValue]] = []
    var dicts: [[(key: PickleValue, value: PickleValue)]] = []
}

/// A storage a persistent id names: its key, element type and bytes. Where its record is in
/// the file is the container's business (a zip member `data/<key>`, a legacy record).
struct TorchStorage: Sendable, Hashable {
    /// The storage key.
    var key: String
    /// The typed storage's element type; nil for `UntypedStorage` (bytes).
    var dtype: DType?
    /// Bytes of the storage.
    var byteCount: Int
    /// Where it starts in the key's record: 0, or a legacy storage view's offset in bytes.
    var recordOffset: Int = 0
}

/// A tensor of `_rebuild_tensor_v2`/`v3`: a view of a storage.
struct TorchTensor: Sendable, Hashable {
    var storage: TorchStorage
    var dtype: DType
    /// In elements of `dtype`.
    var storageOffset: Int
    var shape: [Int]
    var stride: [Int]
    /// Bytes of the tensor's values (checked against the storage when built).
    var byteCount: Int

    /// Whether the elements are the C-order run at the offset (a dimension of size 1 may have
    /// any stride, as in torch's `is_contiguous`).
    var isContiguous: Bool {
        if byteCount == 0 { return true }
        var expected = 1
        for (size, step) in zip(shape, stride).reversed() where size != 1 {
            if step != expected { return false }
            expected *= size
        }
        return true
    }

    /// Where the first element is in the storage's record, in bytes.
    var recordOffset: Int { storage.recordOffset + storageOffset * dtype.byteSize }
}

/// The globals ckpt's pickle interpreter knows. Each is inert: the interpreter evaluates the
/// calls among them itself (``PickleMachine``), and refuses every other name.
enum TorchGlobal: Sendable, Hashable {
    case orderedDict
    case rebuildTensorV2
    case rebuildTensorV3
    case rebuildParameter
    case rebuildFromTypeV2
    /// `torch.FloatStorage`, … (legacy typed storages): their element type.
    case typedStorage(DType)
    case untypedStorage
    /// `torch.float32`, … (the dtype argument of `_rebuild_tensor_v3`).
    case dtype(DType)
    case size
    case device
    case codecsEncode
    /// `builtins.set` / `frozenset`: read as lists.
    case set
    /// `torch.Tensor` or `torch.nn.parameter.Parameter`, as `_rebuild_from_type_v2`'s type.
    case tensorType(String)

    /// The typed storage classes (torch/storage.py, `_dtype_to_storage_type_map`).
    static let storageTypes: [String: DType] = [
        "DoubleStorage": .float64, "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool,
    ]
    /// Storage classes torch has that ckpt has no element type for.
    static let unsupportedStorageTypes: Set<String> = [
        "ComplexDoubleStorage", "ComplexFloatStorage", "QInt8Storage", "QInt32Storage", "QUInt8Storage",
        "QUInt4x2Storage", "QUInt2x4Storage",
    ]
    /// `torch.<name>` dtypes.
    static let dtypes: [String: DType] = [
        "float64": .float64, "float32": .float32, "float16": .float16, "bfloat16": .bfloat16,
        "int64": .int64, "int32": .int32, "int16": .int16, "int8": .int8,
        "uint8": .uint8, "uint16": .uint16, "uint32": .uint32, "uint64": .uint64, "bool": .bool,
    ]
    static let unsupportedDTypes: Set<String> = [
        "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
        "complex32", "complex64", "complex128", "qint8", "qint32", "quint8", "quint4x2", "quint2x4",
        "int1", "int2", "int3", "int4", "int5", "int6", "int7", "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7",
    ]

    /// The allow-list: the global `module.name`, or nil when it is refused.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor_v3"): self = .rebuildTensorV3
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._tensor", "_rebuild_from_type_v2"), ("torch._utils", "_rebuild_from_type_v2"): self = .rebuildFromTypeV2
        case ("torch.storage", "UntypedStorage"), ("torch", "UntypedStorage"): self = .untypedStorage
        case ("torch", "Size"): self = .size
        case ("torch", "device"): self = .device
        case ("_codecs", "encode"): self = .codecsEncode
        case ("builtins", "set"), ("builtins", "frozenset"), ("__builtin__", "set"), ("__builtin__", "frozenset"): self = .set
        case ("torch", "Tensor"), ("torch.nn.parameter", "Parameter"): self = .tensorType("\(module).\(name)")
        case ("torch", _):
            if let dtype = Self.storageTypes[name] {
                self = .typedStorage(dtype)
            } else if let dtype = Self.dtypes[name] {
                self = .dtype(dtype)
            } else {
                return nil
            }
        default: return nil
        }
    }

    /// `module.name`, for messages.
    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensorV3: return "torch._utils._rebuild_tensor_v3"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildFromTypeV2: return "torch._tensor._rebuild_from_type_v2"
        case .typedStorage(let dtype): return "torch." + (Self.storageTypes.first { $0.value == dtype }?.key ?? "?")
        case .untypedStorage: return "torch.storage.UntypedStorage"
        case .dtype(let dtype): return "torch." + (Self.dtypes.first { $0.value == dtype }?.key ?? "?")
        case .size: return "torch.Size"
        case .device: return "torch.device"
        case .codecsEncode: return "_codecs.encode"
        case .set: return "builtins.set"
        case .tensorType(let name): return name
        }
    }
}
