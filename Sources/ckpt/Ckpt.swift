import ArgumentParser
import CkptKit
import Foundation

@main
struct Ckpt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ckpt",
        abstract: "Make reproducible neural-network starting checkpoints that Keras, NumPy and safetensors tools load.",
        version: CkptVersion.current,
        subcommands: [Init.self, PlanCommand.self, ExportKeras.self, Convert.self, Inspect.self, Diff.self, Batch.self, ProbeHDF5.self]
    )

    /// Turns on the HDF5 sandbox (this executable's `__probe-hdf5`), then runs the command.
    /// (OpenBLAS is loaded, with its kernels pinned, only when a QR runs: `OpenBLAS` in CkptKit.)
    static func main() {
        HDF5Sandbox.current = ProbeHDF5.sandbox(environment: ProcessInfo.processInfo.environment)
        main(nil)
    }
}

/// Runs a command body and turns any error into one line on stderr and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("ckpt: error: \(error)")
        throw ExitCode(1)
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    let single = line.replacingOccurrences(of: "\n", with: " ")
    FileHandle.standardError.write(Data((single + "\n").utf8))
}
