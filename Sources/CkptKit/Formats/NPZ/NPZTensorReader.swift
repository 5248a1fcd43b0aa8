/// One `.npz` member's values read front to back as little-endian C-order bytes
/// (``NPZReader/openTensor(named:)``).
///
/// A C-order member is read straight from its zip entry into the caller's buffer (and
/// byte-swapped there when big-endian), so memory stays at the caller's buffers. A
/// Fortran-order member with more than one axis is read and transposed whole when opened: its
/// C-order rows are not contiguous in the file. `finish` checks the entry's CRC-32 (for a
/// Fortran-order member it was checked when opened).
final class NPZTensorReader: TensorByteReader {
    /// Bytes of the tensor's values.
    let byteCount: Int
    private let path: String
    private let name: String
    private let elementSize: Int
    private let isBigEndian: Bool
    /// The entry, positioned after the `.npy` header; nil for a member transposed whole.
    private let entry: ZipEntryReader?
    /// A Fortran-order member's values in C order.
    private var transposed: UnsafeMutableRawBufferPointer?
    private var position = 0

    /// Reads from `entry`, positioned at the member's data.
    init(entry: ZipEntryReader, info: TensorInfo, isBigEndian: Bool, path: String) {
        self.entry = entry
        self.byteCount = info.byteCount
        self.elementSize = info.dtype.byteSize
        self.isBigEndian = isBigEndian
        self.path = path
        self.name = info.name
    }

    /// Serves values already in C order (a transposed Fortran-order member); takes ownership of `values`.
    init(values: UnsafeMutableRawBufferPointer, info: TensorInfo, path: String) {
        self.entry = nil
        self.transposed = values
        self.byteCount = values.count
        self.elementSize = info.dtype.byteSize
        self.isBigEndian = false
        self.path = path
        self.name = info.name
    }

    deinit {
        transposed?.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard buffer.count <= byteCount - position, buffer.count % elementSize == 0 else {
            throw NPZError(.usage, path: path, member: name,
                           reason: "asked for \(buffer.count) bytes at \(position) of the tensor's \(byteCount) (\(elementSize)-byte elements)")
        }
        if let transposed {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: transposed[position ..< position + buffer.count]))
        } else if let entry {
            try entry.read(into: buffer)
            if isBigEndian { NPYLayout.byteSwap(buffer, elementSize: elementSize) }
        }
        position += buffer.count
    }

    func finish() throws {
        try entry?.finish()
    }
}
