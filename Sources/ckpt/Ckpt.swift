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

    /// Pins OpenBLAS's kernels, turns on the HDF5 sandbox (this executable's `__probe-hdf5`),
    /// then runs the command.
    static func main() {
        pinOpenBLASKernels()
        HDF5Sandbox.current = ProbeHDF5.sandbox(environment: ProcessInfo.processInfo.environment)
        main(nil)
    }
}

/// OpenBLAS chooses its kernels when it loads (before `main`) from the CPU, or from
/// `OPENBLAS_CORETYPE`. Debian's OpenBLAS does not know every recent Xeon and falls back to slow
/// generic kernels there, and kernel families round differently, so the orthogonal initializer's
/// QR would give other bytes on other CPUs. On every AVX2 CPU ckpt therefore runs with the Haswell
/// kernels: unless the user set `OPENBLAS_CORETYPE`, it re-executes itself once with
/// `OPENBLAS_CORETYPE=Haswell` (about 20 ms, only for `init` and `batch`, the commands that
/// generate values). If the exec fails, it carries on as it is.
func pinOpenBLASKernels() {
    #if os(Linux) && arch(x86_64)
    let arguments = CommandLine.arguments
    guard arguments.count > 1, ["init", "batch"].contains(arguments[1]) else { return }
    guard getenv("OPENBLAS_CORETYPE") == nil, KernelLevel.detected >= .avx2 else { return }
    setenv("OPENBLAS_CORETYPE", "Haswell", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    #endif
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
