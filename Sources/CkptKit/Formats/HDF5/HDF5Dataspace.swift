import CHDF5

/// Dataspaces for tensor shapes.
enum HDF5Dataspace {
    /// A dataspace for `shape`: scalar for `[]`, simple otherwise (zero-size dimensions allowed).
    static func create(shape: [Int], _ site: HDF5Site) throws -> HDF5ScopedID {
        if shape.isEmpty {
            return try HDF5ScopedID(H5Screate(H5S_SCALAR), "create scalar dataspace", site)
        }
        let dims = try dimensions(shape, site)
        return try HDF5ScopedID(
            H5Screate_simple(Int32(dims.count), dims, nil), "create dataspace for shape \(shape)", site)
    }

    /// `shape` as libhdf5 dimensions, refusing negative sizes.
    static func dimensions(_ shape: [Int], _ site: HDF5Site) throws -> [hsize_t] {
        guard shape.count <= Int(H5S_MAX_RANK) else {
            throw HDF5Call.invalid("use shape \(shape)", site, "rank \(shape.count) exceeds HDF5's limit of \(H5S_MAX_RANK)")
        }
        return try shape.map { size in
            guard size >= 0 else {
                throw HDF5Call.invalid("use shape \(shape)", site, "dimensions must not be negative")
            }
            return hsize_t(size)
        }
    }

    /// The shape of a dataspace (`[]` for scalar); throws for a null dataspace.
    static func shape(of space: hid_t, _ site: HDF5Site) throws -> [Int] {
        let kind = H5Sget_simple_extent_type(space)
        if kind == H5S_SCALAR { return [] }
        guard kind == H5S_SIMPLE else {
            throw HDF5Call.invalid("read shape", site, "the dataspace is null (it holds no elements)")
        }
        let rank = try HDF5Call.count(H5Sget_simple_extent_ndims(space), "read rank", site)
        var dims = [hsize_t](repeating: 0, count: rank)
        _ = try HDF5Call.count(H5Sget_simple_extent_dims(space, &dims, nil), "read dimensions", site)
        return try dims.map { size in
            guard let value = Int(exactly: size) else {
                throw HDF5Call.invalid("read shape", site, "dimension \(size) does not fit in Int")
            }
            return value
        }
    }

    /// The element count of `shape`, or an error if it (or its byte size) overflows `Int`.
    static func elementCount(_ shape: [Int], elementSize: Int, _ site: HDF5Site) throws -> Int {
        guard let bytes = ShapeArithmetic.byteCount(shape, elementSize: max(1, elementSize)) else {
            throw HDF5Call.invalid("use shape \(shape)", site, "the byte count overflows Int")
        }
        return bytes / max(1, elementSize)
    }
}
