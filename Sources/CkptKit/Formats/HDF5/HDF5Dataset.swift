import CHDF5

/// An open HDF5 dataset holding one tensor: its shape, element type, storage and values.
///
/// Values move as little-endian, C-order bytes in the dataset's `dtype`, either whole or as a
/// run of complete rows along the first axis (for streaming a large tensor). libhdf5 converts
/// from whatever byte order or float layout is stored.
public final class HDF5Dataset: HDF5Object {
    /// The open dataset identifier.
    public let objectHandle: HDF5ObjectHandle

    /// Dimensions, outermost first; `[]` for a scalar dataset.
    public let shape: [Int]

    /// Number of elements (1 for a scalar, 0 if any dimension is 0).
    public let elementCount: Int

    /// Whether the dataset is stored in chunks (otherwise contiguous or compact).
    public let isChunked: Bool

    /// Whether the values are stored in the dataset's object header (compact layout, at most 64 KiB).
    public let isCompact: Bool

    /// The chunk dimensions, when chunked.
    public let chunkShape: [Int]?

    /// libhdf5's names of the filters in the dataset's pipeline, in order (`["deflate"]`).
    public let filterNames: [String]

    /// Whether any filter in the pipeline compresses (anything but shuffle and Fletcher-32).
    public let isCompressed: Bool

    /// The element type, or the error explaining why the stored type has none.
    private let resolvedDType: Result<DType, HDF5Error>

    /// Reads the dataset's description. `knownDType` skips type detection for a dataset just
    /// created (a bfloat16 dataset gets its marking attribute only afterwards).
    init(handle: HDF5ObjectHandle, knownDType: DType?) throws {
        self.objectHandle = handle
        let site = handle.site()
        let space = try HDF5ScopedID(H5Dget_space(handle.id), "read dataspace of dataset", site)
        let shape = try HDF5Dataspace.shape(of: space.raw, site)
        self.shape = shape

        let type = try HDF5ScopedID(H5Dget_type(handle.id), "read datatype of dataset", site)
        if let knownDType {
            resolvedDType = .success(knownDType)
        } else {
            do {
                resolvedDType = .success(try HDF5ElementType.dtype(
                    ofStoredType: type.raw, bfloat16Marked: { Self.hasBFloat16Marker(handle) }, site))
            } catch let error as HDF5Error {
                resolvedDType = .failure(error)
            }
        }
        let elementSize = try HDF5Call.nonzeroSize(H5Tget_size(type.raw), "read datatype size of dataset", site)
        self.elementCount = try HDF5Dataspace.elementCount(shape, elementSize: elementSize, site)

        let dcpl = try HDF5ScopedID(H5Dget_create_plist(handle.id), "read creation properties of dataset", site)
        let layout = H5Pget_layout(dcpl.raw)
        let isChunked = layout == H5D_CHUNKED
        self.isChunked = isChunked
        isCompact = layout == H5D_COMPACT
        if isChunked {
            var dims = [hsize_t](repeating: 0, count: shape.count)
            _ = try HDF5Call.count(
                H5Pget_chunk(dcpl.raw, Int32(dims.count), &dims), "read chunk shape of dataset", site)
            chunkShape = dims.map { Int(clamping: $0) }
        } else {
            chunkShape = nil
        }
        let filters = try HDF5ChunkPipeline.read(dcpl.raw, elementSize: elementSize, site)
        filterNames = filters.names
        pipeline = filters.pipeline
        unsupportedFilters = filters.unsupported
        isCompressed = !filters.unsupported.isEmpty || filters.pipeline.filters.contains(.deflate)
    }

    /// The filters ckpt decodes itself (``HDF5ChunkPipeline``); empty for unfiltered data.
    let pipeline: HDF5ChunkPipeline
    /// Filters of the pipeline ckpt does not decode, named with their id; the values of such a
    /// dataset are not read.
    let unsupportedFilters: [String]

    /// The element type.
    ///
    /// Throws an `HDF5Error` naming the dataset when the stored type has no `DType` (strings,
    /// compound types, a 2-byte opaque type without the `dtype = "bfloat16"` attribute).
    public var dtype: DType {
        get throws { try resolvedDType.get() }
    }

    /// Bytes the dataset occupies in the file (compressed size for a compressed dataset; 0
    /// before anything is written).
    public var storageSize: Int {
        guard objectHandle.file.isOpen else { return 0 }
        return Int(clamping: H5Dget_storage_size(objectHandle.id))
    }

    // MARK: - Writing

    /// Writes the whole dataset from little-endian C-order bytes in the dataset's `dtype`.
    ///
    /// The buffer goes straight to libhdf5, without a copy. Its size must be exactly
    /// `elementCount * dtype.byteSize`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try transfer("write dataset", byteCount: bytes.count, rows: nil) { memoryType, memorySpace, fileSpace in
            H5Dwrite(objectHandle.id, memoryType, memorySpace, fileSpace, CHDF5_H5P_DEFAULT(), bytes.baseAddress)
        }
    }

    /// Writes `firstAxisCount` complete rows starting at row `firstAxisOffset` of the first axis.
    ///
    /// For streaming a large tensor in pieces. `bytes` holds exactly those rows, little-endian
    /// and C-order. A scalar dataset accepts only offset 0 and count 1.
    public func write(_ bytes: UnsafeRawBufferPointer, firstAxisOffset: Int, firstAxisCount: Int) throws {
        try transfer("write rows of dataset", byteCount: bytes.count, rows: (firstAxisOffset, firstAxisCount)) {
            memoryType, memorySpace, fileSpace in
            H5Dwrite(objectHandle.id, memoryType, memorySpace, fileSpace, CHDF5_H5P_DEFAULT(), bytes.baseAddress)
        }
    }

    /// The file offset of the dataset's values when they are stored contiguously and their
    /// space is allocated (`H5Dget_offset`; a contiguous dataset gets its space when first
    /// written), else nil.
    public var contiguousOffset: Int? {
        guard objectHandle.file.isOpen, !isChunked else { return nil }
        HDF5Call.silenceErrorPrinting()
        let address = H5Dget_offset(objectHandle.id)
        guard address != CHDF5_HADDR_UNDEF() else { return nil }
        return Int(exactly: address)
    }

    /// Writes what libhdf5 holds of the dataset (values in its sieve buffer, metadata) to the
    /// file (`H5Dflush`; not an `fsync`).
    public func flush() throws {
        try objectHandle.ensureOpen("flush dataset")
        try HDF5Call.check(H5Dflush(objectHandle.id), "flush dataset", objectHandle.site())
    }

    // MARK: - Reading

    /// Reads the whole dataset into `buffer` as little-endian C-order bytes of `dtype`.
    ///
    /// The buffer's size must be exactly `elementCount * dtype.byteSize`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        try transfer("read dataset", byteCount: buffer.count, rows: nil) { memoryType, memorySpace, fileSpace in
            H5Dread(objectHandle.id, memoryType, memorySpace, fileSpace, CHDF5_H5P_DEFAULT(), buffer.baseAddress)
        }
    }

    /// Reads `firstAxisCount` complete rows starting at row `firstAxisOffset` into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, firstAxisOffset: Int, firstAxisCount: Int) throws {
        try transfer("read rows of dataset", byteCount: buffer.count, rows: (firstAxisOffset, firstAxisCount)) {
            memoryType, memorySpace, fileSpace in
            H5Dread(objectHandle.id, memoryType, memorySpace, fileSpace, CHDF5_H5P_DEFAULT(), buffer.baseAddress)
        }
    }

    /// Reads the whole dataset as little-endian C-order bytes of `dtype`.
    public func readBytes() throws -> [UInt8] {
        let byteCount = try elementCount * dtype.byteSize
        return try [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initializedCount in
            try read(into: UnsafeMutableRawBufferPointer(buffer))
            initializedCount = byteCount
        }
    }

    // MARK: - Transfers

    /// Checks sizes and selections, then runs one H5Dread/H5Dwrite call.
    ///
    /// - Parameters:
    ///   - rows: nil for the whole dataset, else (offset, count) along the first axis.
    ///   - call: The libhdf5 call, given the memory type, memory dataspace and file dataspace.
    private func transfer(
        _ operation: String, byteCount: Int, rows: (offset: Int, count: Int)?,
        _ call: (hid_t, hid_t, hid_t) -> herr_t
    ) throws {
        try objectHandle.ensureOpen(operation)
        let site = objectHandle.site()
        let dtype = try self.dtype
        var selectedShape = shape
        if let rows {
            let rowCount = shape.first ?? 1
            guard rows.offset >= 0, rows.count >= 0, rows.offset <= rowCount, rows.count <= rowCount - rows.offset else {
                throw HDF5Call.invalid(
                    operation, site, "rows \(rows.offset)..<\(rows.offset + rows.count) are outside 0..<\(rowCount)")
            }
            if shape.isEmpty, rows.count == 0 { selectedShape = [0] }  // nothing of a scalar
            if !shape.isEmpty { selectedShape[0] = rows.count }
        }
        let expectedBytes = try HDF5Dataspace.elementCount(selectedShape, elementSize: dtype.byteSize, site) * dtype.byteSize
        guard byteCount == expectedBytes else {
            throw HDF5Call.invalid(
                operation, site,
                "expected \(expectedBytes) bytes for \(selectedShape.isEmpty ? "scalar" : "shape \(selectedShape)") \(dtype), got \(byteCount)")
        }
        // Nothing to move; libhdf5 would also reject the null pointer of an empty buffer.
        guard expectedBytes > 0 else { return }

        let storedType = try HDF5ScopedID(H5Dget_type(objectHandle.id), "read datatype of dataset", site)
        let memoryType = try HDF5ElementType.memoryType(for: dtype, storedType: storedType.raw, site)
        guard let rows, !shape.isEmpty, selectedShape != shape else {
            try HDF5Call.check(call(memoryType.raw, CHDF5_H5S_ALL(), CHDF5_H5S_ALL()), operation, site)
            return
        }
        let fileSpace = try HDF5ScopedID(H5Dget_space(objectHandle.id), "read dataspace of dataset", site)
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(rows.offset)
        let count = try HDF5Dataspace.dimensions(selectedShape, site)
        try HDF5Call.check(
            H5Sselect_hyperslab(fileSpace.raw, H5S_SELECT_SET, start, nil, count, nil), "select rows of dataset", site)
        let memorySpace = try HDF5Dataspace.create(shape: selectedShape, site)
        try HDF5Call.check(call(memoryType.raw, memorySpace.raw, fileSpace.raw), operation, site)
    }

    // MARK: - Properties

    /// Whether the dataset has the string attribute `dtype = "bfloat16"` (Keras 3 checks
    /// `attrs["dtype"] == "bfloat16"`; an unreadable or non-string `dtype` attribute is no marker).
    private static func hasBFloat16Marker(_ handle: HDF5ObjectHandle) -> Bool {
        (try? handle.stringAttribute(HDF5ElementType.bfloat16AttributeName)) == HDF5ElementType.bfloat16AttributeValue
    }
}
