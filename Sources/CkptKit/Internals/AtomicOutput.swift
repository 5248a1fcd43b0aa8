import Foundation

/// A file written atomically: all writing goes to a temporary file beside the target, which is
/// moved to the target only when complete. A failed or interrupted run leaves no file at the
/// target path.
///
/// - **Anonymous temporaries**: where the file system supports it (ext4, xfs, btrfs, tmpfs), the
///   temporary is created with `O_TMPFILE`: a file without a name, which vanishes with the
///   process however it ends, kill -9 included. Writers open it by `temporaryPath`,
///   `/proc/self/fd/N` (libhdf5 too), and commit gives it its name with `linkat`.
/// - **Named temporaries**, elsewhere (and for a `.keras` built through a separate weights file,
///   ``namedSibling(_:)``), are `.NAME.ckpt-HOST-PID-RANDOM.tmp`. A process killed with SIGKILL
///   cannot remove those, so the next `AtomicOutput` in the same folder removes the ones of this
///   host whose process is gone (``reclaimStale(in:)``; `ckpt clean DIR` does it by hand).
///   Temporaries of other hosts (a folder on a network file system) are never touched.
/// - **No replacement without `overwrite`**, even under a race: the finished file is hard-linked
///   to the target, which fails if anything is there, so of two writers of one target exactly one
///   wins and the other gets an error naming the file. With `overwrite`, `rename` replaces the
///   target atomically (the last writer wins). On a file system without hard links the
///   existence check and the rename are separate steps (documented).
/// - **Durability**: the file is `fsync`ed before it is moved and the folder after; a failing
///   `fsync` is an error. When ckpt exits 0, the file and its name are on stable storage.
public final class AtomicOutput {
    /// The path the file will have when committed.
    public let targetPath: String
    /// The temporary path writers write to.
    public let temporaryPath: String
    private let overwrite: Bool
    private var finished = false
    /// The `O_TMPFILE` descriptor, when the temporary is anonymous; -1 otherwise.
    private var anonymous: Int32 = -1
    /// The folder and the name that named temporaries start with.
    private let folder: String
    private let namePrefix: String

    /// Prepares to write `path`. Fails when the folder does not exist, or the file exists and
    /// `overwrite` is false. Removes this host's temporaries of dead processes in the folder.
    ///
    /// `named` asks for a named temporary: libhdf5's `H5Fcreate` resolves the real path of the
    /// file it creates, which an unnamed file does not have ("can't retrieve real path").
    public init(path: String, overwrite: Bool, named: Bool = false) throws(OutputError) {
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
        self.overwrite = overwrite
        self.folder = folder
        self.namePrefix = folder + "/." + url.lastPathComponent + ".ckpt-\(TemporaryName.host)-\(getpid())-"
        _ = Self.reclaimStale(in: folder)
        let fd = Self.useAnonymous && !named ? Self.openAnonymous(in: folder) : -1
        if fd >= 0 {
            anonymous = fd
            temporaryPath = "/proc/self/fd/\(fd)"
        } else {
            temporaryPath = namePrefix + String(UInt32.random(in: 0...UInt32.max), radix: 16) + ".tmp"
            Interruption.register(temporaryPath)
        }
        TemporaryName.remember(temporaryPath, target: path)
    }

    /// `CKPT_TMPFILE=off` makes every temporary a named one (for tests of that path).
    private static let useAnonymous = ProcessInfo.processInfo.environment["CKPT_TMPFILE"].map {
        !["off", "0", "no", "false"].contains($0.lowercased())
    } ?? true

    /// An unnamed file in `folder` (`O_TMPFILE`, Linux 3.11+), or -1 where the file system or
    /// the system has none (`EOPNOTSUPP`, `EISDIR`, …) or `/proc` is missing.
    private static func openAnonymous(in folder: String) -> Int32 {
        #if os(Linux)
        guard access("/proc/self/fd", F_OK) == 0 else { return -1 }
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY; Glibc exports it only with _GNU_SOURCE.
        let tmpfile: Int32 = 0o20000000 | O_DIRECTORY
        let fd = open(folder, tmpfile | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return -1 }
        // Such a file gets the umask-less mode given above; apply the umask as a named file would.
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o644 & ~mask)
        return fd
        #else
        return -1
        #endif
    }

    /// Whether `path` is an anonymous temporary's (`/proc/self/fd/N`).
    static func isAnonymous(_ path: String) -> Bool { path.hasPrefix("/proc/self/fd/") }

    /// Whether this output's temporary is anonymous (`O_TMPFILE`).
    public var isAnonymous: Bool { anonymous >= 0 }

    /// A named temporary beside the target ending in `suffix` (a second file a writer needs),
    /// reclaimed like the others if the process is killed; the caller removes it.
    func namedSibling(_ suffix: String) -> String {
        let path = namePrefix + String(UInt32.random(in: 0...UInt32.max), radix: 16) + ".tmp" + suffix
        Interruption.register(path)
        TemporaryName.remember(path, target: targetPath)
        return path
    }

    /// An output that writes `path` directly and never renames or removes it (for temporary files
    /// owned by a caller).
    init(unmanagedPath path: String) {
        self.targetPath = path
        self.temporaryPath = path
        self.overwrite = true
        self.finished = true
        self.folder = ""
        self.namePrefix = ""
    }

    /// Makes the finished temporary file durable and moves it to the target path.
    public func commit() throws(OutputError) {
        guard !finished else { return }
        func fail(_ message: String) -> OutputError {
            discard()
            return OutputError(path: targetPath, message)
        }
        let fd = anonymous >= 0 ? anonymous : open(temporaryPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("could not reopen the finished file to sync it: \(Self.lastError())") }
        let synced = fsync(fd) == 0 ? nil : Self.lastError()
        if anonymous < 0 { close(fd) }
        if let synced { throw fail("could not make the file durable (fsync failed: \(synced)); nothing was written") }
        if anonymous >= 0 {
            try commitAnonymous()
        } else if overwrite {
            guard rename(temporaryPath, targetPath) == 0 else {
                throw fail("could not move the finished file into place: \(Self.lastError())")
            }
        } else if link(temporaryPath, targetPath) == 0 {
            unlink(temporaryPath)
        } else {
            let code = errno
            switch code {
            case EEXIST:
                throw fail(Self.lostRace)
            case EPERM, EOPNOTSUPP, EXDEV, ENOSYS, EMLINK:
                // No hard links here (FAT, some FUSE and network file systems): check, then rename.
                guard access(targetPath, F_OK) != 0 else {
                    throw fail(Self.lostRace)
                }
                guard rename(temporaryPath, targetPath) == 0 else {
                    throw fail("could not move the finished file into place: \(Self.lastError())")
                }
            default:
                throw fail("could not move the finished file into place: \(String(cString: strerror(code)))")
            }
        }
        finished = true
        Interruption.unregister(temporaryPath)
        TemporaryName.forget(temporaryPath)
        // Make the new name durable.
        let folder = URL(fileURLWithPath: targetPath).deletingLastPathComponent().path
        let dirfd = open(folder, O_RDONLY | O_CLOEXEC)
        guard dirfd >= 0 else {
            throw OutputError(path: targetPath, "the file is complete but its folder could not be opened to sync it: \(Self.lastError())")
        }
        let folderSynced = fsync(dirfd) == 0 || errno == EINVAL  // some file systems cannot sync folders
        let folderError = Self.lastError()
        close(dirfd)
        guard folderSynced else {
            throw OutputError(path: targetPath, "the file is complete but its folder could not be synced (fsync: \(folderError)); it may not survive a crash")
        }
    }

    /// Names the anonymous file: `linkat` to the target (fails if anything is there), or with
    /// `overwrite` to a named temporary that is then renamed over the target.
    private func commitAnonymous() throws(OutputError) {
        func fail(_ message: String) -> OutputError {
            discard()
            return OutputError(path: targetPath, message)
        }
        let source = temporaryPath
        if !overwrite {
            guard linkat(AT_FDCWD, source, AT_FDCWD, targetPath, AT_SYMLINK_FOLLOW) == 0 else {
                if errno == EEXIST {
                    throw fail(Self.lostRace)
                }
                throw fail("could not give the finished file its name: \(Self.lastError())")
            }
        } else {
            let named = namePrefix + String(UInt32.random(in: 0...UInt32.max), radix: 16) + ".tmp"
            guard linkat(AT_FDCWD, source, AT_FDCWD, named, AT_SYMLINK_FOLLOW) == 0 else {
                throw fail("could not give the finished file a name: \(Self.lastError())")
            }
            guard rename(named, targetPath) == 0 else {
                let reason = Self.lastError()
                unlink(named)
                throw fail("could not move the finished file into place: \(reason)")
            }
        }
        close(anonymous)
        anonymous = -1
    }

    /// Removes the temporary file (after a failure).
    public func discard() {
        guard !finished else { return }
        finished = true
        if anonymous >= 0 {
            close(anonymous)  // an unnamed file: closing its last descriptor removes it
            anonymous = -1
        } else {
            unlink(temporaryPath)
        }
        Interruption.unregister(temporaryPath)
        TemporaryName.forget(temporaryPath)
    }

    deinit {
        discard()
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    /// Why a commit without `overwrite` found the target taken.
    private static let lostRace = "the file exists (it appeared while ckpt was writing: another writer won); pass --force to overwrite it"

    /// Removes the temporaries in `folder` left by ckpt processes of this host that are gone
    /// (killed, crashed); returns their paths. Others' temporaries and live ones are kept.
    @discardableResult
    public static func reclaimStale(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names {
            guard let owner = TemporaryName.owner(of: name), owner.host == TemporaryName.host, !TemporaryName.isAlive(owner.pid)
            else { continue }
            let path = folder + "/" + name
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }
}

/// The names of ckpt's temporary files: `.NAME.ckpt-HOST-PID-RANDOM.tmp[SUFFIX]`.
public enum TemporaryName {
    /// This host's name, reduced to letters, digits, `.` and `-` (never empty).
    public static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let kept = String(name.unicodeScalars.filter { $0.properties.isASCIIHexDigit || ("a"..."z").contains($0)
            || ("A"..."Z").contains($0) || $0 == "." || $0 == "-" }.map(Character.init))
        return kept.isEmpty ? "localhost" : kept
    }()

    /// The host and process that made temporary file `name`, or nil if it is not one.
    public static func owner(of name: String) -> (host: String, pid: Int32)? {
        guard name.hasPrefix("."), let marker = name.range(of: ".ckpt-", options: .backwards) else { return nil }
        var rest = name[marker.upperBound...]
        guard let tmp = rest.range(of: ".tmp") else { return nil }
        let suffix = rest[tmp.upperBound...]
        guard suffix.isEmpty || suffix.hasPrefix(".") else { return nil }
        rest = rest[..<tmp.lowerBound]
        let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), pid > 0,
              parts[parts.count - 1].allSatisfy(\.isHexDigit), !parts[parts.count - 1].isEmpty
        else { return nil }
        let host = parts.dropLast(2).joined(separator: "-")
        return host.isEmpty ? nil : (host, pid)
    }

    private static let targets = LockedValue<[String: String]>([:])

    /// Records the target of a temporary path, for ``naming(targets:)``.
    static func remember(_ temporary: String, target: String) {
        targets.withLock { $0[temporary] = target }
    }

    /// Forgets a temporary path (committed or removed).
    static func forget(_ temporary: String) {
        targets.withLock { _ = $0.removeValue(forKey: temporary) }
    }

    /// `text` with every temporary path (`/proc/self/fd/N` of an open output, or
    /// `/dir/.NAME.ckpt-HOST-PID-RANDOM.tmp…`) replaced by its target (`/dir/NAME`): an error
    /// met while writing names the file the user asked for.
    public static func naming(targets text: String) -> String {
        var text = text
        if text.contains("/proc/self/fd/") {
            // Longest first, so /proc/self/fd/1 does not rewrite the start of /proc/self/fd/12.
            for (temporary, target) in targets.withLock({ $0 }).sorted(by: { $0.key.count > $1.key.count }) {
                text = text.replacingOccurrences(of: temporary, with: target)
            }
        }
        guard text.contains(".ckpt-") else { return text }
        let pattern = try! NSRegularExpression(pattern: #"/\.([^/'"]+?)\.ckpt-[A-Za-z0-9.-]+-[0-9]+-[0-9a-f]+\.tmp(\.weights\.h5)?"#)
        return pattern.stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "/$1")
    }

    /// Whether process `pid` exists on this host.
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}

/// An error preparing or committing an output file.
public struct OutputError: LocatedError {
    /// The target path.
    public var path: String
    /// What went wrong.
    public var message: String

    /// Creates an error.
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var location: String { path }
}
