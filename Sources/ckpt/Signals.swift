import ArgumentParser
import CkptKit
import Dispatch
import Foundation

/// SIGINT, SIGTERM and SIGHUP for every command (but the HDF5 probe).
///
/// While a command that writes runs cooperatively (``cooperating(_:_:)``: `init`, `convert`,
/// `batch`), a signal is handed to it: it stops between pieces, its writers remove their
/// temporaries, and it prints one line and exits 128 + N. Otherwise, or on a second signal,
/// the registered temporary files are removed (``Interruption``), one line is printed, and the
/// process exits 128 + N at once.
enum Signals {
    static let numbers: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private static let lock = NSLock()
    nonisolated(unsafe) private static var handler: ((Int32) -> Void)?
    nonisolated(unsafe) private static var first: Int32?
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Starts delivering the signals to ``deliver(_:)``.
    static func install() {
        for number in numbers {
            // The default action would end the process at once; the source sees the signal instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { deliver(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    static var received: Int32? { lock.withLock { first } }

    /// Runs `body` with signals handed to `onSignal` (once; a second signal ends the process).
    static func cooperating<T>(_ onSignal: @escaping (Int32) -> Void, _ body: () throws -> T) rethrows -> T {
        lock.withLock { handler = onSignal }
        defer { lock.withLock { handler = nil } }
        return try body()
    }

    private static func deliver(_ number: Int32) {
        let (cooperative, isFirst) = lock.withLock { () -> (((Int32) -> Void)?, Bool) in
            let isFirst = first == nil
            if isFirst { first = number }
            return (handler, isFirst)
        }
        if let cooperative, isFirst {
            cooperative(number)
            return
        }
        let removed = Interruption.removeTemporaries()
        printError("ckpt: interrupted by \(name(of: number))" + (removed > 0 ? "; its temporary files were removed" : ""))
        exit(128 + number)
    }

    /// `SIGINT`, `SIGTERM`, `SIGHUP`.
    static func name(of number: Int32) -> String {
        switch number {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(number)"
        }
    }

    /// Runs one write (`ckpt init`, `ckpt convert`) cooperatively: on a signal it stops and
    /// removes its temporaries, prints `ckpt: interrupted by SIGINT; nothing was written to OUT`
    /// and exits 128 + N. `body` gets the cancellation test to give the request.
    static func write<T>(to output: String, _ body: (@escaping @Sendable () -> Bool) throws -> T) throws -> T {
        try cooperating({ _ in }) {
            do {
                return try body { received != nil }
            } catch {
                guard let number = received else { throw error }
                Interruption.removeTemporaries()
                printError("ckpt: interrupted by \(name(of: number)); nothing was written to \(output)")
                throw ExitCode(128 + number)
            }
        }
    }
}
