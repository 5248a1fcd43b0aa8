import CHDF5

/// The mapping between `DType` and HDF5 datatypes.
///
/// Files get little-endian types, written the way h5py writes the matching NumPy dtype, so that
/// h5py, Keras and NumPy read them back as that dtype:
/// - float32/float64: IEEE F32LE/F64LE; integers: STD_I*LE / STD_U*LE.
/// - bool: h5py's enum of int8 with `FALSE = 0`, `TRUE = 1` (NumPy reads `bool`).
/// - float16: h5py's half type, a copy of F32LE reshaped to sign bit 15, exponent bits 10–14
///   (bias 15) and mantissa bits 0–9, 2 bytes (h5py `h5t.IEEE_F16LE`).
/// - bfloat16: a 2-byte opaque type with an empty tag (NumPy `|V2`), as Keras 3 writes it; the
///   caller adds the dataset attribute `dtype = "bfloat16"` that Keras reads it back by.
enum HDF5ElementType {
    /// The attribute that marks a 2-byte opaque dataset as bfloat16 (Keras 3 `H5IOStore`).
    static let bfloat16AttributeName = "dtype"
    /// Its value.
    static let bfloat16AttributeValue = "bfloat16"

    /// A new datatype for storing `dtype` in a file; also the memory type for little-endian bytes.
    static func fileType(for dtype: DType, _ site: HDF5Site) throws -> HDF5ScopedID {
        switch dtype {
        case .float32: return try copy(CHDF5_H5T_IEEE_F32LE(), site)
        case .float64: return try copy(CHDF5_H5T_IEEE_F64LE(), site)
        case .int8: return try copy(CHDF5_H5T_STD_I8LE(), site)
        case .int16: return try copy(CHDF5_H5T_STD_I16LE(), site)
        case .int32: return try copy(CHDF5_H5T_STD_I32LE(), site)
        case .int64: return try copy(CHDF5_H5T_STD_I64LE(), site)
        case .uint8: return try copy(CHDF5_H5T_STD_U8LE(), site)
        case .uint16: return try copy(CHDF5_H5T_STD_U16LE(), site)
        case .uint32: return try copy(CHDF5_H5T_STD_U32LE(), site)
        case .uint64: return try copy(CHDF5_H5T_STD_U64LE(), site)
        case .bool: return try booleanEnum(site)
        case .float16: return try twoByteFloat(exponentBits: 5, mantissaBits: 10, exponentBias: 15, site)
        case .bfloat16:
            // H5Tcreate gives an opaque type an empty tag, which is what h5py writes for `|V2`.
            return try HDF5ScopedID(H5Tcreate(H5T_OPAQUE, 2), "create bfloat16 opaque type", site)
        }
    }

    /// The memory type for moving `dtype` values between a dataset of `storedType` and
    /// little-endian C-order bytes; libhdf5 converts byte order and float layouts on the way.
    static func memoryType(for dtype: DType, storedType: hid_t, _ site: HDF5Site) throws -> HDF5ScopedID {
        guard dtype == .bfloat16 else { return try fileType(for: dtype, site) }
        if H5Tget_class(storedType) == H5T_OPAQUE {
            // Opaque data converts only to an identical type (same size and tag): use the stored one.
            return try copy(storedType, site)
        }
        // bfloat16 stored as a 2-byte float class (not Keras' way, but unambiguous).
        return try twoByteFloat(exponentBits: 8, mantissaBits: 7, exponentBias: 127, site)
    }

    /// The `DType` of a stored datatype. `bfloat16Marked` says whether the dataset carries the
    /// `dtype = "bfloat16"` attribute (only consulted for 2-byte opaque types).
    static func dtype(ofStoredType type: hid_t, bfloat16Marked: () throws -> Bool, _ site: HDF5Site) throws -> DType {
        let operation = "determine the element type of dataset"
        let typeClass = H5Tget_class(type)
        let size = try HDF5Call.nonzeroSize(H5Tget_size(type), operation, site)
        func unsupported(_ what: String) -> HDF5Error {
            HDF5Call.invalid(operation, site, "the stored type is \(what), which has no tensor dtype")
        }
        switch typeClass {
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            switch (size, signed) {
            case (1, true): return .int8
            case (2, true): return .int16
            case (4, true): return .int32
            case (8, true): return .int64
            case (1, false): return .uint8
            case (2, false): return .uint16
            case (4, false): return .uint32
            case (8, false): return .uint64
            default: throw unsupported("a \(size)-byte integer")
            }
        case H5T_FLOAT:
            switch size {
            case 4: return .float32
            case 8: return .float64
            case 2:
                var signPosition = 0, exponentPosition = 0, exponentBits = 0, mantissaPosition = 0, mantissaBits = 0
                try HDF5Call.check(
                    H5Tget_fields(type, &signPosition, &exponentPosition, &exponentBits, &mantissaPosition, &mantissaBits),
                    operation, site)
                if exponentBits == 5, mantissaBits == 10 { return .float16 }
                if exponentBits == 8, mantissaBits == 7 { return .bfloat16 }
                throw unsupported("a 2-byte float with \(exponentBits) exponent and \(mantissaBits) mantissa bits")
            default:
                throw unsupported("a \(size)-byte float")
            }
        case H5T_ENUM:
            guard try isBooleanEnum(type, site) else { throw unsupported("an enum other than h5py's bool") }
            return .bool
        case H5T_OPAQUE:
            guard size == 2, try bfloat16Marked() else {
                throw unsupported("a \(size)-byte opaque type without a dtype=\"bfloat16\" attribute")
            }
            return .bfloat16
        case H5T_STRING:
            throw unsupported(H5Tis_variable_str(type) > 0 ? "a variable-length string" : "a fixed-length string")
        case H5T_COMPOUND: throw unsupported("a compound type")
        case H5T_ARRAY: throw unsupported("an array type")
        case H5T_VLEN: throw unsupported("a variable-length sequence")
        case H5T_REFERENCE: throw unsupported("a reference type")
        case H5T_BITFIELD: throw unsupported("a bitfield")
        case H5T_TIME: throw unsupported("a time type")
        default: throw unsupported("of an unknown class")
        }
    }

    // MARK: - Building types

    private static func copy(_ type: hid_t, _ site: HDF5Site) throws -> HDF5ScopedID {
        try HDF5ScopedID(H5Tcopy(type), "copy datatype", site)
    }

    /// A little-endian 2-byte IEEE-style float, built the way h5py builds `IEEE_F16LE`:
    /// copy F32LE, move the fields, then shrink to 2 bytes and set the bias.
    private static func twoByteFloat(
        exponentBits: Int, mantissaBits: Int, exponentBias: Int, _ site: HDF5Site
    ) throws -> HDF5ScopedID {
        let operation = "create 2-byte float type"
        let type = try copy(CHDF5_H5T_IEEE_F32LE(), site)
        try HDF5Call.check(H5Tset_fields(type.raw, 15, mantissaBits, exponentBits, 0, mantissaBits), operation, site)
        try HDF5Call.check(H5Tset_size(type.raw, 2), operation, site)
        try HDF5Call.check(H5Tset_ebias(type.raw, exponentBias), operation, site)
        return type
    }

    /// h5py's bool: an enum over int8 with members FALSE = 0 and TRUE = 1.
    private static func booleanEnum(_ site: HDF5Site) throws -> HDF5ScopedID {
        let operation = "create bool enum type"
        let type = try HDF5ScopedID(H5Tenum_create(CHDF5_H5T_STD_I8LE()), operation, site)
        var no: Int8 = 0
        var yes: Int8 = 1
        try HDF5Call.check(H5Tenum_insert(type.raw, "FALSE", &no), operation, site)
        try HDF5Call.check(H5Tenum_insert(type.raw, "TRUE", &yes), operation, site)
        return type
    }

    /// Whether an enum type is h5py's bool: 1-byte integer base, exactly FALSE = 0 and TRUE = 1.
    private static func isBooleanEnum(_ type: hid_t, _ site: HDF5Site) throws -> Bool {
        let operation = "inspect enum type"
        guard H5Tget_size(type) == 1,
              try HDF5Call.count(H5Tget_nmembers(type), operation, site) == 2 else { return false }
        var members: [String: Int8] = [:]
        for index in 0..<UInt32(2) {
            guard let name = H5Tget_member_name(type, index) else { throw HDF5Call.failure(operation, site) }
            let text = String(cString: name)
            H5free_memory(name)
            var value: Int8 = 0
            try HDF5Call.check(H5Tget_member_value(type, index, &value), operation, site)
            members[text] = value
        }
        return members == ["FALSE": 0, "TRUE": 1]
    }
}
