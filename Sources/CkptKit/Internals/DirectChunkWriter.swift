import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The background half of an ``OutputFile``'s direct I/O: writes its staging chunks with
/// `O_DIRECT`, and patches of bytes already handed over, in the order they were queued, on a
/// thread of its own, so the caller fills (and checksums) the next chunk while the device takes
/// the last one. An `O_DIRECT` write blocks until the device has the data, which made it the
/// one thing the writing thread did for about half of a conversion's time.
///
/// A chunk is a range of a buffer whose first byte belongs at an aligned file offset: the
/// whole blocks of the range go out with `O_DIRECT`, the partial blocks at either end (the end
/// of the file, or a region that starts or ends mid-block, ``OutputFile/seek(to:)``) with
/// `O_DIRECT` cleared. A direct write the file system refuses (or cuts short) is written again
/// through the page cache, and so is every later one (``refused``).
/// The first real error is kept and thrown by the caller's next call; the writes after it are
/// dropped (the file is abandoned anyway).
/// `@unchecked`: a staging buffer belongs to the caller from `takeBuffer` to `write`, then to
/// the writing thread until it is free again; the queue and the flags are in one ``ConditionValue``.
final class DirectChunkWriter: @unchecked Sendable {
    private enum Job {
        /// Bytes `range` of a staging buffer whose byte 0 belongs at file offset `base` (aligned).
        case chunk(UnsafeMutableRawBufferPointer, range: Range<Int>, base: Int)
        /// Bytes to write over ones already queued, with `O_DIRECT` cleared.
        case patch([UInt8], position: Int)
    }

    private let descriptor: Int32
    private let path: String
    private let bufferSize: Int
    private let bufferCount: Int
    private let alignment: Int

    /// What the caller and the writing thread share.
    private struct Shared {
        var jobs: [Job] = []
        var busy = false
        var free: [UnsafeMutableRawBufferPointer] = []
        var failure: FileIOError?
        var isRefused = false
        var stopping = false
        var exited = false
        var refusal: Int?
    }
    private let shared = ConditionValue(Shared())
    /// Every staging buffer, freed in deinit.
    private let allocated: [UnsafeMutableRawBufferPointer]
    // The writing thread's own state.
    private var directWrites = 0

    /// Starts the thread that writes to `descriptor` (opened with `O_DIRECT`), with up to
    /// `buffers` staging buffers of `bufferSize` bytes, aligned to `alignment`.
    init(descriptor: Int32, path: String, bufferSize: Int, buffers: Int, alignment: Int) {
        self.descriptor = descriptor
        self.path = path
        self.bufferSize = bufferSize
        self.bufferCount = max(2, buffers)
        self.alignment = alignment
        allocated = (0..<max(2, buffers)).map { _ in .allocate(byteCount: bufferSize, alignment: alignment) }
        shared.withLock { $0.free = allocated.reversed() }
        let thread = Thread { [self] in loop() }
        thread.name = "ckpt-direct-write"
        thread.start()
    }

    deinit {
        stop()
        for buffer in allocated { buffer.deallocate() }
    }

    /// Test hook: the direct write with this number (from 0) fails as if refused (`EINVAL`).
    var simulatedRefusal: Int? {
        get { shared.withLock { $0.refusal } }
        set { shared.withLock { $0.refusal = newValue } }
    }

    /// Whether a direct write was refused; the writes since went through the page cache.
    var refused: Bool { shared.withLock { $0.isRefused } }

    /// A buffer to stage the next chunk in, waiting until the thread has written one.
    func takeBuffer() throws(FileIOError) -> UnsafeMutableRawBufferPointer {
        let buffer = shared.wait(until: { !$0.free.isEmpty || $0.failure != nil }) { state in
            state.failure == nil ? state.free.removeLast() : nil
        }
        guard let buffer else { throw shared.withLock { $0.failure! } }
        return buffer
    }

    /// Queues bytes `range` of `buffer` (from `takeBuffer`), whose byte 0 belongs at file
    /// offset `base` (a multiple of the alignment); the buffer comes back to `takeBuffer` once
    /// written.
    func write(_ buffer: UnsafeMutableRawBufferPointer, range: Range<Int>, base: Int) throws(FileIOError) {
        try enqueue(.chunk(buffer, range: range, base: base))
    }

    /// Queues a write of `bytes` (copied) at `position`, after everything queued before it.
    func patch(_ bytes: UnsafeRawBufferPointer, at position: Int) throws(FileIOError) {
        try enqueue(.patch([UInt8](bytes), position: position))
    }

    /// Waits until everything queued is written; throws the first error.
    func waitUntilIdle() throws(FileIOError) {
        if let failure = shared.wait(until: { $0.jobs.isEmpty && !$0.busy }, then: { $0.failure }) { throw failure }
    }

    /// Stops the thread after the write in progress, dropping what is still queued.
    func stop() {
        shared.update { state in
            state.stopping = true
            for job in state.jobs { if case .chunk(let buffer, _, _) = job { state.free.append(buffer) } }
            state.jobs.removeAll()
        }
        shared.wait(until: \.exited) { _ in }
    }

    private func enqueue(_ job: Job) throws(FileIOError) {
        let failure = shared.update { state -> FileIOError? in
            if state.failure == nil { state.jobs.append(job) }
            return state.failure
        }
        if let failure { throw failure }
    }

    // MARK: The writing thread

    private func loop() {
        while true {
            let next = shared.wait(until: { !$0.jobs.isEmpty || $0.stopping }) { state -> (Job, Bool, Int?, Bool)? in
                if state.stopping { return nil }
                state.busy = true
                return (state.jobs.removeFirst(), state.failure != nil, state.refusal, state.isRefused)
            }
            guard let (job, skip, refuse, refusedBefore) = next else { break }
            var error: FileIOError?
            var refusedNow = refusedBefore
            if !skip {
                do throws(FileIOError) {
                    refusedNow = try perform(job, refused: refusedBefore, simulatedRefusal: refuse)
                } catch let caught {
                    error = caught
                }
            }
            shared.update { state in
                state.busy = false
                state.isRefused = refusedNow
                if state.failure == nil, let error { state.failure = error }
                if case .chunk(let buffer, _, _) = job { state.free.append(buffer) }
            }
        }
        shared.update { $0.exited = true }
    }

    /// Writes one job; returns whether direct writes are refused from now on.
    private func perform(_ job: Job, refused: Bool, simulatedRefusal: Int?) throws(FileIOError) -> Bool {
        switch job {
        case .chunk(let buffer, let range, let base):
            guard let start = buffer.baseAddress, !range.isEmpty else { return refused }
            // Whole blocks of the range directly, the partial ones at its ends through the cache.
            let first = (range.lowerBound + alignment - 1) / alignment * alignment
            let last = range.upperBound / alignment * alignment
            var refusedNow = refused
            var edges = [range]
            if first < last {
                let blocks = first ..< last
                edges = [range.lowerBound ..< first, last ..< range.upperBound]
                if refused {
                    edges.append(blocks)
                } else {
                    defer { directWrites += 1 }
                    let written = directWrites == simulatedRefusal
                        ? -1 : pwrite(descriptor, start + blocks.lowerBound, blocks.count, off_t(base + blocks.lowerBound))
                    if written != blocks.count {
                        // Refused (EINVAL: the file system or device does not take these writes
                        // after all), short or failed: these blocks and the rest go through the
                        // page cache, which reports real errors (ENOSPC, EIO) itself.
                        _ = OutputFile.setDirect(descriptor, false)
                        refusedNow = true
                        edges.append(blocks)
                    }
                }
            }
            edges.removeAll { $0.isEmpty }
            guard !edges.isEmpty else { return refusedNow }
            if !refusedNow { _ = OutputFile.setDirect(descriptor, false) }
            defer { if !refusedNow { _ = OutputFile.setDirect(descriptor, true) } }
            for edge in edges {
                try OutputFile.pwriteAll(descriptor, path: path, UnsafeRawPointer(start + edge.lowerBound), edge.count, at: base + edge.lowerBound)
            }
            return refusedNow
        case .patch(let bytes, let position):
            if !refused { _ = OutputFile.setDirect(descriptor, false) }
            defer { if !refused { _ = OutputFile.setDirect(descriptor, true) } }
            var failure: FileIOError?
            bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                do throws(FileIOError) {
                    try OutputFile.pwriteAll(descriptor, path: path, base, raw.count, at: position)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            return refused
        }
    }
}
