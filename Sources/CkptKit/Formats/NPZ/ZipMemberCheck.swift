import Foundation

/// Reads a zip member to its end on a background thread and checks its size and CRC-32, while
/// its bytes are used in place by something else (libhdf5 reading a `.keras` archive's weights
/// member, ``HDF5EmbeddedDriver``). ``result()`` waits for the check and throws what it found;
/// dropping the check stops the thread.
/// `@unchecked`: the entry reader is used by the checking thread only; the outcome and the stop
/// request are in one ``ConditionValue``.
final class ZipMemberCheck: @unchecked Sendable {
    /// Bytes read per step.
    static let chunkBytes = 8 << 20

    private let reader: ZipEntryReader
    /// The archive's path, for messages.
    private let path: String
    /// The check's outcome once it is known, and whether it was asked to stop.
    private struct State {
        var outcome: Result<Void, any Error>?
        var stopped = false
    }
    private let state = ConditionValue(State())

    /// Starts checking `entry` of `zip`.
    init(_ zip: ZipReader, _ entry: ZipReader.Entry) {
        reader = zip.contents(of: entry, chunkCapacity: Self.chunkBytes)
        path = zip.path
        let thread = Thread { [self] in run() }
        thread.name = "ckpt-zip-check"
        thread.start()
    }

    /// Waits for the check; throws the member's error (an ``NPZError``: a CRC-32 mismatch, a
    /// short member, a read error).
    func result() throws(NPZError) {
        let outcome = state.wait(until: { $0.outcome != nil }) { $0.outcome }
        do {
            try outcome?.get()
        } catch let error as NPZError {
            throw error
        } catch {
            throw NPZError(.io, path: path, member: reader.entry.name, reason: "\(error)")
        }
    }

    /// Stops the check early (its result is then a success); returns at once.
    func cancel() {
        state.withLock { $0.stopped = true }
    }

    private func run() {
        let result = Result<Void, any Error> {
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 4096)
            defer { chunk.deallocate() }
            while reader.remaining > 0 {
                if state.withLock({ $0.stopped }) { return }
                let piece = UnsafeMutableRawBufferPointer(rebasing: chunk[0 ..< min(chunk.count, reader.remaining)])
                try reader.read(into: piece)
            }
            try reader.finish()
        }
        state.update { $0.outcome = result }
    }
}
