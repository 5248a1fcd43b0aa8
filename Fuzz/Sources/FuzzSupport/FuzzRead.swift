import CkptKit

/// Reads every tensor of an opened checkpoint so the data paths are fuzzed too, and checks what
/// the `CheckpointReader` protocol promises: a shape whose byte count fits in an `Int`, exactly
/// that many bytes delivered, in pieces of whole rows no larger than asked when a row fits.
public enum FuzzRead {
    /// Small enough that most fuzz inputs are read in several pieces.
    public static let pieceBytes = 1 << 12
    /// Tensors larger than this are read in pieces of `largePieceBytes`…
    static let largeTensorBytes = 1 << 20
    static let largePieceBytes = 1 << 20
    /// …and only their first `readLimitBytes`: a small file may legitimately declare gigabytes
    /// of fill values (HDF5 allows it below Keras' 4 GiB shape-bomb floor), and reading them all
    /// would only measure memset. Stopping from the callback also fuzzes the readers' early exit.
    static let readLimitBytes = 64 << 20

    private struct StopReading: Error {}

    /// Reads every tensor of `reader`; rethrows the reader's errors (the expected outcome for
    /// most inputs) and aborts on a broken promise.
    public static func readAll(_ reader: CheckpointReader) throws {
        // The metadata is what `ckpt inspect` prints; touch it as the CLI would.
        _ = reader.modelConfig?.utf8.count
        _ = reader.recipe?.utf8.count
        for pair in reader.metadata { _ = pair.key.utf8.count + pair.value.utf8.count }
        for tensor in reader.tensors {
            try read(tensor, from: reader)
        }
    }

    private static func read(_ tensor: StoredTensor, from reader: CheckpointReader) throws {
        let info = tensor.info
        guard info.shape.allSatisfy({ $0 >= 0 }) else {
            FuzzFailure.stop("\(reader.path): tensor '\(tensor.name)' has a negative dimension in \(info.shape)")
        }
        guard let expected = checkedByteCount(info) else {
            FuzzFailure.stop("\(reader.path): tensor '\(tensor.name)' has shape \(info.shape) (\(info.dtype)) whose byte count overflows Int; the reader accepted it")
        }
        // A row too large for an Int (possible when another dimension is 0) sets no limit.
        let rowBytes = info.shape.isEmpty ? expected : checkedProduct(info.shape.dropFirst(), info.dtype.byteSize) ?? Int.max
        let requested = expected > largeTensorBytes ? largePieceBytes : pieceBytes
        let limit = max(requested, rowBytes)
        var delivered = 0
        var checksum: UInt8 = 0
        do {
            try reader.read(tensor, maximumPieceBytes: requested) { piece in
                if piece.count > limit {
                    FuzzFailure.stop("\(reader.path): tensor '\(tensor.name)': a piece of \(piece.count) bytes, more than \(limit)")
                }
                // Touch every byte so the sanitizer sees any read past the buffer.
                for byte in piece { checksum &+= byte }
                delivered += piece.count
                if delivered > expected {
                    FuzzFailure.stop("\(reader.path): tensor '\(tensor.name)': \(delivered) bytes delivered, but shape \(info.shape) (\(info.dtype)) holds \(expected)")
                }
                if delivered >= readLimitBytes && delivered < expected { throw StopReading() }
            }
        } catch is StopReading {
            return
        }
        if delivered != expected {
            FuzzFailure.stop("\(reader.path): tensor '\(tensor.name)': read returned after \(delivered) of \(expected) bytes without an error")
        }
        blackHole(checksum)
    }

    /// The tensor's byte count, or nil when it overflows.
    public static func checkedByteCount(_ info: TensorInfo) -> Int? {
        checkedProduct(info.shape[...], info.dtype.byteSize)
    }

    /// `start` times every dimension (0 when one is 0), or nil when that overflows.
    static func checkedProduct(_ shape: ArraySlice<Int>, _ start: Int) -> Int? {
        if shape.contains(0) { return 0 }
        var count = start
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}

@inline(never)
func blackHole(_ value: UInt8) {
    withExtendedLifetime(value) {}
}
