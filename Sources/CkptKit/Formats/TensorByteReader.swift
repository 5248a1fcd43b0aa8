/// One stored tensor's values being read front to back, into buffers the caller owns
/// (``CheckpointReader/open(_:)``).
///
/// The caller chooses the piece sizes: whole rows (first-axis slices) of the tensor, or the
/// whole tensor for a scalar (``TensorPieces``). Bytes come out as native little-endian C-order
/// values of the tensor's dtype, whatever the file stores.
public protocol TensorByteReader: AnyObject {
    /// Fills `buffer` with the next `buffer.count` bytes of the tensor (whole rows).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws
    /// Checks what only the end can show (an npz member's CRC-32); call after the last byte.
    func finish() throws
}

/// How a tensor's bytes are cut into pieces of whole rows of at most a given size (one row
/// when a row is larger), front to back: the byte range of each piece.
struct TensorPieces: Sequence {
    /// Bytes of the tensor.
    let totalBytes: Int
    /// Bytes of one row (first-axis slice); the whole tensor for a scalar.
    let rowBytes: Int
    /// Bytes of every piece but possibly the last: whole rows, at most the maximum when a row fits.
    let pieceBytes: Int

    init(_ info: TensorInfo, maximumPieceBytes: Int) {
        totalBytes = info.byteCount
        rowBytes = Self.rowBytes(info)
        pieceBytes = rowBytes == 0 ? 0 : Swift.min(totalBytes, Swift.max(1, maximumPieceBytes / rowBytes) * rowBytes)
    }

    /// Bytes of one row of `info`: the product of the inner dimensions times the element size,
    /// or the whole tensor for a scalar; 0 for an empty tensor, whose inner dimensions may
    /// multiply past `Int.max` (`[0, 2⁶², 2⁶²]` holds no bytes, and readers accept it).
    static func rowBytes(_ info: TensorInfo) -> Int {
        guard info.byteCount > 0 else { return 0 }
        return info.shape.isEmpty ? info.byteCount : info.shape.dropFirst().reduce(info.dtype.byteSize, *)
    }

    func makeIterator() -> AnyIterator<Range<Int>> {
        var position = 0
        let (total, piece) = (totalBytes, pieceBytes)
        return AnyIterator {
            guard position < total, piece > 0 else { return nil }
            let range = position ..< Swift.min(total, position + piece)
            position = range.upperBound
            return range
        }
    }
}
