/// The string-array attributes of legacy Keras `.h5` files (`layer_names`, `weight_names`),
/// split and reassembled the way Keras does (`legacy_h5_format.py`,
/// `save_attributes_to_hdf5_group` / `load_attributes_from_hdf5_group`).
enum LegacyAttributes {
    /// Keras' `HDF5_OBJECT_HEADER_LIMIT`: the most bytes one attribute array may hold.
    static let headerLimit = 64512

    // MARK: - Writing

    /// How many attributes Keras splits `values` into (1: a single attribute `name`), or nil when
    /// one value alone is over the limit (Keras raises then).
    ///
    /// Keras measures `np.asarray(values)`, a fixed-width bytes array as wide as the longest
    /// UTF-8 name, and tries 1, 2, 3, … chunks of `np.array_split` until every chunk's `nbytes`
    /// is at most the limit.
    static func kerasChunkCount(_ values: [String]) -> Int? {
        let itemSize = max(1, values.map(\.utf8.count).max() ?? 0)
        guard itemSize <= headerLimit else { return nil }
        var chunks = 1
        while chunkSizes(count: values.count, chunks: chunks).contains(where: { $0 * itemSize > headerLimit }) {
            chunks += 1
        }
        return chunks
    }

    /// `np.array_split` sizes: the first `count % chunks` pieces get one element more.
    static func chunkSizes(count: Int, chunks: Int) -> [Int] {
        let base = count / chunks
        let extra = count % chunks
        return (0..<chunks).map { $0 < extra ? base + 1 : base }
    }

    /// Writes `values` as attribute `name` of `object`, or split into `name0`, `name1`, … as Keras
    /// does. An empty list is the empty float64 array Keras writes (`np.asarray([])`).
    ///
    /// One attribute is a 1-D array of variable-length ASCII strings (h5py's type for a list of
    /// `bytes`); chunks are fixed-length NUL-padded ASCII strings (h5py's type for a NumPy `S`
    /// array). Keras' chunks are all as wide as the longest name overall; ours are as wide as
    /// the longest name in the chunk, which reads back the same. Names are stored as their UTF-8
    /// bytes, as Keras stores `name.encode("utf8")`.
    ///
    /// Where Keras itself fails (a single variable-length array too large for the object header,
    /// around 4000 short names: every element takes 16 bytes there), the array is split in two
    /// chunks instead, which Keras' loader reads.
    static func write(_ values: [String], as name: String, on object: some HDF5Object, file: String, owner: String) throws {
        if values.isEmpty {
            try object.setAttribute(name, doubles: [])
            return
        }
        guard let chunks = kerasChunkCount(values) else {
            let longest = values.max { $0.utf8.count < $1.utf8.count } ?? ""
            throw KerasFormatError(
                .invalidLayout, path: file, object: owner,
                reason: "the name '\(longest.prefix(40))…' in \(name) is \(longest.utf8.count) bytes; an HDF5 attribute holds at most \(headerLimit)")
        }
        if chunks == 1 {
            do {
                try object.setAttribute(name, strings: values, variableLength: true, encoding: .ascii)
                return
            } catch let error as HDF5Error where error.reason.contains("too large") {
                try writeChunks(values, as: name, chunks: 2, on: object)
                return
            }
        }
        try writeChunks(values, as: name, chunks: chunks, on: object)
    }

    private static func writeChunks(_ values: [String], as name: String, chunks: Int, on object: some HDF5Object) throws {
        var start = 0
        for (index, size) in chunkSizes(count: values.count, chunks: chunks).enumerated() {
            let chunk = Array(values[start..<start + size])
            try object.setAttribute("\(name)\(index)", strings: chunk, variableLength: false, encoding: .ascii)
            start += size
        }
    }

    // MARK: - Reading

    /// Whether `object` has attribute `name` or its first chunk `name0`.
    static func exists(_ name: String, on object: some HDF5Object) throws -> Bool {
        try object.hasAttribute(name) || object.hasAttribute("\(name)0")
    }

    /// Reads attribute `name` of `object`, or reassembles `name0`, `name1`, … (Keras' rule: the
    /// plain name wins; chunks are read until the first missing index). Absent gives `[]`, as in
    /// Keras. Each attribute must be a 1-D array of strings (variable- or fixed-length) or an
    /// empty numeric array.
    static func read(_ name: String, of object: some HDF5Object, file: String, owner: String) throws -> [String] {
        if try object.hasAttribute(name) {
            return try readOne(name, of: object, file: file, owner: owner)
        }
        var values: [String] = []
        var index = 0
        while try object.hasAttribute("\(name)\(index)") {
            values += try readOne("\(name)\(index)", of: object, file: file, owner: owner)
            index += 1
        }
        return values
    }

    private static func readOne(_ name: String, of object: some HDF5Object, file: String, owner: String) throws -> [String] {
        func malformed(_ reason: String) -> KerasFormatError {
            KerasFormatError(.malformedFile, path: file, object: owner, reason: "attribute \(name) \(reason)")
        }
        let rank = try object.attributeRank(name) ?? 1
        guard rank == 1 else {
            throw malformed(rank == 0
                ? "is a single string; Keras needs a 1-D array of names (it would read a scalar character by character)"
                : "has rank \(rank); expected a 1-D array of names")
        }
        if let strings = try? object.stringArrayAttribute(name) {
            return strings
        }
        if let numbers = try? object.doubleArrayAttribute(name) {
            // Keras writes an empty list as an empty float64 array.
            guard numbers.isEmpty else { throw malformed("holds \(numbers.count) numbers; expected names") }
            return []
        }
        throw malformed("is neither a string array nor an empty numeric array")
    }
}
