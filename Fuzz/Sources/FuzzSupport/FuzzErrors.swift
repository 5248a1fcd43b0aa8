#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks the error a reader threw for hostile input. Throwing is the expected outcome; with
/// `CKPT_FUZZ_STRICT_ERRORS=1` an error whose message does not name the file also stops the
/// run (the issue asks for "one clear error naming the file and the tensor"), and with
/// `CKPT_FUZZ_PRINT_ERRORS=1` every error is printed (to see what a seed or reproducer gives).
public enum FuzzErrors {
    static let strict = flag("CKPT_FUZZ_STRICT_ERRORS")
    static let printing = flag("CKPT_FUZZ_PRINT_ERRORS")

    private static func flag(_ name: String) -> Bool {
        getenv(name).map { String(cString: $0) == "1" } ?? false
    }

    /// Accepts `error` thrown while reading the file at `path`.
    public static func check(_ error: any Error, path: String) {
        guard strict || printing else { return }
        let message = String(describing: error)
        if printing {
            let line = Array("ckpt-fuzz: \(type(of: error)): \(message)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        guard strict else { return }
        // A sharded checkpoint's error may name the shard at fault rather than the index.
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if !message.contains(name) && !message.contains(FuzzInput.folder + "/") {
            FuzzFailure.stop("error does not name the file \(name): \(type(of: error)): \(message)")
        }
        if message.isEmpty || message.contains("\n") {
            FuzzFailure.stop("error is not one line: \(type(of: error)): \(message)")
        }
    }
}
