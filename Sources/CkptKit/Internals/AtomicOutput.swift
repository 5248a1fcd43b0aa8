import Foundation

/// A file written atomically: all writing goes to a temporary file beside the target, which is
/// renamed over the target only when complete. A failed or interrupted run leaves no file at the
/// target path.
public final class AtomicOutput {
    /// The path the file will have when committed.
    public let targetPath: String
    /// The temporary path writers write to.
    public let temporaryPath: String
    private var finished = false

    /// Prepares to write `path`. Fails when the folder does not exist, or the file exists and
    /// `overwrite` is false.
    public init(path: String, overwrite: Bool) throws(OutputError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError(path: path, "the output folder \(folder) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw OutputError(path: path, "a folder is in the way of the output file") }
            if !overwrite { throw OutputError(path: path, "the file exists; pass --force to overwrite it") }
        }
        guard access(folder, W_OK) == 0 else {
            throw OutputError(path: path, "the output folder \(folder) is not writable")
        }
        self.targetPath = path
        let random = UInt32.random(in: 0...UInt32.max)
        self.temporaryPath = folder + "/." + url.lastPathComponent + ".ckpt-\(getpid())-\(String(random, radix: 16)).tmp"
    }

    /// An output that writes `path` directly and never renames or removes it (for temporary files
    /// owned by a caller).
    init(unmanagedPath path: String) {
        self.targetPath = path
        self.temporaryPath = path
        self.finished = true
    }

    /// Makes the finished temporary file durable and moves it to the target path.
    public func commit() throws(OutputError) {
        guard !finished else { return }
        let fd = open(temporaryPath, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
        guard rename(temporaryPath, targetPath) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw OutputError(path: targetPath, "could not move the finished file into place: \(reason)")
        }
        finished = true
        // Make the rename itself durable.
        let folder = URL(fileURLWithPath: targetPath).deletingLastPathComponent().path
        let dirfd = open(folder, O_RDONLY)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            close(dirfd)
        }
    }

    /// Removes the temporary file (after a failure).
    public func discard() {
        guard !finished else { return }
        finished = true
        unlink(temporaryPath)
    }

    deinit {
        discard()
    }
}

/// An error preparing or committing an output file.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// The target path.
    public var path: String
    /// What went wrong.
    public var message: String

    /// Creates an error.
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
