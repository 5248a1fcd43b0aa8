/// Reading a GGUF header: every count, length and offset is checked against the bytes the file
/// has before anything is allocated for it, so a hostile file is an error, never a trap or a
/// huge allocation.
extension GGUFHeader {
    /// Array nesting ckpt follows (gguf-py writes arrays of scalars and strings only).
    static let maxArrayDepth = 3

    /// Reads the header of `file`.
    static func read(_ file: InputFile) throws(GGUFError) -> GGUFHeader {
        var cursor = GGUFCursor(file: file)
        let magic = try cursor.bytes(4, what: "the magic")
        guard magic == Self.magic else {
            throw GGUFError(.corrupt, path: file.path, reason: "not a GGUF file: it starts with \(magic.map { String(format2: $0) }.joined(separator: " ")), not GGUF")
        }
        let version = try cursor.u32("the version")
        guard version == 2 || version == 3 else {
            throw GGUFError(.unsupported, path: file.path, reason: "GGUF version \(version); ckpt reads versions 2 and 3")
        }
        let tensorCount = try cursor.count("the tensor count", minimumBytesEach: 8 + 4 + 4 + 8)
        let metadataCount = try cursor.count("the metadata count", minimumBytesEach: 8 + 4 + 1)
        var metadata: [(key: String, value: GGUFValue)] = []
        var keys: Set<String> = []
        for _ in 0..<metadataCount {
            let at = cursor.position
            let key = try cursor.string("a metadata key")
            guard keys.insert(key).inserted else {
                throw GGUFError(.corrupt, path: file.path, place: "metadata key '\(key)' at offset \(at)", reason: "the key appears twice")
            }
            let type = try cursor.u32("the type of metadata key '\(key)'")
            let value = try cursor.value(type: type, key: key, depth: 0)
            metadata.append((key, value))
        }
        var alignment = defaultAlignment
        if let value = metadata.first(where: { $0.key == "general.alignment" })?.value {
            guard case .uint32(let a) = value, a > 0, a & (a - 1) == 0, a <= 1 << 20 else {
                throw GGUFError(.corrupt, path: file.path, place: "metadata key 'general.alignment'",
                                reason: "is \(value.text) (\(GGUFValue.typeName(value.typeCode))); expected a uint32 power of two")
            }
            alignment = Int(a)
        }
        var tensors: [GGUFTensorInfo] = []
        var names: Set<String> = []
        for _ in 0..<tensorCount {
            let name = try cursor.string("a tensor name")
            let place = "tensor '\(name)'"
            guard names.insert(name).inserted else {
                throw GGUFError(.corrupt, path: file.path, place: place, reason: "the tensor name appears twice")
            }
            let n = try cursor.u32("the dimension count of \(place)")
            guard n >= 1, n <= maxDimensions else {
                throw GGUFError(.corrupt, path: file.path, place: place, reason: "has \(n) dimensions; ggml tensors have 1 to \(maxDimensions)")
            }
            var dims: [Int] = []
            for _ in 0..<n {
                let dim = try cursor.u64("a dimension of \(place)")
                guard dim <= UInt64(Int.max) else {
                    throw GGUFError(.corrupt, path: file.path, place: place, reason: "dimension \(dim) is too large")
                }
                dims.append(Int(dim))
            }
            // The nonzero dimensions too (NumPy's rule): [0, 2⁶², 2⁶²] holds nothing, but its
            // rows would overflow, and the values as read (float32 for Q8_0) must fit an Int.
            guard let bytes = ShapeArithmetic.byteCount(dims, elementSize: 8) else {
                throw GGUFError(.corrupt, path: file.path, place: place, reason: "dimensions \(dims) have more elements than a file can hold")
            }
            let elements = bytes / 8
            let code = try cursor.u32("the type of \(place)")
            guard let type = GGMLType(rawValue: code) else {
                throw GGUFError(.unsupported, path: file.path, place: place,
                                reason: "ggml type \(GGMLType.name(of: code)) (\(code)); ckpt reads \(GGMLType.allCases.map(\.name).joined(separator: ", "))")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw GGUFError(.corrupt, path: file.path, place: place, reason: "its first dimension \(dims[0]) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            let offset = try cursor.u64("the offset of \(place)")
            guard offset <= UInt64(Int.max), Int(offset) % alignment == 0 else {
                throw GGUFError(.corrupt, path: file.path, place: place, reason: "data offset \(offset) is not a multiple of the alignment \(alignment)")
            }
            guard type.byteCount(elements: elements) != nil else {
                throw GGUFError(.corrupt, path: file.path, place: place, reason: "dimensions \(dims) have more bytes than a file can hold")
            }
            tensors.append(GGUFTensorInfo(name: name, dims: dims, type: type, offset: Int(offset)))
        }
        var header = GGUFHeader(version: version, metadata: metadata, tensors: tensors, alignment: alignment)
        header.dataStart = cursor.position + padding(cursor.position, alignment)
        let available = file.size - min(file.size, header.dataStart)
        for tensor in tensors {
            guard tensor.offset <= available, tensor.byteCount <= available - tensor.offset else {
                throw GGUFError(.corrupt, path: file.path, place: "tensor '\(tensor.name)'",
                                reason: "its \(tensor.byteCount) bytes at data offset \(tensor.offset) run past the end of the file (\(available) bytes of data; truncated?)")
            }
        }
        return header
    }
}

private extension String {
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

/// Reads the header front to back through a window of the file, checking each read against
/// the file's size.
struct GGUFCursor {
    let file: InputFile
    private(set) var position = 0
    private var window: [UInt8] = []
    private var windowStart = 0
    static let windowBytes = 1 << 16

    init(file: InputFile) { self.file = file }

    var remaining: Int { file.size - position }

    private func truncated(_ what: String, _ count: Int) -> GGUFError {
        GGUFError(.corrupt, path: file.path, place: "offset \(position)",
                  reason: "the file ends before \(what) (\(count) bytes needed, \(max(0, remaining)) left; truncated?)")
    }

    /// The next `count` bytes.
    mutating func bytes(_ count: Int, what: String) throws(GGUFError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw truncated(what, count) }
        if position < windowStart || position + count > windowStart + window.count {
            let size = min(max(count, Self.windowBytes), remaining)
            do {
                window = try file.read(count: size, at: position)
            } catch {
                throw GGUFError(error, place: "offset \(position)")
            }
            windowStart = position
        }
        let start = position - windowStart
        position += count
        return Array(window[start..<start + count])
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws(GGUFError) -> T {
        let raw = try bytes(MemoryLayout<T>.size, what: what)
        var value = T.zero
        for (i, byte) in raw.enumerated() { value |= T(truncatingIfNeeded: byte) << (8 * i) }
        return value
    }

    mutating func u32(_ what: String) throws(GGUFError) -> UInt32 { try integer(UInt32.self, what) }
    mutating func u64(_ what: String) throws(GGUFError) -> UInt64 { try integer(UInt64.self, what) }

    /// A u64 count of entries each at least `minimumBytesEach` long: more than the rest of the file could hold is an error.
    mutating func count(_ what: String, minimumBytesEach: Int) throws(GGUFError) -> Int {
        let at = position
        let count = try u64(what)
        guard count <= UInt64(max(0, remaining) / minimumBytesEach) else {
            throw GGUFError(.corrupt, path: file.path, place: "offset \(at)",
                            reason: "\(what) is \(count), more than the \(remaining) bytes that follow can hold")
        }
        return Int(count)
    }

    mutating func string(_ what: String) throws(GGUFError) -> String {
        let at = position
        let length = try u64("the length of \(what)")
        guard length <= UInt64(max(0, remaining)) else {
            throw GGUFError(.corrupt, path: file.path, place: "offset \(at)",
                            reason: "\(what) is \(length) bytes long, past the end of the file (\(remaining) bytes left; truncated?)")
        }
        let raw = try bytes(Int(length), what: what)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw GGUFError(.corrupt, path: file.path, place: "offset \(at)", reason: "\(what) is not valid UTF-8")
        }
        return text
    }

    /// The smallest encoding of a value of `type`, for bounding array lengths.
    static func minimumBytes(_ type: UInt32) -> Int {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8: return 8
        case 9: return 12
        default: return 8
        }
    }

    mutating func value(type: UInt32, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let what = "the value of metadata key '\(key)'"
        switch type {
        case 0: return .uint8(try integer(UInt8.self, what))
        case 1: return .int8(try integer(Int8.self, what))
        case 2: return .uint16(try integer(UInt16.self, what))
        case 3: return .int16(try integer(Int16.self, what))
        case 4: return .uint32(try integer(UInt32.self, what))
        case 5: return .int32(try integer(Int32.self, what))
        case 6: return .float32(Float(bitPattern: try integer(UInt32.self, what)))
        case 7:
            let at = position
            let byte = try integer(UInt8.self, what)
            guard byte <= 1 else {
                throw GGUFError(.corrupt, path: file.path, place: "metadata key '\(key)' at offset \(at)", reason: "a bool is \(byte), not 0 or 1")
            }
            return .bool(byte == 1)
        case 8: return .string(try string(what))
        case 9:
            guard depth < GGUFHeader.maxArrayDepth else {
                throw GGUFError(.corrupt, path: file.path, place: "metadata key '\(key)'", reason: "arrays nested deeper than \(GGUFHeader.maxArrayDepth)")
            }
            let elementType = try u32("the element type of metadata key '\(key)'")
            guard elementType <= 12 else {
                throw GGUFError(.corrupt, path: file.path, place: "metadata key '\(key)'", reason: "unknown array element type \(elementType)")
            }
            let count = try count("the length of the array '\(key)'", minimumBytesEach: Self.minimumBytes(elementType))
            var items: [GGUFValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try value(type: elementType, key: key, depth: depth + 1)) }
            return .array(elementType: elementType, items)
        case 10: return .uint64(try integer(UInt64.self, what))
        case 11: return .int64(try integer(Int64.self, what))
        case 12: return .float64(Double(bitPattern: try integer(UInt64.self, what)))
        default:
            throw GGUFError(.corrupt, path: file.path, place: "metadata key '\(key)'", reason: "unknown value type \(type)")
        }
    }
}
