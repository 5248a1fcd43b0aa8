import CkptKit
import Foundation

/// Shows a batch's progress on standard error: a live bar on a terminal (outputs done/total,
/// bytes written, throughput, ETA, and the outputs being written), plain lines elsewhere (one
/// per finished output, for logs), or nothing.
///
/// Thread-safe: workers report bytes and finished outputs; the runner ticks a few times a second
/// to redraw the bar.
final class BatchProgress: BatchProgressObserver {
    /// How progress is shown.
    enum Style: Sendable {
        /// A live bar redrawn in place (a terminal).
        case bar
        /// One line per finished output.
        case lines
        /// Nothing.
        case quiet
    }

    /// The style in use.
    let style: Style
    private let sink: @Sendable (String) -> Void
    /// What is counted and drawn, shared by the workers and the runner's ticks.
    private let board = LockedValue(Board())

    /// Progress in `style`, written by `sink` (standard error by default).
    init(style: Style, sink: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.style = style
        self.sink = sink
    }

    /// The style for standard error: nothing when `quiet`, the bar on a terminal, else lines.
    static func styleForStandardError(quiet: Bool) -> Style {
        quiet ? .quiet : (Terminal.standardErrorIsTerminal ? .bar : .lines)
    }

    // MARK: Events

    func batchStarted(outputs total: Int, expectedBytes: Int) {
        board.withLock { board in
            board.total = total
            board.expectedBytes = expectedBytes
            board.started = Date()
        }
        tick()
    }

    func outputStarted(_ output: BatchOutput) {
        board.withLock { $0.running[output.id] = (output.path, 0, output.expectedBytes) }
    }

    func output(_ id: Int, wrote count: Int) {
        board.withLock { board in
            board.bytes += count
            board.running[id]?.bytes += count
        }
    }

    func outputCancelled(_ output: BatchOutput) {
        board.withLock { $0.running[output.id] = nil }
    }

    func outputFinished(_ output: BatchOutput, _ outcome: BatchOutcome) {
        board.withLock { board in
            board.running[output.id] = nil
            board.finished += 1
            if outcome.status == .failed { board.failed += 1 }
            // A skipped output writes nothing: it leaves the work to do, not the bytes done.
            if outcome.status == .skipped { board.expectedBytes -= output.expectedBytes }
            let line = Self.line(for: outcome, number: board.finished, total: board.total)
            switch style {
            case .quiet: return
            case .lines: sink(line + "\n")
            case .bar:
                // Only failures scroll above the bar; the bar counts the rest.
                if outcome.status == .failed { sink(board.clearBar() + line + "\n"); board.drawnLines = 0 }
            }
        }
    }

    /// Redraws the bar (a terminal only).
    func tick() {
        guard style == .bar else { return }
        board.withLock { sink($0.clearBar() + $0.barText()) }
    }

    /// Removes the bar, leaving the terminal as it was before the run.
    func batchEnded() {
        guard style == .bar else { return }
        board.withLock { sink($0.clearBar()) }
    }

    // MARK: Drawing

    /// The counts and the bar's state.
    private struct Board {
        var total = 0
        var finished = 0
        var failed = 0
        var expectedBytes = 0
        var bytes = 0
        var started = Date()
        var running: [Int: (label: String, bytes: Int, expected: Int)] = [:]
        var drawnLines = 0

        /// Moves to the start of the bar and erases it.
        mutating func clearBar() -> String {
            guard drawnLines > 0 else { return "" }
            let up = drawnLines > 1 ? "\u{1B}[\(drawnLines - 1)A" : ""
            drawnLines = 0
            return "\r" + up + "\u{1B}[J"
        }

        mutating func barText() -> String {
            let width = max(40, Terminal.columns() - 1)
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
                eta = TimeText.clock(elapsed / fraction - elapsed)
            } else if fraction >= 1 {
                eta = "0:00"
            }
            let cells = 20
            let filled = Int((fraction * Double(cells)).rounded(.down))
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled) + "]"
            var lines = ["\(bar) \(finished)/\(total) outputs\(failed > 0 ? " (\(failed) failed)" : "")  "
                + "\(NumberText.bytes(bytes))  \(NumberText.bytes(Int(rate)))/s  ETA \(eta)"]
            let shown = running.sorted { $0.key < $1.key }.prefix(6)
            for (_, entry) in shown {
                let percent = entry.expected > 0 ? " \(min(100, entry.bytes * 100 / entry.expected))%" : ""
                lines.append("  " + BatchProgress.tail(entry.label, width - 8) + percent)
            }
            if running.count > shown.count { lines.append("  … and \(running.count - shown.count) more") }
            // Lines must not wrap, or redrawing in place would climb too few lines.
            lines[0] = lines[0].count <= width ? lines[0] : String(lines[0].prefix(width - 1)) + "…"
            lines = lines.map { BatchProgress.tail($0, width) }
            drawnLines = lines.count
            return lines.joined(separator: "\n")
        }
    }

    /// The log line of a finished output.
    static func line(for outcome: BatchOutcome, number: Int, total: Int) -> String {
        let count = String(total)
        let done = String(repeating: " ", count: max(0, count.count - String(number).count)) + String(number)
        let prefix = "[\(done)/\(count)] "
        switch outcome.status {
        case .ok:
            return prefix + "ok       \(outcome.path ?? outcome.output) (\(outcome.format), \(NumberText.bytes(outcome.bytes ?? 0)), \(TimeText.duration(outcome.duration)))"
        case .skipped:
            return prefix + "skipped  \(outcome.path ?? outcome.output) (unchanged since the report's run)"
        case .failed:
            return prefix + "failed   \(outcome.output): \(outcome.error ?? "unknown error")"
        }
    }

    /// `text` cut to its last `width` characters (paths keep their informative end).
    private static func tail(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : "…" + String(text.suffix(max(1, width - 1)))
    }
}
