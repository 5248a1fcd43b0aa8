/// The header of a NumPy `.npy` array: element type, byte order, memory order and shape.
///
/// Writing reproduces `numpy.lib.format.write_array` (NumPy 2.4 `_write_array_header` and
/// `_wrap_header`) byte for byte. Reading is a strict parser of the same Python dict literal
/// that accepts only what NumPy writes for plain numeric arrays, and refuses the rest (object
/// arrays, structured dtypes, unknown keys, odd literals) before allocating anything.
struct NPYHeader: Sendable, Hashable {
    /// Element type.
    var dtype: DType
    /// Whether the stored data is big-endian (`>f4`); always false for one-byte types.
    var isBigEndian: Bool
    /// Whether the stored data is in Fortran (column-major) order.
    var isFortranOrder: Bool
    /// Dimensions, outermost first.
    var shape: [Int]

    /// Creates a header for writing or comparing.
    init(dtype: DType, isBigEndian: Bool = false, isFortranOrder: Bool = false, shape: [Int]) {
        self.dtype = dtype
        self.isBigEndian = isBigEndian
        self.isFortranOrder = isFortranOrder
        self.shape = shape
    }

    /// Why a header could not be written or read; the caller adds file and member names.
    struct Problem: Error, Sendable, Hashable {
        var kind: NPZError.Kind
        var reason: String
    }

    /// `\x93NUMPY`, from the format description in `numpy/lib/format.py`.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// `ARRAY_ALIGN`: magic, version, length and dict together are a multiple of 64 bytes.
    static let alignment = 64
    /// `GROWTH_AXIS_MAX_DIGITS`: NumPy pads the dict so the growth axis can reach 21 digits.
    static let growthAxisMaxDigits = 21
    /// Bytes needed to know the preamble length of any version (magic, version, u32 length).
    static let fixedPrefixLength = 12
    /// Longest dict accepted when reading; NumPy's own readers refuse more than 10000.
    static let maximumDictionaryLength = 1 << 20
    /// NumPy 2's `NPY_MAXDIMS`.
    static let maximumDimensions = 64

    // MARK: - Element types

    /// The little-endian descr NumPy writes for `dtype` (`<f4`, `|u1`). bfloat16 has no NumPy
    /// dtype: NumPy with ml_dtypes saves it as the 2-byte void `|V2`, and so does ckpt.
    static func descr(for dtype: DType) -> String? {
        switch dtype {
        case .float16: return "<f2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int8: return "|i1"
        case .int16: return "<i2"
        case .int32: return "<i4"
        case .int64: return "<i8"
        case .uint8: return "|u1"
        case .uint16: return "<u2"
        case .uint32: return "<u4"
        case .uint64: return "<u8"
        case .bool: return "|b1"
        case .bfloat16: return "|V2"
        }
    }

    /// The element type and byte order of a descr string read from a header.
    static func dtype(forDescr descr: String) throws(Problem) -> (dtype: DType, isBigEndian: Bool) {
        let characters = Array(descr.unicodeScalars)
        if characters.contains("O") {
            throw Problem(kind: .unsupportedDType, reason: "descr '\(descr)' is an object array, which needs pickle; refusing to load it")
        }
        guard characters.count == 3, let order = characters.first, "<>|=".unicodeScalars.contains(order) else {
            throw Problem(kind: .unsupportedDType, reason: "descr '\(descr)' is not a supported element type")
        }
        let dtype: DType
        switch String(String.UnicodeScalarView(characters.dropFirst())) {
        case "f2": dtype = .float16
        case "f4": dtype = .float32
        case "f8": dtype = .float64
        case "i1": dtype = .int8
        case "i2": dtype = .int16
        case "i4": dtype = .int32
        case "i8": dtype = .int64
        case "u1": dtype = .uint8
        case "u2": dtype = .uint16
        case "u4": dtype = .uint32
        case "u8": dtype = .uint64
        case "b1": dtype = .bool
        // A 2-byte void is how NumPy stores ml_dtypes' bfloat16 (raw little-endian bit patterns).
        case "V2" where order == "|": return (.bfloat16, false)
        default:
            throw Problem(kind: .unsupportedDType, reason: "descr '\(descr)' is not a supported element type")
        }
        if dtype.byteSize == 1 { return (dtype, false) }
        guard order != "|" else {
            throw Problem(kind: .invalidHeader, reason: "descr '\(descr)' has no byte order but its type has \(dtype.byteSize) bytes")
        }
        // '=' is native order; ckpt runs on little-endian machines only.
        return (dtype, order == ">")
    }

    // MARK: - Sizes

    /// Number of elements, nil if the shape's size overflows (zero dimensions included: see
    /// `ShapeArithmetic.byteCount`).
    var elementCount: Int? {
        byteCount.map { $0 / dtype.byteSize }
    }

    /// Number of data bytes, nil if it overflows.
    var byteCount: Int? {
        ShapeArithmetic.byteCount(shape, elementSize: dtype.byteSize)
    }

    // MARK: - Writing

    /// The complete preamble (magic, version, header length, dict, padding, newline) exactly as
    /// NumPy writes it: format 1.0 unless the header does not fit its 16-bit length, then 2.0.
    func encoded() throws(Problem) -> [UInt8] {
        guard var descr = Self.descr(for: dtype) else {
            throw Problem(kind: .unsupportedDType, reason: "npz cannot store bfloat16 without conversion (NumPy has no bfloat16 dtype)")
        }
        guard shape.count <= Self.maximumDimensions else {
            throw Problem(kind: .usage, reason: "\(shape.count) dimensions exceed NumPy's limit of \(Self.maximumDimensions)")
        }
        guard !shape.contains(where: { $0 < 0 }), byteCount != nil else {
            throw Problem(kind: .usage, reason: "shape \(shape) has a negative dimension or overflows")
        }
        if isBigEndian && dtype.byteSize > 1 { descr = ">" + descr.dropFirst() }
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        // `_write_array_header`: keys sorted, each written as `'key': repr(value), `.
        var text = "{'descr': '\(descr)', 'fortran_order': \(isFortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        if let axis = isFortranOrder ? shape.last : shape.first {
            text += String(repeating: " ", count: max(0, Self.growthAxisMaxDigits - String(axis).count))
        }
        // `_wrap_header`: pad with spaces, end in '\n', so the preamble is a multiple of 64.
        let dictionaryLength = text.utf8.count + 1
        for (major, lengthFieldSize) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let fixed = Self.magic.count + 2 + lengthFieldSize
            let padding = Self.alignment - (fixed + dictionaryLength) % Self.alignment
            let headerLength = dictionaryLength + padding
            if lengthFieldSize == 2 && headerLength > Int(UInt16.max) { continue }
            var bytes = Self.magic
            bytes.reserveCapacity(fixed + headerLength)
            bytes += [major, 0]
            withUnsafeBytes(of: UInt32(headerLength).littleEndian) { bytes += $0.prefix(lengthFieldSize) }
            bytes += text.utf8
            bytes += repeatElement(UInt8(ascii: " "), count: padding)
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        }
        throw Problem(kind: .usage, reason: "the .npy header is too long")
    }

    // MARK: - Reading

    /// Reads the fixed prefix (at least 10 bytes, or 12 for versions 2 and 3) and returns the
    /// format version, where the dict starts and where the data starts.
    static func preamble(_ prefix: [UInt8]) throws(Problem) -> (major: UInt8, dictionaryStart: Int, dataOffset: Int) {
        guard prefix.count >= 10, Array(prefix[0 ..< 6]) == magic else {
            throw Problem(kind: .invalidHeader, reason: "not a .npy file (bad magic)")
        }
        let major = prefix[6]
        let minor = prefix[7]
        guard (1 ... 3).contains(major), minor == 0 else {
            throw Problem(kind: .invalidHeader, reason: ".npy format version \(major).\(minor) is not supported (only 1.0, 2.0, 3.0)")
        }
        let dictionaryStart: Int
        let length: Int
        if major == 1 {
            dictionaryStart = 10
            length = Int(prefix[8]) | Int(prefix[9]) << 8
        } else {
            guard prefix.count >= 12 else {
                throw Problem(kind: .invalidHeader, reason: "the .npy header is truncated")
            }
            dictionaryStart = 12
            length = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
        }
        guard length <= maximumDictionaryLength else {
            throw Problem(kind: .invalidHeader, reason: "the .npy header claims \(length) bytes (more than \(maximumDictionaryLength))")
        }
        return (major, dictionaryStart, dictionaryStart + length)
    }

    /// Parses the header dict (`{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`).
    init(dictionary: ArraySlice<UInt8>) throws(Problem) {
        var parser = DictionaryParser(bytes: Array(dictionary))
        let fields = try parser.parse()
        self.dtype = fields.dtype
        self.isBigEndian = fields.isBigEndian
        self.isFortranOrder = fields.fortranOrder
        self.shape = fields.shape
    }
}

/// A strict parser of the Python dict literal in an `.npy` header.
///
/// Grammar: `{` key `:` value (`,` key `:` value)* `,`? `}` with spaces, tabs and newlines
/// between tokens; keys exactly `descr`, `fortran_order`, `shape`, each once; `descr` a quoted
/// type string, `fortran_order` `True` or `False`, `shape` a tuple of non-negative decimal
/// integers (`()`, `(5,)`, `(3, 4)`). Nothing else (escapes, `5L`, `1_000`, lists) is accepted.
private struct DictionaryParser {
    let bytes: [UInt8]
    var index = 0

    struct Fields {
        var dtype: DType
        var isBigEndian: Bool
        var fortranOrder: Bool
        var shape: [Int]
    }

    mutating func parse() throws(NPYHeader.Problem) -> Fields {
        var descr: (dtype: DType, isBigEndian: Bool)?
        var fortranOrder: Bool?
        var shape: [Int]?
        skipSpace()
        try expect(UInt8(ascii: "{"))
        skipSpace()
        while peek() != UInt8(ascii: "}") {
            let key = try quotedString()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            switch key {
            case "descr":
                guard descr == nil else { throw problem("key 'descr' appears twice") }
                if peek() == UInt8(ascii: "[") {
                    throw NPYHeader.Problem(kind: .unsupportedDType, reason: "structured dtypes (a descr list) are not supported")
                }
                guard peek() == UInt8(ascii: "'") || peek() == UInt8(ascii: "\"") else {
                    throw NPYHeader.Problem(kind: .unsupportedDType, reason: "descr is not a simple type string")
                }
                descr = try NPYHeader.dtype(forDescr: quotedString())
            case "fortran_order":
                guard fortranOrder == nil else { throw problem("key 'fortran_order' appears twice") }
                fortranOrder = try boolean()
            case "shape":
                guard shape == nil else { throw problem("key 'shape' appears twice") }
                shape = try tuple()
            default:
                throw problem("unexpected key '\(key)'")
            }
            skipSpace()
            if peek() == UInt8(ascii: ",") {
                index += 1
                skipSpace()
            } else if peek() != UInt8(ascii: "}") {
                throw problem("expected ',' or '}' at byte \(index)")
            }
        }
        index += 1
        skipSpace()
        guard index == bytes.count else { throw problem("unexpected text after the header dict at byte \(index)") }
        guard let descr else { throw problem("the header has no 'descr'") }
        guard let fortranOrder else { throw problem("the header has no 'fortran_order'") }
        guard let shape else { throw problem("the header has no 'shape'") }
        return Fields(dtype: descr.dtype, isBigEndian: descr.isBigEndian, fortranOrder: fortranOrder, shape: shape)
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            index += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(NPYHeader.Problem) {
        guard peek() == byte else {
            throw problem("expected '\(Character(Unicode.Scalar(byte)))' at byte \(index)")
        }
        index += 1
    }

    /// A '…' or "…" string of printable ASCII without escapes.
    private mutating func quotedString() throws(NPYHeader.Problem) -> String {
        guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw problem("expected a quoted string at byte \(index)")
        }
        index += 1
        let start = index
        while let byte = peek(), byte != quote {
            guard (0x20 ..< 0x7F).contains(byte), byte != UInt8(ascii: "\\") else {
                throw problem("unsupported character in a string at byte \(index)")
            }
            index += 1
        }
        guard peek() == quote else { throw problem("unterminated string") }
        let text = String(decoding: bytes[start ..< index], as: UTF8.self)
        index += 1
        return text
    }

    private mutating func boolean() throws(NPYHeader.Problem) -> Bool {
        for (word, value) in [("True", true), ("False", false)] {
            let utf8 = Array(word.utf8)
            if bytes.count - index >= utf8.count, Array(bytes[index ..< index + utf8.count]) == utf8 {
                index += utf8.count
                return value
            }
        }
        throw problem("fortran_order is not True or False")
    }

    private mutating func tuple() throws(NPYHeader.Problem) -> [Int] {
        guard peek() == UInt8(ascii: "(") else { throw problem("shape is not a tuple") }
        index += 1
        skipSpace()
        var dimensions: [Int] = []
        var trailingComma = false
        while peek() != UInt8(ascii: ")") {
            guard dimensions.count < NPYHeader.maximumDimensions else {
                throw problem("shape has more than \(NPYHeader.maximumDimensions) dimensions")
            }
            dimensions.append(try integer())
            skipSpace()
            trailingComma = false
            if peek() == UInt8(ascii: ",") {
                index += 1
                trailingComma = true
                skipSpace()
            } else if peek() != UInt8(ascii: ")") {
                throw problem("expected ',' or ')' in shape at byte \(index)")
            }
        }
        index += 1
        // `(5)` is an int in Python, not a tuple.
        if dimensions.count == 1 && !trailingComma { throw problem("shape is not a tuple") }
        return dimensions
    }

    private mutating func integer() throws(NPYHeader.Problem) -> Int {
        if peek() == UInt8(ascii: "-") { throw problem("shape has a negative dimension") }
        let start = index
        var value = 0
        while let byte = peek(), (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw problem("a shape dimension overflows") }
            value = sum
            index += 1
        }
        guard index > start else { throw problem("expected an integer in shape at byte \(index)") }
        guard index - start == 1 || bytes[start] != UInt8(ascii: "0") else {
            throw problem("a shape dimension has leading zeros")
        }
        return value
    }

    private func problem(_ reason: String) -> NPYHeader.Problem {
        NPYHeader.Problem(kind: .invalidHeader, reason: "bad .npy header: " + reason)
    }
}
