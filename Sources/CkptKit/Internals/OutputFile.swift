import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for writing, owning its descriptor.
///
/// Writes are sequential (`write`) with positional patches (`write(_:at:)`, for headers whose
/// values are known only after the data); `seek(to:)` moves the sequential offset, to fill
/// regions of a file someone else lays out (an HDF5 file's dataset values, ``HDF5DirectValues``).
/// Every system call goes through `valueOrErrno`.
///
/// With direct I/O (``DirectIO``; chosen at `init`) sequential writes are gathered in
/// 4096-aligned staging buffers of ``directChunkSize`` bytes and written with `O_DIRECT` in whole
/// chunks, bypassing the page cache, by a background thread (``DirectChunkWriter``) while the
/// next chunk fills; the unaligned tail goes out with `O_DIRECT` cleared (`fcntl F_SETFL`) when
/// the file is synced or closed, and so do patches of bytes already handed to the thread, in
/// order after them (patches of staged bytes change the buffer). A file system that refuses
/// `O_DIRECT` (`EINVAL` when it is set or on a write) gets ordinary buffered writes instead: the
/// bytes of the file are the same either way. An error of a background write is thrown by the
/// next call.
final class OutputFile {
    /// Bytes per `O_DIRECT` write: a multiple of every block size in use (4096).
    static let directChunkSize = 8 << 20
    /// Alignment of the staging buffer, of every direct write's offset and of its length.
    static let directAlignment = 4096

    /// Staging buffers per file: one filling, two queued or being written.
    static let directBuffers = 3

    /// The direct-I/O state while direct writes are on.
    private struct Staging {
        let writer: DirectChunkWriter
        /// The buffer being filled; its byte 0 belongs at file offset `base`.
        var buffer: UnsafeMutableRawBufferPointer
        /// The file offset of the buffer's byte 0 (a multiple of `directAlignment`).
        var base = 0
        /// Bytes at the buffer's start that are not this writer's (a region that began
        /// mid-block, after `seek(to:)`); they are never written.
        var start = 0
        /// Bytes of the buffer in use, `start` included: the next byte goes to `base + count`.
        var count = 0
        /// The file offset of the first staged byte: everything before it is handed over.
        var stagedStart: Int { base + start }
    }

    /// What to do when the path already exists.
    enum CreationMode: Sendable {
        /// Fail if the file exists (`O_CREAT | O_EXCL`): for fresh temporary files.
        case exclusive
        /// Replace the file's contents (`O_CREAT | O_TRUNC`).
        case truncate
        /// Open an existing file and keep its contents (to fill regions of it, `seek(to:)`).
        case existing
    }

    /// The path the file was opened at.
    let path: String
    private var descriptor: Int32
    /// The offset the next sequential write goes to (the number of bytes written so far).
    private(set) var offset: Int = 0

    private var staging: Staging?
    /// Test hook: the direct write with this number (from 0) fails as if the file system refused
    /// it (`EINVAL`), to exercise the fallback on a kernel whose file systems all accept O_DIRECT.
    var simulatedDirectRefusal: Int? {
        get { staging?.writer.simulatedRefusal }
        set { staging?.writer.simulatedRefusal = newValue }
    }

    /// Creates (or truncates) the file at `path` for writing.
    ///
    /// `directIO` says whether to write with `O_DIRECT`; `.automatic` decides from
    /// `expectedSize` (the file's size when known) and the file system (``DirectIO``).
    init(path: String, mode: CreationMode, permissions: mode_t = 0o644,
         directIO: DirectIO = .never, expectedSize: Int? = nil) throws(FileIOError) {
        self.path = path
        var flags = O_WRONLY | O_CLOEXEC
        switch mode {
        // An anonymous temporary (``AtomicOutput``, `O_TMPFILE`) exists and is new: reopen it.
        case .exclusive where AtomicOutput.isAnonymous(path): break
        case .exclusive: flags |= O_CREAT | O_EXCL
        case .truncate: flags |= O_CREAT | O_TRUNC
        case .existing: break
        }
        descriptor = try valueOrErrno(path: path, "open for writing") {
            open(path, flags, permissions)
        }
        if directIO.wantsDirect(descriptor: descriptor, expectedSize: expectedSize), Self.setDirect(descriptor, true) {
            let writer = DirectChunkWriter(descriptor: descriptor, path: path, bufferSize: Self.directChunkSize,
                                           buffers: Self.directBuffers, alignment: Self.directAlignment)
            // A fresh writer has every buffer free.
            if let buffer = try? writer.takeBuffer() {
                staging = Staging(writer: writer, buffer: buffer)
            } else {
                writer.stop()
                _ = Self.setDirect(descriptor, false)
            }
        }
    }

    deinit {
        // A file dropped without close() is already a failed write; nothing to report to.
        staging?.writer.stop()
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// Whether sequential writes currently go out with `O_DIRECT`.
    var isDirect: Bool { staging != nil }

    /// Whether `close()` has been called.
    var isClosed: Bool { descriptor < 0 }

    /// Appends all of `bytes` at the current offset, looping over partial writes.
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        if staging != nil {
            try stage(bytes)
            return
        }
        try writeThrough(bytes)
    }

    private func writeThrough(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        let fd = try openDescriptor("write")
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let written = try valueOrErrno(path: path, "write \(bytes.count) bytes at offset \(offset)") {
                systemWrite(fd, base + done, bytes.count - done)
            }
            guard written > 0 else {
                throw FileIOError(path: path, operation: "write at offset \(offset)", code: nil,
                                  reason: "the system accepted no bytes")
            }
            done += written
            offset += written
        }
    }

    /// Appends all of `bytes` at the current offset.
    func write(_ bytes: [UInt8]) throws(FileIOError) {
        var failure: FileIOError?
        bytes.withUnsafeBytes { raw in
            do throws(FileIOError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes `bytes` at `position` without moving the sequential offset (`pwrite`).
    ///
    /// Only already-written bytes may be overwritten: the patched range must end at or
    /// before `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at position: Int) throws(FileIOError) {
        let fd = try openDescriptor("pwrite")
        guard position >= 0, position + bytes.count <= offset else {
            throw FileIOError(path: path, operation: "pwrite \(bytes.count) bytes at offset \(position)",
                              code: nil, reason: "range is outside the \(offset) bytes written so far")
        }
        guard let base = bytes.baseAddress else { return }
        if let staged = staging {
            // The part still staged is changed in the buffer; the part handed to the writer
            // thread is written by it after those chunks, with O_DIRECT cleared (an unaligned
            // pwrite), which the kernel keeps coherent with the direct writes (they flush and
            // invalidate the cached pages of their own range).
            let onDisk = max(0, min(bytes.count, staged.stagedStart - position))
            if onDisk < bytes.count {
                let start = position + onDisk - staged.base
                UnsafeMutableRawBufferPointer(rebasing: staged.buffer[start ..< start + bytes.count - onDisk])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[onDisk...]))
            }
            guard onDisk > 0 else { return }
            try staged.writer.patch(UnsafeRawBufferPointer(rebasing: bytes[0 ..< onDisk]), at: position)
            return
        }
        try Self.pwriteAll(fd, path: path, base, bytes.count, at: position)
    }

    /// `pwrite`s all `count` bytes at `base` to `position`, looping over partial writes.
    static func pwriteAll(_ fd: Int32, path: String, _ base: UnsafeRawPointer, _ count: Int, at position: Int) throws(FileIOError) {
        let bytes = UnsafeRawBufferPointer(start: base, count: count)
        var done = 0
        while done < bytes.count {
            let written = try valueOrErrno(path: path, "pwrite \(bytes.count) bytes at offset \(position)") {
                pwrite(fd, base + done, bytes.count - done, off_t(position + done))
            }
            guard written > 0 else {
                throw FileIOError(path: path, operation: "pwrite at offset \(position + done)", code: nil,
                                  reason: "the system accepted no bytes")
            }
            done += written
        }
    }

    /// Writes `bytes` at `position` without moving the sequential offset.
    func write(_ bytes: [UInt8], at position: Int) throws(FileIOError) {
        var failure: FileIOError?
        bytes.withUnsafeBytes { raw in
            do throws(FileIOError) { try write(raw, at: position) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Moves the sequential offset to `position`: the next `write` goes there. Staged bytes are
    /// handed over first; with direct I/O, the partial blocks at a region's ends are written
    /// through the page cache, so regions may share a block with bytes others write.
    func seek(to position: Int) throws(FileIOError) {
        guard position >= 0 else {
            throw FileIOError(path: path, operation: "seek to offset \(position)", code: nil, reason: "the offset is negative")
        }
        try handOver()
        if var staged = staging {
            staged.base = position / Self.directAlignment * Self.directAlignment
            staged.start = position - staged.base
            staged.count = staged.start
            staging = staged
            offset = position
            return
        }
        let fd = try openDescriptor("seek")
        _ = try valueOrErrno(path: path, "seek to offset \(position)") { lseek(fd, off_t(position), SEEK_SET) }
        offset = position
    }

    /// Flushes the file's data and metadata to the storage device (`fsync`).
    func sync() throws(FileIOError) {
        try drain()
        let fd = try openDescriptor("fsync")
        _ = try valueOrErrno(path: path, "fsync") { fsync(fd) }
    }

    /// Closes the descriptor. Errors here can mean lost data (NFS, quotas), so they are thrown.
    func close() throws(FileIOError) {
        guard descriptor >= 0 else { return }
        do {
            try drain()
        } catch {
            staging?.writer.stop()
            staging = nil
            _ = systemClose(descriptor)
            descriptor = -1
            throw error
        }
        let fd = descriptor
        descriptor = -1
        // Linux releases the descriptor even when close is interrupted, so never retry.
        _ = try valueOrErrno(path: path, "close", retryOnInterrupt: false) { systemClose(fd) }
    }

    // MARK: Direct I/O

    /// Copies `bytes` into the staging buffer, handing each full chunk to the writer thread.
    private func stage(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
        var done = 0
        while done < bytes.count, var staged = staging {
            let take = min(bytes.count - done, staged.buffer.count - staged.count)
            UnsafeMutableRawBufferPointer(rebasing: staged.buffer[staged.count ..< staged.count + take])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[done ..< done + take]))
            staged.count += take
            staging = staged
            offset += take
            done += take
            if staged.count == staged.buffer.count { try flushChunk() }
        }
        if done < bytes.count {
            // Direct I/O was refused on the way: the rest goes through the page cache.
            try writeThrough(UnsafeRawBufferPointer(rebasing: bytes[done...]))
        }
    }

    /// Hands the full staging buffer to the writer thread.
    private func flushChunk() throws(FileIOError) {
        try handOver()
    }

    /// Hands the staged bytes to the writer thread and starts a fresh buffer at the offset
    /// after them; once the file system has refused a direct write, falls back to buffered
    /// writes for good.
    private func handOver() throws(FileIOError) {
        guard var staged = staging, staged.count > staged.start else { return }
        try staged.writer.write(staged.buffer, range: staged.start ..< staged.count, base: staged.base)
        staged.base += staged.count / Self.directAlignment * Self.directAlignment
        staged.start = staged.count % Self.directAlignment
        staged.count = staged.start
        if staged.writer.refused {
            // Everything queued so far is written (through the page cache since the refusal).
            try staged.writer.waitUntilIdle()
            staged.start = 0
            staged.count = 0
            staging = staged
            try fallBack()
            return
        }
        staged.buffer = try staged.writer.takeBuffer()
        staging = staged
    }

    /// Ends direct I/O: clears O_DIRECT, writes the staged bytes through the page cache and
    /// stops the writer thread (which must be idle).
    private func fallBack() throws(FileIOError) {
        guard let staged = staging else { return }
        staging = nil
        defer { staged.writer.stop() }
        let fd = try openDescriptor("write")
        _ = Self.setDirect(fd, false)
        if staged.count > staged.start {
            try Self.pwriteAll(fd, path: path, UnsafeRawPointer(staged.buffer.baseAddress! + staged.start),
                               staged.count - staged.start, at: staged.stagedStart)
        }
        // Direct writes are positional; sequential writes continue at the end.
        _ = try valueOrErrno(path: path, "seek to offset \(offset)") { lseek(fd, off_t(offset), SEEK_SET) }
    }

    /// Writes what is staged (the whole blocks with O_DIRECT, the partial last one without),
    /// waits for the writer thread, and leaves direct I/O (the file's end is no longer aligned).
    private func drain() throws(FileIOError) {
        guard var staged = staging else { return }
        if staged.count > staged.start {
            try staged.writer.write(staged.buffer, range: staged.start ..< staged.count, base: staged.base)
        }
        try staged.writer.waitUntilIdle()
        staged.start = 0
        staged.count = 0
        staging = staged
        try fallBack()
    }

    /// Sets or clears O_DIRECT on `fd`; false when the file system refuses it.
    @discardableResult
    static func setDirect(_ fd: Int32, _ on: Bool) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { return false }
        let wanted = on ? flags | directFlag : flags & ~directFlag
        return wanted == flags || fcntl(fd, F_SETFL, wanted) == 0
    }

    #if os(Linux)
    #if arch(arm64) || arch(arm)
    static let directFlag: Int32 = 0o200000
    #else
    static let directFlag: Int32 = 0o40000
    #endif
    #else
    static let directFlag: Int32 = 0
    #endif

    private func openDescriptor(_ operation: String) throws(FileIOError) -> Int32 {
        guard descriptor >= 0 else {
            throw FileIOError(path: path, operation: operation, code: EBADF, reason: "the file is already closed")
        }
        return descriptor
    }
}

// The C functions share names with this class's methods.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

private func systemClose(_ fd: Int32) -> Int32 {
    close(fd)
}

/// Whether an ``OutputFile`` writes with `O_DIRECT` (Linux), bypassing the page cache.
///
/// Measured on this project's build machine (ext4 on a virtual disk, 2026-11-29, heavily loaded):
/// 2 GiB with `dd oflag=direct` took 4.7–6.8 s, with the page cache plus `fdatasync` 25–28 s; a
/// 5.3 GB safetensors `ckpt init` took 4.5–5.8 s less CPU and was never slower (see
/// docs/benchmarks.md). Files are byte-identical either way.
public enum DirectIO: Sendable, Hashable {
    /// `O_DIRECT` for files of at least ``automaticThreshold`` bytes on file systems other than
    /// tmpfs and ramfs (where the page cache *is* the storage). The environment variable
    /// `CKPT_DIRECT_IO` overrides it: `1`/`on` behaves as `.always`, `0`/`off` as `.never`.
    case automatic
    /// Try `O_DIRECT` for every file, small or on tmpfs (falls back where it is refused).
    case always
    /// Always write through the page cache.
    case never

    /// The smallest expected file size `.automatic` writes directly.
    public static let automaticThreshold = 64 << 20

    /// Whether the open file lives on tmpfs or ramfs: the file system type of the longest mount
    /// point in `/proc/self/mounts` that contains the file's real path.
    static func isOnMemoryFileSystem(descriptor: Int32) -> Bool {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard length > 0, let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else {
            return false
        }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            // Mount points escape space, tab, newline and backslash as octal (\040).
            let point = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
                .replacingOccurrences(of: "\\011", with: "\t").replacingOccurrences(of: "\\134", with: "\\")
            let inside = point == "/" || path == point || path.hasPrefix(point + "/")
            if inside, point.count >= (best?.point.count ?? -1) { best = (point, String(fields[2])) }
        }
        return ["tmpfs", "ramfs"].contains(best?.type ?? "")
        #else
        return false
        #endif
    }

    func wantsDirect(descriptor: Int32, expectedSize: Int?) -> Bool {
        #if os(Linux)
        switch self {
        case .never: return false
        case .always: return true
        case .automatic:
            if let value = getenv("CKPT_DIRECT_IO").map({ String(cString: $0).lowercased() }) {
                if ["1", "on", "always", "true", "yes"].contains(value) { return true }
                if ["0", "off", "never", "false", "no"].contains(value) { return false }
            }
            guard let expectedSize, expectedSize >= Self.automaticThreshold else { return false }
            return !Self.isOnMemoryFileSystem(descriptor: descriptor)
        }
        #else
        return false
        #endif
    }
}
