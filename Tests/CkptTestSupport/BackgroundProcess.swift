import Foundation

/// A program started in the background, for tests that signal it while it runs. Its output goes
/// to files so a chatty child never blocks on a full pipe.
public final class BackgroundProcess: @unchecked Sendable {
    private let process = Process()
    private let outputFolder: URL

    /// Starts `executable` with `arguments` in `currentDirectory`.
    public init(_ executable: String, _ arguments: [String], currentDirectory: String? = nil) throws {
        outputFolder = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-bg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: outputFolder.appendingPathComponent("out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: outputFolder.appendingPathComponent("err").path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputFolder.appendingPathComponent("out"))
        process.standardError = try FileHandle(forWritingTo: outputFolder.appendingPathComponent("err"))
        try process.run()
    }

    /// Whether the program is still running.
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (`SIGINT`, `SIGTERM`) to the program.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the program to end; returns its status and output.
    public func wait() -> ProcessResult {
        process.waitUntilExit()
        let out = (try? String(contentsOf: outputFolder.appendingPathComponent("out"), encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: outputFolder.appendingPathComponent("err"), encoding: .utf8)) ?? ""
        return ProcessResult(status: process.terminationStatus, stdout: out, stderr: err)
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: outputFolder)
    }
}
