import Foundation

/// Paths tests need: the repository, its fixtures, the built `ckpt` binary, the Python venv.
public enum TestPaths {
    /// The repository root (found from this file's location).
    public static let repository: URL = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    /// A file under `Fixtures/`.
    public static func fixture(_ relativePath: String) -> String {
        repository.appendingPathComponent("Fixtures").appendingPathComponent(relativePath).path
    }

    /// The Keras 3 fixture models (`Fixtures/keras/<name>.json`, each with the
    /// `<name>.reference.json` that `Fixtures/make_fixtures.py` wrote from Keras), by name: a
    /// model added to the script is in every suite that takes this list.
    public static let kerasFixtureModels: [String] = {
        let folder = repository.appendingPathComponent("Fixtures/keras").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".reference.json") }.map { String($0.dropLast(".reference.json".count)) }.sorted()
    }()

    /// The `ckpt` binary under test: `$CKPT_BINARY`, else the one built beside the test bundle.
    public static var ckptBinary: String {
        if let override = ProcessInfo.processInfo.environment["CKPT_BINARY"], !override.isEmpty {
            return override
        }
        let runner = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        var folder = runner.deletingLastPathComponent()
        // The runner may live inside an .xctest bundle folder.
        while folder.path.count > 1 && !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("ckpt").path) {
            if folder.lastPathComponent == ".build" { break }
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("ckpt").path
    }

    /// The tf.keras interop venv's Python (`scripts/setup-python-tf.sh` creates it);
    /// `$CKPT_VENV_TF` overrides the folder.
    public static var tfVenvPython: String {
        let venv = ProcessInfo.processInfo.environment["CKPT_VENV_TF"].map { URL(fileURLWithPath: $0) }
            ?? repository.appendingPathComponent(".venv-tf")
        return venv.appendingPathComponent("bin/python").path
    }

    /// The torch/transformers/gguf interop venv's Python (`scripts/setup-python-torch.sh` creates
    /// it, outside the repository because it is large); `$CKPT_VENV_TORCH` overrides the folder.
    public static var torchVenvPython: String {
        let venv = ProcessInfo.processInfo.environment["CKPT_VENV_TORCH"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/ckpt/venv-torch")
        return venv.appendingPathComponent("bin/python").path
    }

    /// The interop venv's Python (`scripts/setup-python.sh` creates it); `$CKPT_VENV` overrides the folder.
    public static var venvPython: String {
        let venv = ProcessInfo.processInfo.environment["CKPT_VENV"].map { URL(fileURLWithPath: $0) }
            ?? repository.appendingPathComponent(".venv")
        return venv.appendingPathComponent("bin/python").path
    }
}

/// A fresh folder under the system temporary folder, removed when dropped.
public final class TemporaryDirectory: @unchecked Sendable {
    /// The folder's URL.
    public let url: URL

    /// Creates the folder.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The names of the files in the folder (hidden ones included), sorted.
    public func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// The result of running a program.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs programs and collects their output.
public enum ProcessRunner {
    /// Runs `executable` with `arguments` and waits for it.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the `ckpt` binary under test.
    public static func ckpt(_ arguments: [String], currentDirectory: String? = nil) throws -> ProcessResult {
        try run(TestPaths.ckptBinary, arguments, currentDirectory: currentDirectory)
    }
}
