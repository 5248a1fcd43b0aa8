import Foundation

/// Reads an untrusted HDF5 file's structure in a child process before ckpt opens the file itself.
///
/// Debian's libhdf5 1.10.8 crashes (SIGSEGV, heap overflows) or loops forever on some hostile
/// files (`Fuzz/Findings/libhdf5/`), and no check in ckpt's Swift code can run before libhdf5
/// parses the file. So, when a sandbox is configured, `HDF5CheckpointReader` first runs the
/// probe command (`executablePath`, `arguments`, then the probe's own options and the file):
/// a child that applies memory, CPU and core-dump limits to itself and opens the file exactly
/// as the reader does (every link, group, attribute and dataset description the reader touches;
/// no values), then reports on standard output (`runProbe(arguments:)`). The parent waits at
/// most `timeout` seconds. A crash, a timeout or a failed probe becomes one
/// ``KerasFormatError`` of kind `.unreadableFile` naming the file; an ordinary error the probe
/// met is rethrown as it was (a `KerasFormatError` or `HDF5Error`), and the file is not opened
/// in this process. Only a file the probe read cleanly is opened here.
///
/// The `ckpt` executable turns it on at start with its own path and the hidden `__probe-hdf5`
/// subcommand. A library user without such an executable leaves `current` nil and the readers
/// open files directly, as before. Values are still read in this process, by hyperslab; the
/// probe walks the chunk indexes (through the datasets' storage sizes) but reads no data.
public struct HDF5Sandbox: Sendable, Hashable {
    /// The program to run as the probe (the `ckpt` executable).
    public var executablePath: String
    /// Arguments before the probe's own (`["__probe-hdf5"]`).
    public var arguments: [String]
    /// Seconds the probe may run before it is killed and the file refused.
    public var timeout: Double
    /// The probe's address-space limit (`RLIMIT_AS`), in bytes.
    public var memoryLimitBytes: Int

    /// The default `timeout`: reading a real checkpoint's structure takes milliseconds.
    public static let defaultTimeout: Double = 20
    /// The default `memoryLimitBytes`, 4 GiB: structure, not values, is read.
    public static let defaultMemoryLimitBytes = 4 << 30

    /// Creates a sandbox setting.
    public init(
        executablePath: String, arguments: [String], timeout: Double = defaultTimeout,
        memoryLimitBytes: Int = defaultMemoryLimitBytes
    ) {
        self.executablePath = executablePath
        self.arguments = arguments
        self.timeout = timeout
        self.memoryLimitBytes = memoryLimitBytes
    }

    /// The sandbox the HDF5 readers use in this process, or nil (the default) to open files
    /// directly.
    ///
    /// Process-wide because every reader entry point (`CheckpointReaders.open`, the batch
    /// runner's threads) must see it; set it once at start, before reading files.
    public static var current: HDF5Sandbox? {
        get { setting.withLock { $0 } }
        set { setting.withLock { $0 = newValue } }
    }

    private static let setting = LockedValue<HDF5Sandbox?>(nil)

    /// Runs the probe on the file at `path` (or the HDF5 file embedded in it) and returns when
    /// it read the structure cleanly.
    ///
    /// Throws the probe's own error, or a ``KerasFormatError`` of kind `.unreadableFile`
    /// naming `path` when the probe crashed, timed out or could not run.
    public func check(path: String, embedding: HDF5Embedding? = nil) throws {
        func refuse(_ reason: String) -> KerasFormatError {
            KerasFormatError(.unreadableFile, path: path, reason: reason)
        }
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run(
                executablePath, arguments + probeOptions + Self.embeddingOptions(embedding) + ["--", path],
                environment: ["SWIFT_BACKTRACE": "enable=no"], timeout: timeout)
        } catch {
            throw refuse("cannot start the HDF5 probe (\(error)); the file was not opened")
        }
        let corrupt = "the file is corrupt or not an HDF5 checkpoint"
        switch outcome {
        case .timedOut:
            throw refuse("libhdf5 did not finish reading the file's structure in \(Self.seconds(timeout)); \(corrupt)")
        case .signaled(let number) where [SIGINT, SIGTERM, SIGHUP].contains(number):
            throw refuse("reading the file's structure was interrupted (\(ChildProcess.signalName(number)))")
        case .signaled(let number):
            throw refuse("libhdf5 crashed (\(ChildProcess.signalName(number))) while reading the file's structure; \(corrupt)")
        case .exited(let status, let output):
            let report = HDF5ProbeReport(output: output)
            switch (status, report) {
            case (0, .clean?):
                return
            case (HDF5ProbeReport.errorStatus, .failed(let error)?):
                throw error
            default:
                throw refuse("the HDF5 probe ended with exit status \(status) without a report while reading the file's structure; \(corrupt)")
            }
        }
    }

    /// The probe's options for this setting's limits (parsed by `runProbe(arguments:)`).
    /// `--embedded OFFSET:SIZE` for an embedded file.
    static func embeddingOptions(_ embedding: HDF5Embedding?) -> [String] {
        guard let embedding, let size = embedding.size else { return [] }
        return ["--embedded", "\(embedding.offset):\(size)"]
    }

    var probeOptions: [String] {
        ["--memory-limit", String(memoryLimitBytes), "--cpu-limit", String(Int(timeout.rounded(.up)) + 1),
         "--max-decompressed", String(HDF5CheckpointReader.maximumExpandedBytes)]
    }

    /// `20 s`, `0.5 s`.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? "\(Int(value)) s" : "\(value) s"
    }
}
