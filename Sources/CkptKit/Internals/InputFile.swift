#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file opened for positional reads, owning its descriptor.
///
/// Reads are exact: asking for bytes past the end of the file is an error that says so, and
/// ranges are checked against the file size before anything is allocated.
final class InputFile {
    /// The path the file was opened at.
    let path: String
    /// The file's size in bytes when it was opened.
    let size: Int
    private var descriptor: Int32

    /// Opens the regular file at `path` for reading.
    ///
    /// The open never blocks: it is non-blocking (a FIFO without a writer would otherwise wait
    /// forever in `open`), and anything but a regular file is refused, naming what it is, before
    /// a byte is read.
    init(path: String) throws(FileIOError) {
        self.path = path
        let fd = try valueOrErrno(path: path, "open for reading") { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        var info = stat()
        do {
            _ = try valueOrErrno(path: path, "fstat") { fstat(fd, &info) }
        } catch {
            _ = systemClose(fd)
            throw error
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            _ = systemClose(fd)
            throw FileIOError(path: path, operation: "open for reading", code: nil,
                              reason: "not a regular file (\(Self.kind(of: info.st_mode)))")
        }
        // Reads of a regular file never block; clear the flag so nothing else sees it.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        descriptor = fd
        size = Int(info.st_size)
    }

    /// What a file of mode `mode` is, for messages: `a FIFO`, `a socket`, `a folder`, ….
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a folder"
        case S_IFLNK: return "a symbolic link"
        default: return "not a file"
        }
    }

    /// Why `path` cannot be read as a regular file (`no such file`, `not a regular file (a
    /// FIFO …)`), or nil when it is one. A `stat`, so it never blocks.
    static func problem(at path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT ? "no such file" : String(cString: strerror(errno))
        }
        return (info.st_mode & S_IFMT) == S_IFREG ? nil : "not a regular file (\(kind(of: info.st_mode)))"
    }

    /// The whole content of the regular file at `path` (a spec, a rules or jobs file), read
    /// without ever blocking on a FIFO or a device.
    static func contents(of path: String) throws(FileIOError) -> [UInt8] {
        let file = try InputFile(path: path)
        defer { file.close() }
        return try file.read(count: file.size, at: 0)
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// Fills `buffer` with the bytes at `position ..< position + buffer.count` (`pread`).
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int) throws(FileIOError) {
        let operation = "read \(buffer.count) bytes at offset \(position)"
        guard descriptor >= 0 else {
            throw FileIOError(path: path, operation: operation, code: EBADF, reason: "the file is already closed")
        }
        guard position >= 0, buffer.count <= size, position <= size - buffer.count else {
            throw FileIOError(path: path, operation: operation, code: nil,
                              reason: "range is beyond the end of the file (\(size) bytes)")
        }
        guard let base = buffer.baseAddress else { return }
        let fd = descriptor
        var done = 0
        while done < buffer.count {
            let got = try valueOrErrno(path: path, operation) {
                pread(fd, base + done, buffer.count - done, off_t(position + done))
            }
            guard got > 0 else {
                throw FileIOError(path: path, operation: operation, code: nil,
                                  reason: "unexpected end of file after \(done) bytes (file shrank while reading?)")
            }
            done += got
        }
    }

    /// Returns the `count` bytes at `position`; the range is checked before allocating.
    func read(count: Int, at position: Int) throws(FileIOError) -> [UInt8] {
        let operation = "read \(count) bytes at offset \(position)"
        guard count >= 0, position >= 0, count <= size, position <= size - count else {
            throw FileIOError(path: path, operation: operation, code: nil,
                              reason: "range is beyond the end of the file (\(size) bytes)")
        }
        var failure: FileIOError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(FileIOError) {
                try read(into: UnsafeMutableRawBufferPointer(buffer), at: position)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Closes the descriptor.
    func close() {
        guard descriptor >= 0 else { return }
        _ = systemClose(descriptor)
        descriptor = -1
    }
}

// The C function shares its name with this class's method.
private func systemClose(_ fd: Int32) -> Int32 {
    close(fd)
}
