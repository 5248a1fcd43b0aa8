import CHDF5

/// The attribute implementation shared by groups and datasets (`HDF5Object+Attributes.swift`
/// is the public face).
///
/// Attributes are written the way h5py writes them: strings as scalar or 1-D string types
/// (variable-length, or fixed-length NUL-padded like NumPy `S` arrays), numbers as
/// little-endian F64/I64. An existing attribute of the same name is replaced.
extension HDF5ObjectHandle {
    // MARK: - Names

    func attributeNames() throws -> [String] {
        let operation = "list attributes of"
        try ensureOpen(operation)
        let index = try attributeIndex(site())
        var names: [String] = []
        var position: hsize_t = 0
        let status = withUnsafeMutablePointer(to: &names) { pointer in
            H5Aiterate2(id, index, H5_ITER_INC, &position, { _, name, _, context in
                guard let name, let context else { return -1 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, pointer)
        }
        try HDF5Call.check(status, operation, site())
        return names
    }

    func hasAttribute(_ name: String) throws -> Bool {
        let operation = "look up attribute '\(name)' of"
        try ensureOpen(operation)
        return try HDF5Call.bool(H5Aexists(id, name), operation, site())
    }

    func deleteAttribute(_ name: String) throws {
        let operation = "delete attribute '\(name)' of"
        guard try hasAttribute(name) else {
            throw HDF5Call.invalid(operation, site(), "there is no such attribute")
        }
        try HDF5Call.check(H5Adelete(id, name), operation, site())
    }

    // MARK: - Writing

    func setStringAttribute(_ name: String, _ value: String, encoding: HDF5StringEncoding) throws {
        try setStrings(name, [value], scalar: true, variableLength: true, encoding: encoding)
    }

    func setStringArrayAttribute(
        _ name: String, _ values: [String], variableLength: Bool, encoding: HDF5StringEncoding
    ) throws {
        try setStrings(name, values, scalar: false, variableLength: variableLength, encoding: encoding)
    }

    func setDoubleAttribute(_ name: String, _ values: [Double], scalar: Bool) throws {
        try setNumbers(name, values, scalar: scalar, fileType: CHDF5_H5T_IEEE_F64LE(), memoryType: CHDF5_H5T_NATIVE_DOUBLE())
    }

    func setInt64Attribute(_ name: String, _ values: [Int64], scalar: Bool) throws {
        try setNumbers(name, values, scalar: scalar, fileType: CHDF5_H5T_STD_I64LE(), memoryType: CHDF5_H5T_NATIVE_INT64())
    }

    private func setStrings(
        _ name: String, _ values: [String], scalar: Bool, variableLength: Bool, encoding: HDF5StringEncoding
    ) throws {
        let operation = "write attribute '\(name)' on"
        try ensureOpen(operation)
        let site = site()
        // Both C strings and NUL-padded fixed-length strings end at the first NUL.
        if values.contains(where: { $0.utf8.contains(0) }) {
            throw HDF5Call.invalid(operation, site, "a string contains a NUL character, which HDF5 strings cannot hold")
        }
        let type = try HDF5ScopedID(H5Tcopy(CHDF5_H5T_C_S1()), operation, site)
        let cset = encoding == .utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII
        try HDF5Call.check(H5Tset_cset(type.raw, cset), operation, site)
        let space = try Self.attributeSpace(count: values.count, scalar: scalar, operation, site)

        // All strings NUL-terminated, back to back: the vlen pointers and fixed-size slots come from here.
        var storage: [UInt8] = []
        var offsets: [Int] = []
        for value in values {
            offsets.append(storage.count)
            storage.append(contentsOf: value.utf8)
            storage.append(0)
        }
        if variableLength {
            try HDF5Call.check(H5Tset_size(type.raw, CHDF5_H5T_VARIABLE()), operation, site)
            try storage.withUnsafeBufferPointer { bytes in
                let pointers: [UnsafeRawPointer?] = offsets.map { bytes.baseAddress.map(UnsafeRawPointer.init)?.advanced(by: $0) }
                try pointers.withUnsafeBytes { data in
                    try writeAttribute(name, type: type.raw, space: space.raw, memoryType: type.raw, data: data, operation, site)
                }
            }
        } else {
            // NumPy `S` arrays: the longest string's byte length, shorter ones NUL-padded.
            let width = max(1, values.map(\.utf8.count).max() ?? 1)
            try HDF5Call.check(H5Tset_size(type.raw, width), operation, site)
            try HDF5Call.check(H5Tset_strpad(type.raw, H5T_STR_NULLPAD), operation, site)
            var padded = [UInt8](repeating: 0, count: values.count * width)
            for (value, slot) in zip(values, 0...) {
                padded.replaceSubrange(slot * width..<slot * width + value.utf8.count, with: value.utf8)
            }
            try padded.withUnsafeBytes { data in
                try writeAttribute(name, type: type.raw, space: space.raw, memoryType: type.raw, data: data, operation, site)
            }
        }
    }

    private func setNumbers<Number>(
        _ name: String, _ values: [Number], scalar: Bool, fileType: hid_t, memoryType: hid_t
    ) throws {
        let operation = "write attribute '\(name)' on"
        try ensureOpen(operation)
        let site = site()
        let space = try Self.attributeSpace(count: values.count, scalar: scalar, operation, site)
        try values.withUnsafeBytes { data in
            try writeAttribute(name, type: fileType, space: space.raw, memoryType: memoryType, data: data, operation, site)
        }
    }

    /// Replaces attribute `name` with a new one of `type` and `space`, holding `data`.
    private func writeAttribute(
        _ name: String, type: hid_t, space: hid_t, memoryType: hid_t, data: UnsafeRawBufferPointer,
        _ operation: String, _ site: HDF5Site
    ) throws {
        if try HDF5Call.bool(H5Aexists(id, name), operation, site) {
            try HDF5Call.check(H5Adelete(id, name), operation, site)
        }
        // Attributes live in the object header: with the default (earliest) file format an
        // attribute over 64 KiB fails here; Keras splits such arrays itself (`name0`, `name1`, ...).
        let created = H5Acreate2(id, name, type, space, CHDF5_H5P_DEFAULT(), CHDF5_H5P_DEFAULT())
        if created < 0 {
            var error = HDF5Call.failure(operation, site)
            if error.reason.contains("too large") {
                error.reason += " (an attribute must fit in its object header, 64 KiB; split it as Keras does)"
            }
            throw error
        }
        let attribute = try HDF5ScopedID(created, operation, site)
        // H5Awrite refuses a null buffer even for zero elements.
        var placeholder: UInt64 = 0
        let status = withUnsafeMutableBytes(of: &placeholder) { placeholder in
            H5Awrite(attribute.raw, memoryType, data.baseAddress ?? UnsafeRawPointer(placeholder.baseAddress))
        }
        guard status >= 0 else {
            let error = HDF5Call.failure(operation, site)
            _ = consume attribute
            _ = H5Adelete(id, name)  // don't leave a half-written attribute behind
            throw error
        }
    }

    /// A scalar dataspace, or a 1-D one of `count` elements (`count` may be 0).
    private static func attributeSpace(count: Int, scalar: Bool, _ operation: String, _ site: HDF5Site) throws -> HDF5ScopedID {
        if scalar {
            return try HDF5ScopedID(H5Screate(H5S_SCALAR), operation, site)
        }
        var dims = [hsize_t(count)]
        return try HDF5ScopedID(H5Screate_simple(1, &dims, nil), operation, site)
    }

    // MARK: - Reading

    /// The attribute's strings (scalar or 1-D; variable- or fixed-length; ASCII or UTF-8), or
    /// nil if there is no such attribute.
    func stringArrayAttribute(_ name: String) throws -> [String]? {
        let operation = "read attribute '\(name)' of"
        guard try hasAttribute(name) else { return nil }
        let site = site()
        let attribute = try HDF5ScopedID(H5Aopen(id, name, CHDF5_H5P_DEFAULT()), operation, site)
        let type = try HDF5ScopedID(H5Aget_type(attribute.raw), operation, site)
        guard H5Tget_class(type.raw) == H5T_STRING else {
            throw HDF5Call.invalid(operation, site, "it is not a string attribute")
        }
        let space = try HDF5ScopedID(H5Aget_space(attribute.raw), operation, site)
        let count = try Self.attributeElementCount(space.raw, operation, site)
        guard count > 0 else { return [] }

        if try HDF5Call.bool(H5Tis_variable_str(type.raw), operation, site) {
            // Read as C strings in the stored character set (libhdf5 does not convert between sets).
            let memoryType = try HDF5ScopedID(H5Tcopy(CHDF5_H5T_C_S1()), operation, site)
            try HDF5Call.check(H5Tset_size(memoryType.raw, CHDF5_H5T_VARIABLE()), operation, site)
            try HDF5Call.check(H5Tset_cset(memoryType.raw, H5Tget_cset(type.raw)), operation, site)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try HDF5Call.check(H5Aread(attribute.raw, memoryType.raw, &pointers), operation, site)
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            // libhdf5 allocated each string; give them back.
            try HDF5Call.check(
                H5Dvlen_reclaim(memoryType.raw, space.raw, CHDF5_H5P_DEFAULT(), &pointers), operation, site)
            return strings
        }

        let width = try HDF5Call.nonzeroSize(H5Tget_size(type.raw), operation, site)
        let spacePadded = H5Tget_strpad(type.raw) == H5T_STR_SPACEPAD
        var bytes = [UInt8](repeating: 0, count: count * width)
        try HDF5Call.check(H5Aread(attribute.raw, type.raw, &bytes), operation, site)
        return (0..<count).map { slot in
            var text = bytes[slot * width..<(slot + 1) * width].prefix { $0 != 0 }
            if spacePadded {
                while text.last == UInt8(ascii: " ") { text = text.dropLast() }
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    /// The attribute's single string, or nil if there is no such attribute.
    func stringAttribute(_ name: String) throws -> String? {
        guard let strings = try stringArrayAttribute(name) else { return nil }
        guard strings.count == 1 else {
            throw HDF5Call.invalid(
                "read attribute '\(name)' of", site(), "it holds \(strings.count) strings, expected one")
        }
        return strings[0]
    }

    /// The attribute's numbers (any integer or float type) as Double.
    func doubleArrayAttribute(_ name: String) throws -> [Double]? {
        try readNumbers(name, as: Double.self, memoryType: CHDF5_H5T_NATIVE_DOUBLE(), allowFloats: true)
    }

    /// The attribute's integers as Int64 (float attributes are refused rather than truncated).
    func int64ArrayAttribute(_ name: String) throws -> [Int64]? {
        try readNumbers(name, as: Int64.self, memoryType: CHDF5_H5T_NATIVE_INT64(), allowFloats: false)
    }

    private func readNumbers<Number>(
        _ name: String, as: Number.Type, memoryType: hid_t, allowFloats: Bool
    ) throws -> [Number]? {
        let operation = "read attribute '\(name)' of"
        guard try hasAttribute(name) else { return nil }
        let site = site()
        let attribute = try HDF5ScopedID(H5Aopen(id, name, CHDF5_H5P_DEFAULT()), operation, site)
        let type = try HDF5ScopedID(H5Aget_type(attribute.raw), operation, site)
        let typeClass = H5Tget_class(type.raw)
        guard typeClass == H5T_INTEGER || (allowFloats && typeClass == H5T_FLOAT) else {
            throw HDF5Call.invalid(
                operation, site, allowFloats ? "it is not a numeric attribute" : "it is not an integer attribute")
        }
        let space = try HDF5ScopedID(H5Aget_space(attribute.raw), operation, site)
        let count = try Self.attributeElementCount(space.raw, operation, site)
        guard count > 0 else { return [] }
        return try [Number](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            guard let base = buffer.baseAddress else { return }
            try HDF5Call.check(H5Aread(attribute.raw, memoryType, base), operation, site)
            initializedCount = count
        }
    }

    /// Elements of a scalar (1), null (0) or 1-D attribute dataspace; higher ranks are refused.
    private static func attributeElementCount(_ space: hid_t, _ operation: String, _ site: HDF5Site) throws -> Int {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return 1
        case H5S_NULL: return 0
        default:
            let rank = try HDF5Call.count(H5Sget_simple_extent_ndims(space), operation, site)
            guard rank <= 1 else {
                throw HDF5Call.invalid(operation, site, "it has rank \(rank); expected a scalar or 1-D attribute")
            }
            return try HDF5Call.count(H5Sget_simple_extent_npoints(space), operation, site)
        }
    }

    /// The index to list attributes by: creation order if the object tracks it, else name.
    private func attributeIndex(_ site: HDF5Site) throws -> H5_index_t {
        let operation = "read creation properties of"
        let plist: hid_t
        switch H5Iget_type(id) {
        case H5I_GROUP: plist = H5Gget_create_plist(id)
        case H5I_DATASET: plist = H5Dget_create_plist(id)
        default: return H5_INDEX_NAME
        }
        let ocpl = try HDF5ScopedID(plist, operation, site)
        var flags: UInt32 = 0
        try HDF5Call.check(H5Pget_attr_creation_order(ocpl.raw, &flags), operation, site)
        return flags & UInt32(H5P_CRT_ORDER_TRACKED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME
    }
}
