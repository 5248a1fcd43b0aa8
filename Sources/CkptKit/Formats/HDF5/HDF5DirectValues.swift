/// Writes the values of an HDF5 file's large contiguous datasets around libhdf5, with `O_DIRECT`.
///
/// libhdf5 writes through the page cache, and copying 5 GB into it was 60 % of a conversion's
/// CPU time to `.weights.h5` (docs/benchmarks.md). So once libhdf5 has written a dataset's
/// first rows, which allocates the dataset's whole contiguous storage, ``start(_:after:)`` asks
/// where the values are (`H5Dget_offset`), has libhdf5 write out what it buffers for the dataset
/// (`H5Dflush`, its sieve buffer), and the rest of the values go to that offset through a second
/// descriptor on the same file: an ``OutputFile`` writing with direct I/O, which writes the
/// partial blocks at a dataset's ends through the page cache, where libhdf5's own writes of the
/// neighbouring bytes go too.
///
/// The bytes are the ones libhdf5 would have written: the datasets ckpt creates store values in
/// their memory type (no conversion, no filters, contiguous, no fill values written). Used when
/// direct I/O is chosen (``DirectIO``; otherwise libhdf5 writes every value, as before), and for
/// an HDF5 file built inside a `.keras` archive, whose CRC-32 is assembled from the ranges
/// written here (``ranges``) and the rest read back.
final class HDF5DirectValues {
    /// Datasets smaller than this are left to libhdf5.
    static let minimumBytes = 1 << 20

    /// A range of the HDF5 file written here, and its CRC-32.
    struct Range {
        /// The offset in the HDF5 file (not the outer file).
        var start: Int
        var count = 0
        var crc = CRC32()
    }

    private let file: OutputFile
    /// The offset of the HDF5 file in the file written (``HDF5Embedding``).
    private let base: Int
    private let checksums: Bool
    /// The dataset being written, for error messages.
    private var dataset: (path: String, file: String)?
    /// Every range written, in order (with `checksums`).
    private(set) var ranges: [Range] = []

    private init(file: OutputFile, base: Int, checksums: Bool) {
        self.file = file
        self.base = base
        self.checksums = checksums
    }

    /// Opens a second descriptor on the HDF5 file at `path` (at `base` in it) when `directIO`
    /// chooses direct writes for a file of `expectedSize` bytes there, or `always`; nil when
    /// neither. With `checksums`, keeps the CRC-32 of every range written.
    static func open(path: String, base: Int = 0, expectedSize: Int, directIO: DirectIO, always: Bool = false,
                     checksums: Bool = false) throws -> HDF5DirectValues? {
        let file: OutputFile
        do {
            file = try OutputFile(path: path, mode: .existing, directIO: directIO, expectedSize: expectedSize)
        } catch {
            throw HDF5Error(operation: "open for direct writes of values", filePath: path, reason: "\(error)")
        }
        guard file.isDirect || always else {
            try? file.close()
            return nil
        }
        return HDF5DirectValues(file: file, base: base, checksums: checksums)
    }

    /// Starts writing `dataset`'s values after the first `written` bytes, which libhdf5 has
    /// written; false when the dataset's values are not one contiguous, allocated range.
    func start(_ dataset: HDF5Dataset, after written: Int) throws -> Bool {
        guard let offset = dataset.contiguousOffset else { return false }
        try dataset.flush()
        self.dataset = (dataset.path, dataset.filePath)
        try io("seek to the values of dataset") { () throws(FileIOError) in try file.seek(to: base + offset + written) }
        if checksums { ranges.append(Range(start: offset + written)) }
        return true
    }

    /// Appends the next bytes of the dataset's values.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if checksums, !ranges.isEmpty {
            ranges[ranges.count - 1].crc.update(bytes)
            ranges[ranges.count - 1].count += bytes.count
        }
        try io("write rows of dataset") { () throws(FileIOError) in try file.write(bytes) }
    }

    /// Writes everything out (before libhdf5 closes the file, before the file is synced).
    func close() throws {
        try io("write values of dataset") { () throws(FileIOError) in try file.close() }
    }

    /// Stops writing (the file is being removed).
    func abandon() {
        try? file.close()
    }

    /// Runs a write, reporting its error as libhdf5's would be: an `HDF5Error` naming the dataset.
    private func io(_ operation: String, _ body: () throws(FileIOError) -> Void) throws(HDF5Error) {
        do {
            try body()
        } catch {
            throw HDF5Error(operation: operation, objectPath: dataset?.path, filePath: dataset?.file ?? file.path,
                            reason: "\(error.operation) failed: \(error.reason)")
        }
    }
}
