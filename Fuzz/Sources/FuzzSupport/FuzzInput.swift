#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-based readers need a path: each input is written to a file in a per-process folder
/// (in `/dev/shm` when there is one, so the disk is not worn), reusing the same names.
public enum FuzzInput {
    /// `<base>/ckpt-fuzz-<pid>`, created on first use. The base is `$CKPT_FUZZ_INPUT_DIR`
    /// (scripts/fuzz.sh sets it and removes it afterwards, since a crashed process leaves its
    /// folder behind), else `/dev/shm`, else `$TMPDIR` or `/tmp`.
    public static let folder: String = {
        var base = "/tmp"
        if let tmp = getenv("TMPDIR") { base = String(cString: tmp) }
        var info = stat()
        if stat("/dev/shm", &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, access("/dev/shm", W_OK) == 0 {
            base = "/dev/shm"
        }
        if let chosen = getenv("CKPT_FUZZ_INPUT_DIR") { base = String(cString: chosen) }
        let folder = "\(base)/ckpt-fuzz-\(getpid())"
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            FuzzFailure.stop("cannot create the input folder \(folder): errno \(errno)")
        }
        // Remove the folder when the fuzzer exits normally (a crash leaves it; it is small).
        atexit { FuzzInput.removeFolder() }
        return folder
    }()

    /// Writes `bytes` to `name` in the folder (replacing it) and returns its path.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, to name: String) -> String {
        let path = "\(folder)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { FuzzFailure.stop("cannot write \(path): errno \(errno)") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            guard written > 0 else { FuzzFailure.stop("cannot write \(path): errno \(errno)") }
            done += written
        }
        return path
    }

    /// Removes `name` from the folder if it is there.
    public static func remove(_ name: String) {
        unlink("\(folder)/\(name)")
    }

    private static func removeFolder() {
        guard let dir = opendir(folder) else { return }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { unlink("\(folder)/\(name)") }
        }
        closedir(dir)
        rmdir(folder)
    }
}

/// A broken invariant in the code under test: print why and abort, so libFuzzer keeps the input.
public enum FuzzFailure {
    public static func stop(_ message: String) -> Never {
        let line = Array("ckpt-fuzz: invariant broken: \(message)\n".utf8)
        _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        abort()
    }
}
