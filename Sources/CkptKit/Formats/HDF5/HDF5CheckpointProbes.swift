import CHDF5

// Two questions about stored objects that the HDF5 layer's public API does not answer yet, asked
// through the same funnel (`HDF5Call`, `HDF5ScopedID`) so no identifier leaves this file.
// They belong in `Formats/HDF5/` (`HDF5Object+Attributes`, `HDF5Dataset`); move them there when
// that layer grows them.

extension HDF5Object {
    /// The rank of attribute `name`'s dataspace (0 for a scalar), or nil if there is no such
    /// attribute. A null dataspace counts as rank 1 (no elements).
    ///
    /// The attribute readers return a scalar and a one-element array alike; Keras does not
    /// (a scalar `layer_names` is iterated character by character).
    func attributeRank(_ name: String) throws -> Int? {
        let handle = objectHandle
        let operation = "read the shape of attribute '\(name)' of"
        guard try handle.hasAttribute(name) else { return nil }
        let site = handle.site()
        let attribute = try HDF5ScopedID(H5Aopen(handle.id, name, CHDF5_H5P_DEFAULT()), operation, site)
        let space = try HDF5ScopedID(H5Aget_space(attribute.raw), operation, site)
        switch H5Sget_simple_extent_type(space.raw) {
        case H5S_SCALAR: return 0
        case H5S_NULL: return 1
        default: return try HDF5Call.count(H5Sget_simple_extent_ndims(space.raw), operation, site)
        }
    }
}

extension HDF5Dataset {
    /// Where a dataset's values are kept, when not in the file's own storage.
    enum ForeignStorage: Equatable {
        /// Raw data in other files (`H5Pset_external`): reading would read those files.
        case externalFiles(count: Int)
        /// A virtual dataset mapping (parts of) other datasets, possibly in other files.
        case virtual
    }

    /// Whether the values live outside the file: external raw-data files or a virtual dataset
    /// (Keras' `safe_get_h5_dataset` refuses both), or nil for ordinary storage.
    func foreignStorage() throws -> ForeignStorage? {
        let handle = objectHandle
        let operation = "read the storage layout of dataset"
        try handle.ensureOpen(operation)
        let site = handle.site()
        let dcpl = try HDF5ScopedID(H5Dget_create_plist(handle.id), operation, site)
        if H5Pget_layout(dcpl.raw) == H5D_VIRTUAL { return .virtual }
        let external = try HDF5Call.count(H5Pget_external_count(dcpl.raw), operation, site)
        return external > 0 ? .externalFiles(count: external) : nil
    }
}

extension HDF5Group {
    /// Test support: creates a float32 dataset of `count` elements whose raw data is the file at
    /// `externalFile` (the hostile input `foreignStorage()` detects). ckpt never writes these.
    func createExternallyStoredDataset(_ path: String, count: Int, externalFile: String) throws {
        let handle = objectHandle
        let operation = "create externally stored test dataset"
        let site = handle.site(handle.absolutePath(of: path))
        let dcpl = try HDF5ScopedID(H5Pcreate(CHDF5_H5P_DATASET_CREATE()), operation, site)
        try HDF5Call.check(H5Pset_external(dcpl.raw, externalFile, 0, hsize_t(count * 4)), operation, site)
        var dims = [hsize_t(count)]
        let space = try HDF5ScopedID(H5Screate_simple(1, &dims, nil), operation, site)
        let dataset = try HDF5ScopedID(
            H5Dcreate2(handle.id, path, CHDF5_H5T_IEEE_F32LE(), space.raw, CHDF5_H5P_DEFAULT(), dcpl.raw, CHDF5_H5P_DEFAULT()),
            operation, site)
        _ = consume dataset
    }
}

extension HDF5Dataset {
    /// The number of chunks written (`H5Dget_num_chunks`, which walks the whole chunk index).
    func allocatedChunkCount() throws -> Int {
        let handle = objectHandle
        let operation = "count the chunks of dataset"
        try handle.ensureOpen(operation)
        var count: hsize_t = 0
        let space = try HDF5ScopedID(H5Dget_space(handle.id), operation, handle.site())
        try HDF5Call.check(H5Dget_num_chunks(handle.id, space.raw, &count), operation, handle.site())
        return Int(clamping: count)
    }

    /// How many chunks the dataset's shape has room for (Int.max if that overflows); 0 when
    /// not chunked.
    var chunkGridCount: Int {
        guard let chunkShape, chunkShape.count == shape.count else { return 0 }
        var total = 1
        for (size, chunk) in zip(shape, chunkShape) where chunk > 0 {
            let (product, overflow) = total.multipliedReportingOverflow(by: (size + chunk - 1) / chunk)
            if overflow { return Int.max }
            total = product
        }
        return total
    }
}
