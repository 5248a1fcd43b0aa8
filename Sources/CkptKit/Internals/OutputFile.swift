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
/// values are known only after the data). Every system call goes through `valueOrErrno`.
final class OutputFile {
    /// What to do when the path already exists.
    enum CreationMode: Sendable {
        /// Fail if the file exists (`O_CREAT | O_EXCL`): for fresh temporary files.
        case exclusive
        /// Replace the file's contents (`O_CREAT | O_TRUNC`).
        case truncate
    }

    /// The path the file was opened at.
    let path: String
    private var descriptor: Int32
    /// The offset the next sequential write goes to (the number of bytes written so far).
    private(set) var offset: Int = 0

    /// Creates (or truncates) the file at `path` for writing.
    init(path: String, mode: CreationMode, permissions: mode_t = 0o644) throws(FileIOError) {
        self.path = path
        var flags = O_WRONLY | O_CREAT | O_CLOEXEC
        switch mode {
        case .exclusive: flags |= O_EXCL
        case .truncate: flags |= O_TRUNC
        }
        descriptor = try valueOrErrno(path: path, "open for writing") {
            open(path, flags, permissions)
        }
    }

    deinit {
        // A file dropped without close() is already a failed write; nothing to report to.
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// Whether `close()` has been called.
    var isClosed: Bool { descriptor < 0 }

    /// Appends all of `bytes` at the current offset, looping over partial writes.
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
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

    /// Flushes the file's data and metadata to the storage device (`fsync`).
    func sync() throws(FileIOError) {
        let fd = try openDescriptor("fsync")
        _ = try valueOrErrno(path: path, "fsync") { fsync(fd) }
    }

    /// Closes the descriptor. Errors here can mean lost data (NFS, quotas), so they are thrown.
    func close() throws(FileIOError) {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        // Linux releases the descriptor even when close is interrupted, so never retry.
        _ = try valueOrErrno(path: path, "close", retryOnInterrupt: false) { systemClose(fd) }
    }

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
