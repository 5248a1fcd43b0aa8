import CHDF5

/// An open HDF5 group (the root group included): creates, opens and lists its members.
///
/// Paths are relative to this group unless they start with `/`, and may contain several
/// components (`layers/dense/vars`).
public final class HDF5Group: HDF5Object {
    /// The open group identifier.
    public let objectHandle: HDF5ObjectHandle

    init(handle: HDF5ObjectHandle) {
        self.objectHandle = handle
    }

    /// Opens the group at `name`, relative to `parent` or to the file when `parent` is nil.
    convenience init(opening name: String, in file: HDF5FileHandle, relativeTo parent: HDF5ObjectHandle?) throws(HDF5Error) {
        let fullPath = parent?.absolutePath(of: name) ?? name
        try file.ensureOpen("open group", fullPath)
        let id = try HDF5Call.id(
            H5Gopen2(parent?.id ?? file.id, name, CHDF5_H5P_DEFAULT()), "open group", file.site(fullPath))
        self.init(handle: HDF5ObjectHandle(id: id, path: fullPath, file: file))
    }

    // MARK: - Groups

    /// Creates a group, and any missing groups on the way to it.
    public func createGroup(_ path: String) throws -> HDF5Group {
        let operation = "create group"
        let site = try prepareCreation(operation, path)
        let lcpl = try Self.linkCreationList(site)
        let gcpl = try Self.groupCreationList(site)
        let id = try HDF5Call.id(
            H5Gcreate2(objectHandle.id, path, lcpl.raw, gcpl.raw, CHDF5_H5P_DEFAULT()), operation, site)
        return HDF5Group(handle: HDF5ObjectHandle(id: id, path: objectHandle.absolutePath(of: path), file: objectHandle.file))
    }

    /// Opens an existing group.
    public func openGroup(_ path: String) throws -> HDF5Group {
        try HDF5Group(opening: path, in: objectHandle.file, relativeTo: objectHandle)
    }

    /// Whether a link named `path` exists (a dangling soft link counts).
    ///
    /// Never fails: a missing intermediate group, an intermediate that is not a group, a closed
    /// file or an invalid path all give `false`.
    public func contains(_ path: String) -> Bool {
        guard objectHandle.file.isOpen else { return false }
        HDF5Call.silenceErrorPrinting()
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        if components.isEmpty { return path.hasPrefix("/") }  // "/" is the root group
        var prefix = path.hasPrefix("/") ? "/" : ""
        let lapl = CHDF5_H5P_DEFAULT()
        for (index, component) in components.enumerated() {
            if index > 0 { prefix += "/" }
            prefix += component
            // H5Lexists fails (rather than answering false) when an intermediate is missing,
            // hence the walk one component at a time.
            guard H5Lexists(objectHandle.id, prefix, lapl) > 0 else { return false }
            if index < components.count - 1 {
                guard H5Oexists_by_name(objectHandle.id, prefix, lapl) > 0 else { return false }
                var info = H5O_info_t()
                guard H5Oget_info_by_name2(objectHandle.id, prefix, &info, UInt32(H5O_INFO_BASIC), lapl) >= 0,
                      info.type == H5O_TYPE_GROUP else { return false }
            }
        }
        return true
    }

    /// The group's members, in creation order when the group tracks it, else in name order.
    ///
    /// Soft and external links are reported as such, not followed.
    public func children() throws -> [HDF5Link] {
        let operation = "list group"
        try objectHandle.ensureOpen(operation)
        let site = objectHandle.site()
        let index = try linkIndex(site)
        var links: [(name: String, type: H5L_type_t)] = []
        var position: hsize_t = 0
        let status = withUnsafeMutablePointer(to: &links) { pointer in
            H5Literate(objectHandle.id, index, H5_ITER_INC, &position, { _, name, info, context in
                guard let name, let info, let context else { return -1 }
                let links = context.assumingMemoryBound(to: [(name: String, type: H5L_type_t)].self)
                links.pointee.append((String(cString: name), info.pointee.type))
                return 0
            }, pointer)
        }
        try HDF5Call.check(status, operation, site)
        return try links.map { link in
            switch link.type {
            case H5L_TYPE_SOFT: return HDF5Link(name: link.name, kind: .softLink)
            case H5L_TYPE_EXTERNAL: return HDF5Link(name: link.name, kind: .externalLink)
            case H5L_TYPE_HARD:
                // Only hard links are resolved: their target is in this file and always exists.
                var info = H5O_info_t()
                try HDF5Call.check(
                    H5Oget_info_by_name2(objectHandle.id, link.name, &info, UInt32(H5O_INFO_BASIC), CHDF5_H5P_DEFAULT()),
                    "inspect link '\(link.name)' of group", site)
                switch info.type {
                case H5O_TYPE_GROUP: return HDF5Link(name: link.name, kind: .group)
                case H5O_TYPE_DATASET: return HDF5Link(name: link.name, kind: .dataset)
                default: return HDF5Link(name: link.name, kind: .other)
                }
            default: return HDF5Link(name: link.name, kind: .other)
            }
        }
    }

    // MARK: - Datasets

    /// Creates a dataset (and any missing groups on the way to it).
    ///
    /// - Parameters:
    ///   - dtype: The element type; see `HDF5ElementType` for how each is stored. For bfloat16,
    ///     also set the dataset attribute `dtype = "bfloat16"` as Keras does.
    ///   - shape: Dimensions, outermost first; `[]` makes a scalar dataset, zero sizes are allowed.
    ///   - chunkShape: Chunk dimensions (same rank, each 1...dimension); nil means contiguous.
    ///   - deflateLevel: gzip level 0...9; requires `chunkShape`.
    public func createDataset(
        _ path: String, dtype: DType, shape: [Int], chunkShape: [Int]? = nil, deflateLevel: Int? = nil
    ) throws -> HDF5Dataset {
        let operation = "create dataset"
        let site = objectHandle.site(objectHandle.absolutePath(of: path))
        try objectHandle.ensureOpen(operation, site.object)
        // Validate everything before creating intermediate groups.
        _ = try HDF5Dataspace.elementCount(shape, elementSize: dtype.byteSize, site)
        let dcpl = try Self.datasetCreationList(shape: shape, dtype: dtype, chunkShape: chunkShape, deflateLevel: deflateLevel, site)
        _ = try prepareCreation(operation, path)
        let type = try HDF5ElementType.fileType(for: dtype, site)
        let space = try HDF5Dataspace.create(shape: shape, site)
        let lcpl = try Self.linkCreationList(site)
        let id = try HDF5Call.id(
            H5Dcreate2(objectHandle.id, path, type.raw, space.raw, lcpl.raw, dcpl.raw, CHDF5_H5P_DEFAULT()),
            operation, site)
        let handle = HDF5ObjectHandle(id: id, path: objectHandle.absolutePath(of: path), file: objectHandle.file)
        return try HDF5Dataset(handle: handle, knownDType: dtype)
    }

    /// Opens an existing dataset.
    public func openDataset(_ path: String) throws -> HDF5Dataset {
        let operation = "open dataset"
        let fullPath = objectHandle.absolutePath(of: path)
        try objectHandle.ensureOpen(operation, fullPath)
        let id = try HDF5Call.id(
            H5Dopen2(objectHandle.id, path, CHDF5_H5P_DEFAULT()), operation, objectHandle.site(fullPath))
        return try HDF5Dataset(handle: HDF5ObjectHandle(id: id, path: fullPath, file: objectHandle.file), knownDType: nil)
    }

    // MARK: - Helpers

    /// Checks the file and path, then creates the missing groups leading to `path`.
    ///
    /// Done by hand rather than with `H5Pset_create_intermediate_group`, because libhdf5 gives
    /// intermediate groups its default creation properties, timestamps included, and ckpt's
    /// files must be byte-for-byte reproducible.
    @discardableResult
    private func prepareCreation(_ operation: String, _ path: String) throws -> HDF5Site {
        let site = objectHandle.site(objectHandle.absolutePath(of: path))
        try objectHandle.ensureOpen(operation, site.object)
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty else { throw HDF5Call.invalid(operation, site, "the path has no name") }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in components.dropLast() {
            prefix += component
            if try HDF5Call.bool(H5Lexists(objectHandle.id, prefix, CHDF5_H5P_DEFAULT()), operation, site) {
                // libhdf5's own message for a dataset on the way is "message type not found".
                var info = H5O_info_t()
                try HDF5Call.check(
                    H5Oget_info_by_name2(objectHandle.id, prefix, &info, UInt32(H5O_INFO_BASIC), CHDF5_H5P_DEFAULT()),
                    operation, site)
                guard info.type == H5O_TYPE_GROUP else {
                    throw HDF5Call.invalid(operation, site, "'\(objectHandle.absolutePath(of: prefix))' is not a group")
                }
            } else {
                let lcpl = try Self.linkCreationList(site)
                let gcpl = try Self.groupCreationList(site)
                let group = try HDF5ScopedID(
                    H5Gcreate2(objectHandle.id, prefix, lcpl.raw, gcpl.raw, CHDF5_H5P_DEFAULT()),
                    operation, site)
                _ = consume group
            }
            prefix += "/"
        }
        return site
    }

    /// The index to list links by: creation order if the group tracks it, else name.
    private func linkIndex(_ site: HDF5Site) throws -> H5_index_t {
        let gcpl = try HDF5ScopedID(H5Gget_create_plist(objectHandle.id), "read group creation properties", site)
        var flags: UInt32 = 0
        try HDF5Call.check(H5Pget_link_creation_order(gcpl.raw, &flags), "read link creation order", site)
        return flags & UInt32(H5P_CRT_ORDER_TRACKED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME
    }

    /// Link creation properties: UTF-8 link names (as h5py writes them).
    static func linkCreationList(_ site: HDF5Site) throws -> HDF5ScopedID {
        let lcpl = try HDF5ScopedID(H5Pcreate(CHDF5_H5P_LINK_CREATE()), "create link creation property list", site)
        try HDF5Call.check(H5Pset_char_encoding(lcpl.raw, H5T_CSET_UTF8), "set link name encoding", site)
        return lcpl
    }

    /// Group creation properties: no timestamps, so identical input gives identical files.
    private static func groupCreationList(_ site: HDF5Site) throws -> HDF5ScopedID {
        let gcpl = try HDF5ScopedID(H5Pcreate(CHDF5_H5P_GROUP_CREATE()), "create group creation property list", site)
        try HDF5Call.check(H5Pset_obj_track_times(gcpl.raw, false), "turn off group timestamps", site)
        return gcpl
    }

    /// Dataset creation properties: no timestamps; contiguous, or chunked with optional deflate.
    private static func datasetCreationList(
        shape: [Int], dtype: DType, chunkShape: [Int]?, deflateLevel: Int?, _ site: HDF5Site
    ) throws -> HDF5ScopedID {
        let operation = "create dataset"
        if let deflateLevel {
            guard (0...9).contains(deflateLevel) else {
                throw HDF5Call.invalid(operation, site, "deflate level \(deflateLevel) is not in 0...9")
            }
            guard chunkShape != nil else {
                throw HDF5Call.invalid(operation, site, "deflate compression needs a chunk shape")
            }
        }
        let dcpl = try HDF5ScopedID(H5Pcreate(CHDF5_H5P_DATASET_CREATE()), "create dataset creation property list", site)
        try HDF5Call.check(H5Pset_obj_track_times(dcpl.raw, false), "turn off dataset timestamps", site)
        guard let chunkShape else { return dcpl }
        guard !shape.isEmpty else { throw HDF5Call.invalid(operation, site, "a scalar dataset cannot be chunked") }
        guard chunkShape.count == shape.count else {
            throw HDF5Call.invalid(operation, site, "chunk shape \(chunkShape) does not have the rank of shape \(shape)")
        }
        for (chunk, size) in zip(chunkShape, shape) where chunk < 1 || chunk > size {
            throw HDF5Call.invalid(
                operation, site, "chunk shape \(chunkShape) must be between 1 and shape \(shape) in every dimension")
        }
        // libhdf5 limits a chunk to 4 GiB.
        let chunkBytes = try HDF5Dataspace.elementCount(chunkShape, elementSize: dtype.byteSize, site) * dtype.byteSize
        guard chunkBytes < 1 << 32 else {
            throw HDF5Call.invalid(operation, site, "chunk shape \(chunkShape) is \(chunkBytes) bytes; HDF5 allows under 4 GiB")
        }
        let dims = try HDF5Dataspace.dimensions(chunkShape, site)
        try HDF5Call.check(H5Pset_chunk(dcpl.raw, Int32(dims.count), dims), "set chunk shape \(chunkShape)", site)
        if let deflateLevel {
            try HDF5Call.check(H5Pset_deflate(dcpl.raw, UInt32(deflateLevel)), "enable deflate", site)
        }
        return dcpl
    }
}
