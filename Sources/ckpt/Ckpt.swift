import ArgumentParser
import CkptKit
import Foundation

@main
struct Ckpt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ckpt",
        abstract: "Make reproducible neural-network starting checkpoints that Keras, NumPy and safetensors tools load.",
        version: CkptVersion.current,
        subcommands: [Init.self, PlanCommand.self, Analyze.self, ExportKeras.self, Convert.self, Inspect.self, Diff.self, Batch.self, Clean.self, FormatsCommand.self, ProbeHDF5.self]
    )

    /// Turns on the HDF5 sandbox (this executable's `__probe-hdf5`), then runs the command.
    /// (OpenBLAS is loaded, with its kernels pinned, only when a QR runs: `OpenBLAS` in CkptKit.)
    static func main() {
        HDF5Sandbox.current = ProbeHDF5.sandbox(environment: ProcessInfo.processInfo.environment)
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let mistake = unknownSubcommand(arguments) {
            printError("ckpt: error: \(mistake)")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exitReporting(error, arguments: arguments)
        }
        // The probe child keeps the default actions: its parent decides.
        if !(command is ProbeHDF5) { Signals.install() }
        do {
            try command.run()
        } catch {
            exitReporting(error, arguments: arguments)
        }
    }

    /// The names a user can type as the first argument.
    static var subcommandNames: [String] {
        configuration.subcommands.map { $0._commandName }.filter { !$0.hasPrefix("__") }
    }

    /// `initt` or `inspekt` as the first argument: "unknown command" with the closest names.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"),
              !configuration.subcommands.contains(where: { $0._commandName == first }), first != "help" else { return nil }
        return "unknown command \"\(first)\"" + Suggestions.parenthetical(first, among: subcommandNames)
            + "; the commands are \(subcommandNames.joined(separator: ", ")) (see 'ckpt --help')"
    }

    /// Exits for `error`: help and version as ArgumentParser prints them; a usage error as one
    /// `ckpt: error:` line naming the command's help, with exit code 64; an `ExitCode` as it is.
    static func exitReporting(_ error: Error, arguments: [String]) -> Never {
        let code = exitCode(for: error)
        if code == .success || error is ExitCode { exit(withError: error) }
        let command = arguments.first.flatMap { name in configuration.subcommands.first { $0._commandName == name } }
        let help = command.map { "ckpt \($0._commandName) --help" } ?? "ckpt --help"
        let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        printError("ckpt: error: \(message) (see '\(help)')")
        Foundation.exit(code.rawValue)
    }
}

/// Runs a command body and turns any error into one line on stderr and exit code `exitCode` (1;
/// `ckpt diff` uses 2, as diff and cmp do for trouble).
func reportingErrors(exitCode: Int32 = 1, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("ckpt: error: " + TemporaryName.naming(targets: "\(error)"))
        throw ExitCode(exitCode)
    }
}

/// Writes one line to standard error (after what was printed to standard output, so the two
/// keep their order in a log that holds both).
func printError(_ line: String) {
    fflush(nil)  // every C stream: standard output is the one with anything buffered
    let single = ErrorText.oneLine(line)
    FileHandle.standardError.write(Data((single + "\n").utf8))
}
