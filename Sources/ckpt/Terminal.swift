#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal standard error writes to, for the progress bars.
enum Terminal {
    /// Whether standard error is a terminal (the bars are drawn only there).
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// The width of the terminal on standard error (80 when unknown).
    static func columns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
