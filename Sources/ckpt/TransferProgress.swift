import CkptKit
import Foundation

/// The progress bar of one `ckpt init` or `ckpt convert` on a terminal: bytes written of the
/// total, throughput and ETA, redrawn in place at most ten times a second on standard error and
/// cleared at the end. Off when standard error is not a terminal or with `--quiet`.
final class TransferProgress: Sendable {
    private let enabled: Bool
    private let label: String
    /// The counts and the bar's state, updated by the writing threads.
    private struct State {
        var total = 0
        var done = 0
        var started = Date()
        var lastDraw = Date.distantPast
        var drawn = false
    }
    private let state = LockedValue(State())

    /// A bar for writing `label` (the output path), shown only on a terminal and when not `quiet`.
    init(label: String, quiet: Bool) {
        self.label = label
        enabled = !quiet && Terminal.standardErrorIsTerminal
    }

    /// The request hooks: the total when writing starts, then bytes as they are written.
    var onStart: @Sendable (Int) -> Void { { [self] total in start(total: total) } }
    var onBytes: @Sendable (Int) -> Void { { [self] count in add(count) } }

    func start(total: Int) {
        state.withLock { state in
            state.total = total
            state.started = Date()
        }
    }

    func add(_ count: Int) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            state.done += count
            let now = Date()
            guard now.timeIntervalSince(state.lastDraw) >= 0.1 else { return nil }
            state.lastDraw = now
            state.drawn = true
            return Self.line(label: label, done: state.done, total: state.total, seconds: now.timeIntervalSince(state.started),
                             width: Terminal.columns())
        }
        if let line { FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8)) }
    }

    /// Clears the bar (before the summary line or an error).
    func finish() {
        let clear = state.withLock { state -> Bool in
            defer { state.drawn = false }
            return state.drawn
        }
        if clear { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    /// `[=======>        ] 1.2 GiB / 4.9 GiB  512 MiB/s  ETA 0:07  out.safetensors`, cut to `width`.
    static func line(label: String, done: Int, total: Int, seconds: Double, width: Int) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let barWidth = 24
        let filled = Int(fraction * Double(barWidth))
        let bar = "[" + String(repeating: "=", count: filled) + (filled < barWidth ? ">" : "")
            + String(repeating: " ", count: max(0, barWidth - filled - 1)) + "]"
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var text = "\(bar) \(NumberText.bytes(done)) / \(NumberText.bytes(total))"
        if rate > 0 {
            text += "  \(NumberText.bytes(Int(rate)))/s"
            if total > done { text += "  ETA \(TimeText.clock(Double(total - done) / rate))" }
        }
        text += "  " + label
        return String(text.prefix(max(20, width - 1)))
    }
}
