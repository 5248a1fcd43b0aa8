import Foundation

/// Reads a zip member to its end on a background thread and checks its size and CRC-32, while
/// its bytes are used in place by something else (libhdf5 reading a `.keras` archive's weights
/// member, ``HDF5EmbeddedDriver``). ``result()`` waits for the check and throws what it found;
/// dropping the check stops the thread.
final class ZipMemberCheck: @unchecked Sendable {
    /// Bytes read per step.
    static let chunkBytes = 8 << 20

    private let reader: ZipEntryReader
    private let condition = NSCondition()
    private var outcome: Result<Void, any Error>?
    private var stopped = false

    /// Starts checking `entry` of `zip`.
    init(_ zip: ZipReader, _ entry: ZipReader.Entry) {
        reader = zip.contents(of: entry, chunkCapacity: Self.chunkBytes)
        let thread = Thread { [self] in run() }
        thread.name = "ckpt-zip-check"
        thread.start()
    }

    /// Waits for the check; throws the member's error (an ``NPZError``: a CRC-32 mismatch, a
    /// short member, a read error).
    func result() throws {
        condition.lock()
        while outcome == nil { condition.wait() }
        let outcome = self.outcome
        condition.unlock()
        try outcome?.get()
    }

    /// Stops the check early (its result is then a success); returns at once.
    func cancel() {
        condition.withLock { stopped = true }
    }

    private func run() {
        let result = Result<Void, any Error> {
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 4096)
            defer { chunk.deallocate() }
            while reader.remaining > 0 {
                if condition.withLock({ stopped }) { return }
                let piece = UnsafeMutableRawBufferPointer(rebasing: chunk[0 ..< min(chunk.count, reader.remaining)])
                try reader.read(into: piece)
            }
            try reader.finish()
        }
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }
}
