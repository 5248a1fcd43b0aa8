import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    /// The child side of `HDF5Sandbox`: reads an HDF5 file's structure under resource limits
    /// and reports on standard output. Hidden; ckpt runs it on itself before opening an HDF5
    /// file it did not write.
    struct ProbeHDF5: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "__probe-hdf5",
            abstract: "Internal: read an HDF5 file's structure in a sandboxed child process.",
            shouldDisplay: false
        )

        @Argument(parsing: .captureForPassthrough, help: "[--memory-limit BYTES] [--cpu-limit SECONDS] [--max-decompressed BYTES] [--embedded OFFSET:SIZE] [--] FILE")
        var arguments: [String] = []

        func run() throws {
            let status = HDF5Sandbox.runProbe(arguments: arguments)
            if status != 0 { throw ExitCode(status) }
        }

        /// The sandbox for this executable: `CKPT_HDF5_PROBE=off` turns it off,
        /// `CKPT_HDF5_PROBE_TIMEOUT` sets the timeout in seconds (default 20).
        static func sandbox(environment: [String: String]) -> HDF5Sandbox? {
            if let setting = environment["CKPT_HDF5_PROBE"]?.lowercased(), ["off", "0", "no", "false"].contains(setting) {
                return nil
            }
            guard let executable = executablePath() else { return nil }
            var sandbox = HDF5Sandbox(executablePath: executable, arguments: ["__probe-hdf5"])
            if let text = environment["CKPT_HDF5_PROBE_TIMEOUT"], let seconds = Double(text), seconds > 0 {
                sandbox.timeout = seconds
            }
            return sandbox
        }

        /// This executable's path: `/proc/self/exe` on Linux, else the bundle's.
        private static func executablePath() -> String? {
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                return path
            }
            return Bundle.main.executablePath
        }
    }
}
