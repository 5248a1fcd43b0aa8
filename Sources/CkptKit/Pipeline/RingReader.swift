import Foundation

/// Reads a list of tensors on a background thread into a bounded ring of reusable buffers and
/// hands the pieces to the caller in order, on the calling thread: reading the source overlaps
/// writing the target, and memory is `slots` pieces whatever the checkpoint's size.
///
/// Each tensor is read in pieces of whole rows of at most `pieceBytes`, counting both the
/// source bytes and the converted bytes (one row when a row is larger; that piece's slot grows
/// to hold it and stays that size). A piece is converted to its job's dtype on the reading
/// thread. The reading thread is at most `slots` pieces ahead of the caller; it stops when the
/// caller stops (an error, cancellation) and is joined before `run` returns or throws.
///
/// The buffers are allocated once per ring and reused for every tensor: allocating one per
/// tensor left glibc's heap fragmented between libhdf5's allocations, and a 5 GB conversion
/// peaked at 600 MB resident (docs/benchmarks.md).
/// `@unchecked`: its slot buffers and the reader are each used by one thread at a time (as
/// above); what the threads share is in one ``ConditionValue``.
final class RingReader: @unchecked Sendable {
    /// A tensor to read, and the dtype to hand it over in (its own, or a float type to convert to).
    struct Job: Sendable {
        var tensor: StoredTensor
        var dtype: DType
    }

    /// The default piece size: 8 MiB, the direct-I/O writers' chunk.
    static let defaultPieceBytes = 8 << 20
    /// The default number of buffers: one being written, one being read, two ready.
    static let defaultSlots = 4

    /// What the reading thread hands over, in order.
    private enum Item {
        /// Bytes of the job's tensor (whole rows) in buffer `slot`.
        case piece(job: Int, slot: Int, bytes: UnsafeRawBufferPointer)
        /// The job's tensor was read to its end and checked.
        case end(job: Int)
        /// Reading the job's tensor failed; nothing follows.
        case failure(job: Int, any Error)
    }

    /// One buffer of the ring: the bytes read, and the converted bytes when the dtype changes.
    private struct Slot {
        var read = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        var converted = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    private let reader: CheckpointReader
    private let jobs: [Job]
    private let pieceBytes: Int
    private let slotCount: Int
    /// Allocated on first use, reused; each slot is touched by one thread at a time (the reading
    /// thread while it fills it, the caller while it holds its piece).
    private let slots: UnsafeMutablePointer<Slot>

    /// What the caller and the reading thread share.
    private struct Shared {
        var items: [Item] = []
        var itemsTaken = 0
        var freeSlots: [Int]
        var stopped = false
        var readingDone = false
    }
    private let shared: ConditionValue<Shared>

    /// Prepares to read `jobs` from `reader`. While `run` runs, the reader is used only by the
    /// reading thread.
    init(reader: CheckpointReader, jobs: [Job], pieceBytes: Int = RingReader.defaultPieceBytes,
         slots: Int = RingReader.defaultSlots) {
        self.reader = reader
        self.jobs = jobs
        self.pieceBytes = max(1, pieceBytes)
        self.slotCount = max(1, slots)
        self.slots = .allocate(capacity: slotCount)
        self.slots.initialize(repeating: Slot(), count: slotCount)
        shared = ConditionValue(Shared(freeSlots: Array((0..<slotCount).reversed())))
    }

    deinit {
        for index in 0..<slotCount {
            slots[index].read.deallocate()
            slots[index].converted.deallocate()
        }
        slots.deinitialize(count: slotCount)
        slots.deallocate()
    }

    /// Reads every job: for each, in order, `begin(index)`, `append` with each piece, and
    /// `end(index)` once the tensor has been read to its end and checked. A reading error is
    /// thrown after `begin` of the job it happened in (as when reading inline), and an error
    /// from a callback stops the reading; either way the reading thread has exited when this
    /// returns or throws. Call once.
    func run(
        begin: (Int) throws -> Void,
        append: (UnsafeRawBufferPointer) throws -> Void,
        end: (Int) throws -> Void
    ) throws {
        guard !jobs.isEmpty else { return }
        let thread = Thread { [self] in readAll() }
        thread.name = "ckpt-read"
        thread.start()
        defer {
            shared.update { $0.stopped = true }
            shared.wait(until: \.readingDone) { _ in }
        }
        var begun = -1
        func enter(_ job: Int) throws {
            guard begun != job else { return }
            begun = job
            try begin(job)
        }
        while let item = next() {
            switch item {
            case .piece(let job, let slot, let bytes):
                defer { release(slot) }
                try enter(job)
                try append(bytes)
            case .end(let job):
                try enter(job)
                try end(job)
            case .failure(let job, let error):
                try enter(job)
                throw error
            }
        }
    }

    // MARK: The caller's side

    /// The next item, waiting for it; nil when the reading thread has handed over everything.
    private func next() -> Item? {
        shared.wait(until: { $0.itemsTaken < $0.items.count || $0.readingDone }) { state in
            guard state.itemsTaken < state.items.count else { return nil }
            let item = state.items[state.itemsTaken]
            state.itemsTaken += 1
            if state.itemsTaken == state.items.count {
                state.items.removeAll(keepingCapacity: true)
                state.itemsTaken = 0
            }
            return item
        }
    }

    private func release(_ slot: Int) {
        shared.update { $0.freeSlots.append(slot) }
    }

    // MARK: The reading thread

    private func readAll() {
        defer { shared.update { $0.readingDone = true } }
        for (index, job) in jobs.enumerated() {
            do {
                guard try read(job, index: index) else { return }
            } catch {
                publish(.failure(job: index, error))
                return
            }
        }
    }

    /// Reads one job into the ring; false when the caller stopped.
    private func read(_ job: Job, index: Int) throws -> Bool {
        let info = job.tensor.info
        let source = try reader.open(job.tensor)
        let from = info.dtype.byteSize, to = job.dtype.byteSize
        let converting = info.dtype != job.dtype
        let rowBytes = TensorPieces.rowBytes(info)
        let rowsPerPiece = rowBytes == 0 ? 1 : max(1, pieceBytes / (rowBytes / from * max(from, to)))
        for range in TensorPieces(info, maximumPieceBytes: rowsPerPiece * rowBytes) {
            guard let slot = acquireSlot() else { return false }
            let bytes: UnsafeRawBufferPointer
            do {
                let raw = prefix(&slots[slot].read, range.count)
                try source.read(into: raw)
                if converting {
                    let out = prefix(&slots[slot].converted, range.count / from * to)
                    ElementConversion.convert(UnsafeRawBufferPointer(raw), from: info.dtype, to: job.dtype, into: out)
                    bytes = UnsafeRawBufferPointer(out)
                } else {
                    bytes = UnsafeRawBufferPointer(raw)
                }
            } catch {
                release(slot)
                throw error
            }
            publish(.piece(job: index, slot: slot, bytes: bytes))
        }
        try source.finish()
        publish(.end(job: index))
        return true
    }

    /// A free slot, waiting for one; nil once the caller has stopped.
    private func acquireSlot() -> Int? {
        shared.wait(until: { !$0.freeSlots.isEmpty || $0.stopped }) { state in
            state.stopped ? nil : state.freeSlots.removeLast()
        }
    }

    private func publish(_ item: Item) {
        shared.update { $0.items.append(item) }
    }

    /// The first `count` bytes of `buffer`, which is (re)allocated page-aligned to at least a
    /// piece when it is smaller.
    private func prefix(_ buffer: inout UnsafeMutableRawBufferPointer, _ count: Int) -> UnsafeMutableRawBufferPointer {
        if buffer.count < count {
            buffer.deallocate()
            buffer = .allocate(byteCount: max(count, pieceBytes), alignment: 4096)
        }
        return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
    }
}
