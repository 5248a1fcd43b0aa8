import CHDF5

/// Reads the rows of a contiguous dataset from the file's bytes, without `H5Dread`.
///
/// libhdf5 1.10.8's `H5Dread` trusts a dataset's layout message: a file whose message lies makes
/// it copy past its own buffers (`H5VM_memcpyvv`, found by the fuzz campaign, docs/fuzzing.md),
/// and that happens while reading values, after the HDF5 probe read the structure cleanly. So
/// ckpt reads the values itself: it asks libhdf5 only where they are (`H5Dget_offset`) and how
/// many bytes are stored (`H5Dget_storage_size`), checks that the range is exactly the dataset's
/// size and lies inside the file, and reads it with `pread`. The bytes are converted from the
/// stored type (byte order, float layout) by `H5Tconvert` on ckpt's own buffer, a conversion
/// between two numeric types the probe checked.
///
/// A dataset never written (no storage allocated) reads as its fill value, as with libhdf5.
final class HDF5ContiguousRows {
    private let dataset: HDF5Dataset
    private let rowCount: Int
    private let rowBytes: Int
    private let elementSize: Int
    /// Where the values start in the file at the dataset's path (the embedding's offset added),
    /// or nil when no storage is allocated.
    private let start: Int?
    private let file: InputFile?
    private let conversion: HDF5RawConversion

    /// Prepares to read `dataset` (contiguous, its values in the file) as `dtype` bytes.
    init(_ dataset: HDF5Dataset, dtype: DType) throws {
        let handle = dataset.objectHandle
        let site = handle.site()
        let operation = "read rows of dataset"
        self.dataset = dataset
        rowCount = dataset.shape.first ?? 1
        elementSize = dtype.byteSize
        conversion = try HDF5RawConversion(dataset, dtype: dtype, operation: operation)
        // The dataset's size in bytes was checked not to overflow when it was opened.
        let total = dataset.elementCount * elementSize
        rowBytes = dataset.shape.isEmpty ? elementSize : (rowCount == 0 ? 0 : total / rowCount)

        HDF5Call.silenceErrorPrinting()
        var status = H5D_SPACE_STATUS_ERROR
        try HDF5Call.check(H5Dget_space_status(handle.id, &status), "read the allocation status of dataset", site)
        // Never written: no storage. (H5Dget_offset is no guide there: behind a user block it
        // returns the undefined address plus the block's size, wrapped around.)
        if status == H5D_SPACE_STATUS_NOT_ALLOCATED {
            start = nil
            file = nil
            return
        }
        let address = H5Dget_offset(handle.id)
        guard address != CHDF5_HADDR_UNDEF() else {
            throw HDF5Call.invalid(operation, site, "its storage is allocated but has no address; the file is corrupt")
        }
        let storage = Int(clamping: H5Dget_storage_size(handle.id))
        guard storage == total else {
            throw HDF5Call.invalid(operation, site,
                                   "its layout stores \(storage) bytes for \(total) bytes of values; the file is corrupt")
        }
        let input: InputFile
        do {
            input = try InputFile(path: handle.file.path)
        } catch {
            throw HDF5Call.invalid(operation, site, error.reason)
        }
        let base = handle.file.embedding?.offset ?? 0
        let limit = handle.file.embedding?.size ?? (input.size - base)
        let (end, overflow) = Int(clamping: address).addingReportingOverflow(total)
        guard address < UInt64(Int.max), !overflow, end <= limit else {
            input.close()
            throw HDF5Call.invalid(operation, site,
                                   "its layout puts its \(total) bytes at offset \(address), past the end of the \(limit)-byte file")
        }
        start = base + Int(address)
        file = input
    }

    deinit {
        file?.close()
    }

    /// Reads rows `firstRow ..< firstRow + buffer.count / rowBytes` into `buffer` (a scalar:
    /// row 0 is the whole value).
    func read(into buffer: UnsafeMutableRawBufferPointer, firstRow: Int) throws {
        let site = dataset.objectHandle.site()
        let rows = rowBytes == 0 ? 0 : buffer.count / rowBytes
        guard rowBytes > 0, buffer.count % rowBytes == 0, firstRow >= 0, rows <= rowCount - firstRow else {
            throw HDF5Call.invalid("read rows of dataset", site,
                                   "\(buffer.count) bytes from row \(firstRow) are not whole rows inside 0..<\(rowCount)")
        }
        guard !buffer.isEmpty else { return }
        guard let start, let file else {
            conversion.fillValue(into: buffer)
            return
        }
        do {
            try file.read(into: buffer, at: start + firstRow * rowBytes)
        } catch {
            throw HDF5Call.invalid("read rows of dataset", site, error.reason)
        }
        try conversion.convert(buffer, what: "rows")
    }
}
