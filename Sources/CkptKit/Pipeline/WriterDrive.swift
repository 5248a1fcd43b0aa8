/// The one loop that feeds a writer, shared by `init` (``ParallelGeneration``) and `convert`
/// (``RingReader``): each producer hands it tensors and pieces in order; it checks for
/// cancellation between pieces, counts progress, finishes the writer, and on any error (a
/// failed write, a cancellation, the producer's own) aborts the writer, which removes its
/// temporary files, and rethrows.
struct WriterDrive {
    let writer: CheckpointWriter
    let isCancelled: (@Sendable () -> Bool)?
    let onBytes: (@Sendable (Int) -> Void)?

    /// Starts the next tensor.
    func begin(_ tensor: LayoutTensor) throws {
        try Checkpoints.checkCancellation(isCancelled)
        try writer.beginTensor(tensor)
    }

    /// Appends a piece of whole rows.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try Checkpoints.checkCancellation(isCancelled)
        try writer.append(bytes)
        onBytes?(bytes.count)
    }

    /// Ends the current tensor.
    func end() throws {
        try writer.endTensor()
    }

    /// Runs `produce` (which calls `begin`, `append` and `end`), then `beforeFinish` (checks that
    /// need everything read), then finishes the writer; aborts it on any error.
    func run(_ produce: () throws -> Void, beforeFinish: () throws -> Void = {}) throws {
        do {
            try Checkpoints.checkCancellation(isCancelled)
            try produce()
            try beforeFinish()
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
    }
}
