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
/// their memory type (no conversion, no filters, contiguous, no fill values written). Used only
/// when direct I/O is chosen (``DirectIO``); otherwise libhdf5 writes every value, as before.
final class HDF5DirectValues {
    /// Datasets smaller than this are left to libhdf5.
    static let minimumBytes = 1 << 20

    private let file: OutputFile
    /// The dataset being written, for error messages.
    private var dataset: (path: String, file: String)?

    private init(file: OutputFile) {
        self.file = file
    }

    /// Opens a second descriptor on the HDF5 file at `path` when `directIO` chooses direct
    /// writes for a file of `expectedSize` bytes there; nil when it does not.
    static func open(path: String, expectedSize: Int, directIO: DirectIO) throws -> HDF5DirectValues? {
        let file: OutputFile
        do {
            file = try OutputFile(path: path, mode: .existing, directIO: directIO, expectedSize: expectedSize)
        } catch {
            throw HDF5Error(operation: "open for direct writes of values", filePath: path, reason: "\(error)")
        }
        guard file.isDirect else {
            try? file.close()
            return nil
        }
        return HDF5DirectValues(file: file)
    }

    /// Starts writing `dataset`'s values after the first `written` bytes, which libhdf5 has
    /// written; false when the dataset's values are not one contiguous, allocated range.
    func start(_ dataset: HDF5Dataset, after written: Int) throws -> Bool {
        guard let offset = dataset.contiguousOffset else { return false }
        try dataset.flush()
        self.dataset = (dataset.path, dataset.filePath)
        try io("seek to the values of dataset") { () throws(FileIOError) in try file.seek(to: offset + written) }
        return true
    }

    /// Appends the next bytes of the dataset's values.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
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
    private func io(_ operation: String, _ body: () throws(FileIOError) -> Void) throws {
        do {
            try body()
        } catch {
            throw HDF5Error(operation: operation, objectPath: dataset?.path, filePath: dataset?.file ?? file.path,
                            reason: "\(error.operation) failed: \(error.reason)")
        }
    }
}
