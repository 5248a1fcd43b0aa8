/// The `data.pkl` of a state dict, as `torch.save` pickles it (protocol 2, torch/serialization.py
/// `_save`): an `OrderedDict` of `torch._utils._rebuild_tensor_v2(storage, 0, size, stride,
/// False, OrderedDict())`, each storage the persistent id `('storage', torch.<T>Storage, key,
/// 'cpu', numel)`. The unsigned types without a typed storage (uint16/32/64) are pickled as
/// torch 2.x does: `_rebuild_tensor_v3` over a `torch.storage.UntypedStorage` with the dtype.
enum TorchPickleWriter {
    /// The pickle for `tensors`, storage `k` holding tensor `k` (key `"k"`).
    static func pickle(_ tensors: [TensorInfo]) -> [UInt8] {
        var out: [UInt8] = [0x80, 0x02]
        global(&out, "collections", "OrderedDict")
        out += [0x71, 0x00, 0x29, 0x52, 0x28]  // BINPUT 0, EMPTY_TUPLE, REDUCE, MARK
        for (index, info) in tensors.enumerated() {
            unicode(&out, info.name)
            let storageClass = storageClassName(info.dtype)
            global(&out, "torch._utils", storageClass == nil ? "_rebuild_tensor_v3" : "_rebuild_tensor_v2")
            out += [0x28, 0x28]  // MARK (arguments), MARK (persistent id)
            unicode(&out, "storage")
            if let storageClass {
                global(&out, "torch", storageClass)
            } else {
                global(&out, "torch.storage", "UntypedStorage")
            }
            unicode(&out, String(index))
            unicode(&out, "cpu")
            integer(&out, storageClass == nil ? info.byteCount : info.elementCount)
            out += [0x74, 0x51]  // TUPLE, BINPERSID
            integer(&out, 0)
            tuple(&out, info.shape)
            tuple(&out, contiguousStride(info.shape))
            out += [0x89, 0x68, 0x00, 0x29, 0x52]  // False, BINGET 0 (OrderedDict), EMPTY_TUPLE, REDUCE
            if storageClass == nil { global(&out, "torch", dtypeName(info.dtype)) }
            out += [0x74, 0x52]  // TUPLE, REDUCE
        }
        out += [0x75, 0x2E]  // SETITEMS, STOP
        return out
    }

    /// torch.<name>Storage for `dtype`, nil for the unsigned types torch has no typed storage for.
    static func storageClassName(_ dtype: DType) -> String? {
        TorchGlobal.storageTypes.first { $0.value == dtype }?.key
    }

    static func dtypeName(_ dtype: DType) -> String {
        TorchGlobal.dtypes.first { $0.value == dtype }?.key ?? dtype.rawValue
    }

    static func contiguousStride(_ shape: [Int]) -> [Int] {
        var stride = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in shape.indices.reversed() {
            stride[axis] = step
            step = step &* max(shape[axis], 1)
        }
        return stride
    }

    private static func global(_ out: inout [UInt8], _ module: String, _ name: String) {
        out.append(0x63)
        out += Array("\(module)\n\(name)\n".utf8)
    }

    private static func unicode(_ out: inout [UInt8], _ text: String) {
        let bytes = Array(text.utf8)
        out.append(0x58)
        out += littleEndian(UInt64(bytes.count), 4)
        out += bytes
    }

    private static func tuple(_ out: inout [UInt8], _ values: [Int]) {
        if values.isEmpty { out.append(0x29); return }
        out.append(0x28)
        for value in values { integer(&out, value) }
        out.append(0x74)
    }

    /// The shortest of pickle.py's encodings: BININT1, BININT2, BININT, else LONG1.
    private static func integer(_ out: inout [UInt8], _ value: Int) {
        switch value {
        case 0 ... 0xFF: out += [0x4B, UInt8(value)]
        case 0x100 ... 0xFFFF: out += [0x4D] + littleEndian(UInt64(value), 2)
        case Int(Int32.min) ... Int(Int32.max): out += [0x4A] + littleEndian(UInt64(UInt32(bitPattern: Int32(value))), 4)
        default:
            var bytes = littleEndian(UInt64(bitPattern: Int64(value)), 8)
            // Drop redundant sign bytes, as pickle.py's encode_long does.
            while bytes.count > 1, (bytes[bytes.count - 1] == 0 && bytes[bytes.count - 2] & 0x80 == 0)
                || (bytes[bytes.count - 1] == 0xFF && bytes[bytes.count - 2] & 0x80 != 0) {
                bytes.removeLast()
            }
            out += [0x8A, UInt8(bytes.count)] + bytes
        }
    }

    private static func littleEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0 ..< count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
