/// A sharded checkpoint's `.safetensors.index.json`: `{"metadata": {"total_size": N},
/// "weight_map": {tensor: shard file}}`, the entry point transformers and huggingface_hub load.
struct SafetensorsIndex: Sendable, Hashable {
    /// The largest index file read (the same bound as a safetensors header).
    static let maximumSize = SafetensorsHeader.maximumHeaderSize

    /// The sum of every tensor's bytes (huggingface_hub's `total_size`), when given.
    var totalSize: Int?
    /// Tensor name → shard file name, in file order.
    var weightMap: [(tensor: String, file: String)]

    static func == (lhs: SafetensorsIndex, rhs: SafetensorsIndex) -> Bool {
        lhs.totalSize == rhs.totalSize && lhs.weightMap.elementsEqual(rhs.weightMap) { $0 == $1 }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(totalSize)
        for (tensor, file) in weightMap {
            hasher.combine(tensor)
            hasher.combine(file)
        }
    }

    // MARK: Writing

    /// The index text exactly as transformers and huggingface_hub write it:
    /// `json.dumps(index, indent=2, sort_keys=True) + "\n"` (Python's defaults: ASCII-only
    /// output, keys sorted by code point, `", "`-free separators at line ends).
    func text() -> String {
        let sorted = weightMap.sorted { $0.tensor.unicodeScalars.lexicographicallyPrecedes($1.tensor.unicodeScalars) }
        var metadata = JSONObject()
        if let totalSize { metadata["total_size"] = .number(JSONNumber(totalSize)) }
        var map = JSONObject()
        for entry in sorted { map.members.append((entry.tensor, .string(entry.file))) }
        let index = JSONValue.object(JSONObject([("metadata", .object(metadata)), ("weight_map", .object(map))]))
        // JSONWriter's pretty layout is json.dumps(indent=2)'s; escapeNonASCII is its ensure_ascii.
        return JSONWriter.string(index, style: .pretty, escapeNonASCII: true) + "\n"
    }

    // MARK: Reading

    /// Reads and validates the index at `path` (its shards are checked by the reader).
    static func read(path: String) throws(SafetensorsError) -> SafetensorsIndex {
        func invalid(_ reason: String, key: String? = nil) -> SafetensorsError {
            SafetensorsError(.invalidIndex, path: path, key: key, reason: reason)
        }
        let bytes: [UInt8]
        do {
            let file = try InputFile(path: path)
            defer { file.close() }
            guard file.size <= maximumSize else {
                throw invalid("the index is \(file.size) bytes, larger than the \(maximumSize)-byte limit")
            }
            bytes = try file.read(count: file.size, at: 0)
        } catch let error as FileIOError {
            throw SafetensorsError(error)
        } catch let error as SafetensorsError {
            throw error
        } catch {
            throw invalid("\(error)")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw invalid("the index is not valid UTF-8") }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes)
        } catch {
            throw invalid("the index is not valid JSON: \(error.description)")
        }
        guard let root = parsed.object else { throw invalid("the index is not a JSON object") }
        var totalSize: Int?
        var weightMap: [(tensor: String, file: String)]?
        // JSONParser refuses a repeated member name, so keys (and weight_map's tensors) are unique.
        for (key, value) in root.members {
            switch key {
            case "metadata":
                guard let metadata = value.object else { throw invalid("\"metadata\" is not an object") }
                if let size = metadata["total_size"] {
                    guard case .number(let number) = size, let integer = Int(number.text), integer >= 0 else {
                        throw invalid("\"metadata.total_size\" is not a non-negative integer")
                    }
                    totalSize = integer
                }
            case "weight_map":
                guard let map = value.object else { throw invalid("\"weight_map\" is not an object") }
                var entries: [(tensor: String, file: String)] = []
                for (tensor, fileValue) in map.members {
                    guard let file = fileValue.string else {
                        throw invalid("its weight_map value is not a file name string", key: tensor)
                    }
                    guard isSafeRelativePath(file) else {
                        throw invalid("its shard \"\(file)\" is not a relative path inside the index's folder", key: tensor)
                    }
                    entries.append((tensor, file))
                }
                weightMap = entries
            default:
                continue  // Writers may add their own keys; only these two have a meaning.
            }
        }
        guard let weightMap else { throw invalid("the index has no \"weight_map\"") }
        return SafetensorsIndex(totalSize: totalSize, weightMap: weightMap)
    }

    /// Whether `file` names a file at or below the index's folder (no absolute path, no `..`).
    private static func isSafeRelativePath(_ file: String) -> Bool {
        guard !file.isEmpty, !file.hasPrefix("/"), !file.contains("\0") else { return false }
        return !file.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." || $0.isEmpty }
    }
}
