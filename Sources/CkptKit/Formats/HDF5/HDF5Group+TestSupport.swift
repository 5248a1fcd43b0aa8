import CHDF5

/// Internal helpers for tests: links and stored types that ckpt itself never writes.
extension HDF5Group {
    /// Creates a soft link at `path` pointing to `target` (a path in the same file).
    func createSoftLink(_ path: String, target: String) throws {
        let operation = "create soft link"
        let site = objectHandle.site(objectHandle.absolutePath(of: path))
        try objectHandle.ensureOpen(operation, site.object)
        let lcpl = try Self.linkCreationList(site)
        try HDF5Call.check(H5Lcreate_soft(target, objectHandle.id, path, lcpl.raw, CHDF5_H5P_DEFAULT()), operation, site)
    }

    /// Creates an external link at `path` pointing to `object` inside the file at `file`.
    func createExternalLink(_ path: String, file: String, object: String) throws {
        let operation = "create external link"
        let site = objectHandle.site(objectHandle.absolutePath(of: path))
        try objectHandle.ensureOpen(operation, site.object)
        let lcpl = try Self.linkCreationList(site)
        try HDF5Call.check(
            H5Lcreate_external(file, object, objectHandle.id, path, lcpl.raw, CHDF5_H5P_DEFAULT()), operation, site)
    }

    /// Stored types for testing how datasets written by other tools are read.
    enum ForeignType {
        /// Big-endian IEEE float32.
        case float32BigEndian
        /// A variable-length UTF-8 string.
        case variableLengthString
        /// A 2-byte opaque type (bfloat16 once marked with the `dtype` attribute).
        case opaque2
        /// bfloat16 as a 2-byte float class (sign 15, exponent 7–14, mantissa 0–6, bias 127).
        case bfloat16Float
    }

    /// Creates a contiguous dataset of a type `createDataset` does not produce. Writing to it
    /// later uses the usual `DType` memory types.
    func createForeignDataset(_ path: String, type foreign: ForeignType, shape: [Int]) throws -> HDF5Dataset {
        let operation = "create test dataset"
        let site = objectHandle.site(objectHandle.absolutePath(of: path))
        let type: HDF5ScopedID
        switch foreign {
        case .float32BigEndian:
            type = try HDF5ScopedID(H5Tcopy(CHDF5_H5T_IEEE_F32BE()), operation, site)
        case .variableLengthString:
            type = try HDF5ScopedID(H5Tcopy(CHDF5_H5T_C_S1()), operation, site)
            try HDF5Call.check(H5Tset_size(type.raw, CHDF5_H5T_VARIABLE()), operation, site)
        case .opaque2:
            type = try HDF5ElementType.fileType(for: .bfloat16, site)
        case .bfloat16Float:
            type = try HDF5ElementType.memoryType(for: .bfloat16, storedType: CHDF5_H5T_IEEE_F32LE(), site)
        }
        let space = try HDF5Dataspace.create(shape: shape, site)
        let id = try HDF5Call.id(
            H5Dcreate2(objectHandle.id, path, type.raw, space.raw, CHDF5_H5P_DEFAULT(), CHDF5_H5P_DEFAULT(), CHDF5_H5P_DEFAULT()),
            operation, site)
        return try HDF5Dataset(
            handle: HDF5ObjectHandle(id: id, path: objectHandle.absolutePath(of: path), file: objectHandle.file),
            knownDType: nil)
    }
}

/// A filter for ``HDF5Group/createFilteredDataset(_:type:shape:chunkShape:filters:fill:)``.
enum HDF5TestFilter: Sendable, Hashable {
    case shuffle, deflate(level: Int), fletcher32, scaleOffset, nbit
}

extension HDF5Group {
    /// Test support: a chunked float32 dataset (little- or big-endian) with the given filters,
    /// in that order, and optionally a fill value. libhdf5 applies the filters when writing.
    func createFilteredDataset(
        _ path: String, bigEndian: Bool = false, shape: [Int], chunkShape: [Int], filters: [HDF5TestFilter],
        fill: Float? = nil
    ) throws -> HDF5Dataset {
        let operation = "create filtered test dataset"
        let site = objectHandle.site(objectHandle.absolutePath(of: path))
        let dcpl = try HDF5ScopedID(H5Pcreate(CHDF5_H5P_DATASET_CREATE()), operation, site)
        let dims = try HDF5Dataspace.dimensions(chunkShape, site)
        try HDF5Call.check(H5Pset_chunk(dcpl.raw, Int32(dims.count), dims), operation, site)
        for filter in filters {
            switch filter {
            case .shuffle: try HDF5Call.check(H5Pset_shuffle(dcpl.raw), operation, site)
            case .deflate(let level): try HDF5Call.check(H5Pset_deflate(dcpl.raw, UInt32(level)), operation, site)
            case .fletcher32: try HDF5Call.check(H5Pset_fletcher32(dcpl.raw), operation, site)
            case .scaleOffset: try HDF5Call.check(H5Pset_scaleoffset(dcpl.raw, H5Z_SO_FLOAT_DSCALE, 3), operation, site)
            case .nbit: try HDF5Call.check(H5Pset_nbit(dcpl.raw), operation, site)
            }
        }
        let type = try HDF5ScopedID(H5Tcopy(bigEndian ? CHDF5_H5T_IEEE_F32BE() : CHDF5_H5T_IEEE_F32LE()), operation, site)
        if var fill {
            try HDF5Call.check(H5Pset_fill_value(dcpl.raw, CHDF5_H5T_IEEE_F32LE(), &fill), operation, site)
        }
        let space = try HDF5Dataspace.create(shape: shape, site)
        let lcpl = try HDF5ScopedID(H5Pcreate(CHDF5_H5P_LINK_CREATE()), operation, site)
        try HDF5Call.check(H5Pset_create_intermediate_group(lcpl.raw, 1), operation, site)
        let id = try HDF5Call.id(
            H5Dcreate2(objectHandle.id, path, type.raw, space.raw, lcpl.raw, dcpl.raw, CHDF5_H5P_DEFAULT()),
            operation, site)
        return try HDF5Dataset(
            handle: HDF5ObjectHandle(id: id, path: objectHandle.absolutePath(of: path), file: objectHandle.file),
            knownDType: .float32)
    }
}

extension HDF5Dataset {
    /// Test support: stores `bytes` as the chunk at element `offset`, as they are
    /// (`H5Dwrite_chunk`): a hostile chunk that libhdf5 itself never wrote.
    func writeRawChunk(at offset: [Int], _ bytes: [UInt8], filterMask: UInt32 = 0) throws {
        let site = objectHandle.site()
        let coordinates = try HDF5Dataspace.dimensions(offset, site)
        try bytes.withUnsafeBytes { buffer in
            try HDF5Call.check(
                H5Dwrite_chunk(objectHandle.id, CHDF5_H5P_DEFAULT(), filterMask, coordinates, buffer.count, buffer.baseAddress),
                "write raw test chunk", site)
        }
    }

    /// Test support: the dataset's values as libhdf5 itself decodes them (`H5Dread`, its own
    /// filters): the reference for ``HDF5ChunkedRows``.
    func readThroughLibhdf5() throws -> [UInt8] { try readBytes() }
}

extension HDF5Dataset {
    /// Test support: the chunk at element `offset` as stored (`H5Dread_chunk`).
    func readRawChunk(at offset: [Int]) throws -> [UInt8] {
        let site = objectHandle.site()
        let coordinates = try HDF5Dataspace.dimensions(offset, site)
        var size: hsize_t = 0
        try HDF5Call.check(H5Dget_chunk_storage_size(objectHandle.id, coordinates, &size), "size raw test chunk", site)
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var filters: UInt32 = 0
        try HDF5Call.check(
            H5Dread_chunk(objectHandle.id, CHDF5_H5P_DEFAULT(), coordinates, &filters, &bytes), "read raw test chunk", site)
        return bytes
    }
}
