/// Sets a tensor's `zeroRows` to zero on its way to the writer (an embedding's padding row, as
/// transformers' `_init_weights` does), piece by piece: the values are generated as usual and
/// only the bytes of those rows are replaced, so memory stays one piece and every other value is
/// the same as without the zeroing. Zero bytes are 0.0 in every float dtype.
struct RowZeroing {
    private var rowBytes = 0
    private var rows: [Int] = []
    private var offset = 0
    private var scratch: [UInt8] = []

    /// Starts `entry`'s bytes.
    mutating func begin(_ entry: PlanEntry) {
        rows = entry.zeroRows
        offset = 0
        rowBytes = entry.info.shape.isEmpty ? entry.dtype.byteSize : entry.info.shape.dropFirst().reduce(entry.dtype.byteSize, *)
    }

    /// Hands `bytes` (the tensor's next whole rows) to `body`, with the zeroed rows' bytes zero.
    mutating func pass(_ bytes: UnsafeRawBufferPointer, to body: (UnsafeRawBufferPointer) throws -> Void) throws {
        defer { offset += bytes.count }
        let start = offset, end = offset + bytes.count
        let hits = rows.filter { row in row * rowBytes < end && (row + 1) * rowBytes > start }
        guard !hits.isEmpty, rowBytes > 0 else { return try body(bytes) }
        scratch = Array(bytes)
        for row in hits {
            let from = max(row * rowBytes, start) - start, to = min((row + 1) * rowBytes, end) - start
            for i in from..<to { scratch[i] = 0 }
        }
        try scratch.withUnsafeBytes { try body($0) }
    }
}
