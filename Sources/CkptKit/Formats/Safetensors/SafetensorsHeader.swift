/// A safetensors header: the `__metadata__` strings and, for every tensor, its dtype, shape and
/// byte range in the data buffer.
///
/// A file is an 8-byte little-endian header size `N`, `N` bytes of UTF-8 JSON, then the data
/// buffer; `data_offsets` are relative to the buffer's start (safetensors README, "Format").
/// Parsing follows the reference crate (`safetensors/src/tensor.rs`, `read_metadata` and
/// `Metadata::validate`): every size is checked against the file before anything is allocated
/// from it, and the tensors, sorted by offset, must tile the buffer exactly.
struct SafetensorsHeader: Sendable {
    /// The reserved key of the string-to-string metadata object.
    static let metadataKey = "__metadata__"
    /// The largest header the reference crate accepts (`MAX_HEADER_SIZE`).
    static let maximumHeaderSize = 100_000_000
    /// The reference writer pads the JSON with spaces so the data buffer starts at a multiple of 8.
    static let alignment = 8

    /// One tensor's entry.
    struct Entry: Sendable, Hashable {
        /// Name (the header key), shape and dtype.
        var info: TensorInfo
        /// First byte in the data buffer.
        var begin: Int
        /// One past the last byte in the data buffer.
        var end: Int
    }

    /// The `__metadata__` pairs in header order (empty: the header has no `__metadata__`).
    var metadata: [(key: String, value: String)]
    /// The tensors: in header order when built for writing, in data-offset order when parsed.
    var entries: [Entry]
    /// Bytes of the data buffer.
    var dataSize: Int
    /// Where the data buffer starts in the file (8 + the header size).
    var dataStart: Int
    /// For a header built for writing: `encoded()` as it was when built (the header's JSON holds
    /// the recipe and the model config, megabytes for a large model, so it is made once).
    private(set) var encodedForWriting: [UInt8] = []

    /// Lays `tensors` out contiguously, in order, after a header carrying `metadata`.
    ///
    /// The byte counts must already be known not to overflow.
    init(metadata: [(key: String, value: String)], tensors: [TensorInfo]) {
        self.metadata = metadata
        var offset = 0
        entries = tensors.map { info in
            let begin = offset
            offset += info.byteCount
            return Entry(info: info, begin: begin, end: offset)
        }
        dataSize = offset
        dataStart = 0
        encodedForWriting = encoded()
        dataStart = encodedForWriting.count
    }

    private init(metadata: [(key: String, value: String)], entries: [Entry], dataSize: Int, dataStart: Int) {
        self.metadata = metadata
        self.entries = entries
        self.dataSize = dataSize
        self.dataStart = dataStart
    }

    /// The file's first bytes: the 8-byte size, then the compact JSON padded with spaces to a
    /// multiple of 8. Keys: `__metadata__` first (when there is any), then the tensors in order,
    /// each with `dtype`, `shape`, `data_offsets` in the reference writer's field order.
    func encoded() -> [UInt8] {
        var root = JSONObject()
        if !metadata.isEmpty {
            root.members.append((Self.metadataKey, .object(JSONObject(metadata.map { ($0.key, .string($0.value)) }))))
        }
        for entry in entries {
            let fields: [(key: String, value: JSONValue)] = [
                ("dtype", .string(entry.info.dtype.safetensorsName)),
                ("shape", .array(entry.info.shape.map { .number(JSONNumber($0)) })),
                ("data_offsets", .array([.number(JSONNumber(entry.begin)), .number(JSONNumber(entry.end))])),
            ]
            root.members.append((entry.info.name, .object(JSONObject(fields))))
        }
        var json = JSONWriter.utf8(.object(root), style: .compact)
        let padding = (Self.alignment - json.count % Self.alignment) % Self.alignment
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: json)
        return bytes
    }
}

// MARK: - Parsing

extension SafetensorsHeader {
    /// Reads and validates the header of the safetensors file `file`.
    static func parse(_ file: InputFile) throws(SafetensorsError) -> SafetensorsHeader {
        let path = file.path
        guard file.size >= 8 else {
            throw invalid(path, "the file is \(file.size) bytes, too short for the 8-byte header size of a safetensors file")
        }
        let prefix = try read(file, count: 8, at: 0)
        let declared = prefix.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard declared <= UInt64(maximumHeaderSize) else {
            throw invalid(path, "the header size \(declared) is larger than the \(maximumHeaderSize)-byte limit (not a safetensors file?)")
        }
        let headerSize = Int(declared)
        guard headerSize <= file.size - 8 else {
            throw invalid(path, "the header size \(headerSize) runs past the end of the file (\(file.size) bytes)")
        }
        let bytes = try read(file, count: headerSize, at: 8)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw invalid(path, "the header is not valid UTF-8")
        }
        // The reference crate also insists on '{' first (`InvalidHeaderStart`).
        guard bytes.first == UInt8(ascii: "{") else {
            throw invalid(path, "the header is not a JSON object (it must start with '{')")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes)
        } catch {
            throw invalid(path, "the header is not valid JSON: \(error.description)")
        }
        guard let root = parsed.object else { throw invalid(path, "the header is not a JSON object") }

        let dataStart = 8 + headerSize
        let dataSize = file.size - dataStart
        var metadata: [(key: String, value: String)] = []
        var entries: [Entry] = []
        // JSONParser refuses a repeated member name, so every key here is unique.
        for (key, value) in root.members {
            if key == metadataKey {
                metadata = try parseMetadata(value, path: path)
            } else {
                entries.append(try parseEntry(name: key, value, dataSize: dataSize, path: path))
            }
        }
        try checkTiling(entries: &entries, dataSize: dataSize, path: path)
        return SafetensorsHeader(metadata: metadata, entries: entries, dataSize: dataSize, dataStart: dataStart)
    }

    private static func invalid(_ path: String, key: String? = nil, _ reason: String) -> SafetensorsError {
        SafetensorsError(.invalidHeader, path: path, key: key, reason: reason)
    }

    private static func read(_ file: InputFile, count: Int, at position: Int) throws(SafetensorsError) -> [UInt8] {
        do {
            return try file.read(count: count, at: position)
        } catch {
            throw SafetensorsError(error)
        }
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws(SafetensorsError) -> [(key: String, value: String)] {
        guard let object = value.object else {
            throw invalid(path, key: metadataKey, "must be a JSON object of strings, not \(describe(value))")
        }
        var pairs: [(key: String, value: String)] = []
        for (key, member) in object.members {
            // The format allows only strings here (`HashMap<String, String>` in the reference crate).
            guard let text = member.string else {
                throw invalid(path, key: metadataKey, "the value of \"\(key)\" is \(describe(member)); every value must be a string")
            }
            pairs.append((key, text))
        }
        return pairs
    }

    private static func parseEntry(name: String, _ value: JSONValue, dataSize: Int, path: String) throws(SafetensorsError) -> Entry {
        guard let object = value.object else {
            throw invalid(path, key: name, "the entry is \(describe(value)), not an object with dtype, shape and data_offsets")
        }
        var dtypeValue: JSONValue?
        var shapeValue: JSONValue?
        var offsetsValue: JSONValue?
        for (field, member) in object.members {
            switch field {
            case "dtype" where dtypeValue == nil: dtypeValue = member
            case "shape" where shapeValue == nil: shapeValue = member
            case "data_offsets" where offsetsValue == nil: offsetsValue = member
            case "dtype", "shape", "data_offsets":
                throw invalid(path, key: name, "the field \"\(field)\" appears more than once")
            default:
                throw invalid(path, key: name, "unexpected field \"\(field)\"; an entry has exactly dtype, shape and data_offsets")
            }
        }
        guard let dtypeValue else { throw invalid(path, key: name, "the entry has no \"dtype\"") }
        guard let shapeValue else { throw invalid(path, key: name, "the entry has no \"shape\"") }
        guard let offsetsValue else { throw invalid(path, key: name, "the entry has no \"data_offsets\"") }

        guard let dtypeName = dtypeValue.string else {
            throw invalid(path, key: name, "\"dtype\" is \(describe(dtypeValue)), not a string")
        }
        guard let dtype = DType(safetensorsName: dtypeName) else {
            if DType.unsupportedSafetensorsNames.contains(dtypeName) {
                throw SafetensorsError(.unsupportedDType, path: path, key: name, reason: "dtype \(dtypeName) is not supported by ckpt")
            }
            throw invalid(path, key: name, "unknown dtype \"\(dtypeName)\"")
        }
        guard let dims = shapeValue.array else {
            throw invalid(path, key: name, "\"shape\" is \(describe(shapeValue)), not an array")
        }
        var shape: [Int] = []
        var byteCount = 0
        for dim in dims {
            guard let size = nonNegativeInteger(dim) else {
                throw invalid(path, key: name, "\"shape\" has \(describe(dim)); dimensions must be non-negative integers")
            }
            shape.append(size)
        }
        // Zero dimensions cannot hide an overflow of the others (rows are computed from them).
        guard let checked = ShapeArithmetic.byteCount(shape, elementSize: dtype.byteSize) else {
            throw invalid(path, key: name, "the shape's byte count overflows a 64-bit size")
        }
        byteCount = checked

        guard let offsets = offsetsValue.array, offsets.count == 2,
              let begin = nonNegativeInteger(offsets[0]), let end = nonNegativeInteger(offsets[1])
        else {
            throw invalid(path, key: name, "\"data_offsets\" must be two non-negative integers [begin, end], not \(describe(offsetsValue))")
        }
        guard begin <= end else {
            throw invalid(path, key: name, "data_offsets [\(begin), \(end)] end before they begin")
        }
        guard end - begin == byteCount else {
            throw invalid(path, key: name, "data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but shape \(shape) of \(dtypeName) needs \(byteCount)")
        }
        guard end <= dataSize else {
            throw invalid(path, key: name, "data_offsets [\(begin), \(end)] run past the end of the data buffer (\(dataSize) bytes)")
        }
        return Entry(info: TensorInfo(name: name, shape: shape, dtype: dtype), begin: begin, end: end)
    }

    /// Sorts `entries` by offset and checks that they cover the data buffer exactly, with no gap
    /// or overlap and nothing after the last tensor (the reference crate's `validate` and its
    /// `MetadataIncompleteBuffer` check).
    private static func checkTiling(entries: inout [Entry], dataSize: Int, path: String) throws(SafetensorsError) {
        // The index breaks ties, so empty tensors sharing an offset keep their header order.
        entries = entries.enumerated()
            .sorted { ($0.element.begin, $0.element.end, $0.offset) < ($1.element.begin, $1.element.end, $1.offset) }
            .map(\.element)
        var position = 0
        var previous = ""
        for entry in entries {
            if entry.begin > position {
                throw invalid(path, key: entry.info.name, "bytes \(position)..<\(entry.begin) of the data buffer before this tensor belong to no tensor (a gap)")
            }
            if entry.begin < position {
                throw invalid(path, key: entry.info.name, "data_offsets [\(entry.begin), \(entry.end)] overlap tensor '\(previous)', which ends at \(position)")
            }
            position = entry.end
            previous = entry.info.name
        }
        if position != dataSize {
            throw invalid(path, "the data buffer has \(dataSize) bytes but the tensors end at \(position): \(dataSize - position) trailing bytes belong to no tensor")
        }
    }

    /// The value as an `Int` when it is a JSON integer ≥ 0 written without fraction or exponent.
    private static func nonNegativeInteger(_ value: JSONValue) -> Int? {
        guard case .number(let number) = value, let integer = Int(number.text), integer >= 0 else { return nil }
        return integer
    }

    /// A short description of a JSON value for error messages.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.text
        case .string(let s): return s.count > 40 ? "a string" : "\"\(s)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
