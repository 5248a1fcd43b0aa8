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
