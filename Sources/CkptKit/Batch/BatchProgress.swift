import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows a batch's progress on standard error: a live bar on a terminal (outputs done/total,
/// bytes written, throughput, ETA, and the outputs being written), plain lines elsewhere (one
/// per finished output, for logs), or nothing.
///
/// Thread-safe: workers report bytes and finished outputs; the runner calls ``refresh()`` a few
/// times a second to redraw the bar.
public final class BatchProgress: @unchecked Sendable {
    /// How progress is shown.
    public enum Style: Sendable {
        /// A live bar redrawn in place (a terminal).
        case bar
        /// One line per finished output.
        case lines
        /// Nothing.
        case quiet
    }

    /// The style in use.
    public let style: Style
    private let sink: @Sendable (String) -> Void
    private let lock = NSLock()
    private var total = 0
    private var finished = 0
    private var failed = 0
    private var expectedBytes = 0
    private var bytes = 0
    private var started = Date()
    private var running: [Int: (label: String, bytes: Int, expected: Int)] = [:]
    private var drawnLines = 0

    /// Progress in `style`, written by `sink` (standard error by default).
    public init(style: Style, sink: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.style = style
        self.sink = sink
    }

    /// The style for standard error: nothing when `quiet`, the bar on a terminal, else lines.
    public static func styleForStandardError(quiet: Bool) -> Style {
        quiet ? .quiet : (isatty(STDERR_FILENO) != 0 ? .bar : .lines)
    }

    // MARK: Events

    func begin(total: Int, expectedBytes: Int) {
        lock.withLock {
            self.total = total
            self.expectedBytes = expectedBytes
            started = Date()
        }
        refresh()
    }

    func outputStarted(_ output: BatchOutput) {
        lock.withLock { running[output.id] = (output.path, 0, output.expectedBytes) }
    }

    func add(bytes count: Int, for id: Int) {
        lock.withLock {
            bytes += count
            running[id]?.bytes += count
        }
    }

    /// An output was cancelled (it will be redone by `--resume`).
    func outputCancelled(_ output: BatchOutput) {
        lock.withLock { running[output.id] = nil }
    }

    func outputFinished(_ output: BatchOutput, record: BatchRecord) {
        lock.withLock {
            running[output.id] = nil
            finished += 1
            if record.status == .failed { failed += 1 }
            // A skipped output writes nothing: it leaves the work to do, not the bytes done.
            if record.status == .skipped { expectedBytes -= output.expectedBytes }
            let line = Self.line(for: record, number: finished, total: total)
            switch style {
            case .quiet: return
            case .lines: sink(line + "\n")
            case .bar:
                // Only failures scroll above the bar; the bar counts the rest.
                if record.status == .failed { sink(clearBar() + line + "\n"); drawnLines = 0 }
            }
        }
    }

    /// Redraws the bar (a terminal only).
    public func refresh() {
        guard style == .bar else { return }
        lock.withLock { sink(clearBar() + barText()) }
    }

    /// Removes the bar, leaving the terminal as it was before the run.
    func end() {
        guard style == .bar else { return }
        lock.withLock { sink(clearBar()) }
    }

    // MARK: Drawing

    /// Moves to the start of the bar and erases it.
    private func clearBar() -> String {
        guard drawnLines > 0 else { return "" }
        let up = drawnLines > 1 ? "\u{1B}[\(drawnLines - 1)A" : ""
        drawnLines = 0
        return "\r" + up + "\u{1B}[J"
    }

    private func barText() -> String {
        let width = max(40, Self.terminalColumns() - 1)
        let elapsed = max(Date().timeIntervalSince(started), 1e-3)
        let rate = Double(bytes) / elapsed
        let fraction: Double
        if expectedBytes > 0 {
            fraction = min(1, Double(bytes) / Double(expectedBytes))
        } else {
            fraction = total == 0 ? 1 : Double(finished) / Double(total)
        }
        var eta = "--:--"
        if fraction > 0.001 && fraction < 1 {
            eta = Self.clock(elapsed / fraction - elapsed)
        } else if fraction >= 1 {
            eta = "0:00"
        }
        let cells = 20
        let filled = Int((fraction * Double(cells)).rounded(.down))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled) + "]"
        var lines = ["\(bar) \(finished)/\(total) outputs\(failed > 0 ? " (\(failed) failed)" : "")  "
            + "\(Self.bytes(bytes))  \(Self.bytes(Int(rate)))/s  ETA \(eta)"]
        let shown = running.sorted { $0.key < $1.key }.prefix(6)
        for (_, entry) in shown {
            let percent = entry.expected > 0 ? " \(min(100, entry.bytes * 100 / entry.expected))%" : ""
            lines.append("  " + Self.tail(entry.label, width - 8) + percent)
        }
        if running.count > shown.count { lines.append("  … and \(running.count - shown.count) more") }
        // Lines must not wrap, or redrawing in place would climb too few lines.
        lines[0] = lines[0].count <= width ? lines[0] : String(lines[0].prefix(width - 1)) + "…"
        lines = lines.map { Self.tail($0, width) }
        drawnLines = lines.count
        return lines.joined(separator: "\n")
    }

    /// The log line of a finished output.
    static func line(for record: BatchRecord, number: Int, total: Int) -> String {
        let count = String(total)
        let done = String(repeating: " ", count: max(0, count.count - String(number).count)) + String(number)
        let prefix = "[\(done)/\(count)] "
        switch record.status {
        case .ok:
            return prefix + "ok       \(record.path ?? record.output) (\(record.format), \(bytes(record.bytes ?? 0)), \(RecordTime.text(record.duration)))"
        case .skipped:
            return prefix + "skipped  \(record.path ?? record.output) (unchanged since the report's run)"
        case .failed:
            return prefix + "failed   \(record.output): \(record.error ?? "unknown error")"
        }
    }

    /// `1.5 MiB`.
    static func bytes(_ count: Int) -> String { NumberText.bytes(count) }

    /// `m:ss` or `h:mm:ss`.
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + ss }
        return "\(m):" + ss
    }

    /// `text` cut to its last `width` characters (paths keep their informative end).
    private static func tail(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : "…" + String(text.suffix(max(1, width - 1)))
    }

    /// The width of the terminal on standard error (80 when unknown).
    public static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}

/// Durations for people: `0.05 s`, `12.3 s`, `2:05`.
enum RecordTime {
    static func text(_ seconds: Double) -> String {
        if seconds < 10 { return "\((seconds * 100).rounded() / 100) s" }
        if seconds < 60 { return "\((seconds * 10).rounded() / 10) s" }
        return BatchProgress.clock(seconds)
    }
}
