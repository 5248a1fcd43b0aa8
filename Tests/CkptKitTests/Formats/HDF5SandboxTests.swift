import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `HDF5Sandbox`: how the parent classifies the probe's end (crash, timeout, error, clean), with
/// stand-in probes run by `/bin/sh`, and the real probe (`ckpt __probe-hdf5`) on libhdf5's
/// findings. The readers' own sandbox setting (`HDF5Sandbox.current`) is left nil here.
@Suite("HDF5 sandbox")
struct HDF5SandboxTests {
    /// A sandbox whose probe is the shell script `script` (the probe's options and the file
    /// follow as `$1`, `$2`, …).
    static func shell(_ script: String, timeout: Double = 10) -> HDF5Sandbox {
        HDF5Sandbox(executablePath: "/bin/sh", arguments: ["-c", script, "probe"], timeout: timeout)
    }

    static func refusal(_ sandbox: HDF5Sandbox, path: String = "/data/m.weights.h5") -> KerasFormatError? {
        do {
            try sandbox.check(path: path)
            return nil
        } catch let error as KerasFormatError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test(arguments: [("SEGV", "SIGSEGV"), ("ABRT", "SIGABRT"), ("BUS", "SIGBUS"), ("TRAP", "SIGTRAP")])
    func aProbeKilledByASignalIsACrash(signal: String, name: String) throws {
        let error = try #require(Self.refusal(Self.shell("kill -\(signal) $$")))
        #expect(error.kind == .unreadableFile)
        #expect(error.description == "/data/m.weights.h5: libhdf5 crashed (\(name)) while reading the file's structure; the file is corrupt or not an HDF5 checkpoint")
    }

    @Test func aProbeStillRunningAtTheDeadlineIsKilled() throws {
        let start = Date()
        let error = try #require(Self.refusal(Self.shell("exec sleep 30", timeout: 0.5)))
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= 0.5 && elapsed < 5, "took \(elapsed) s")
        #expect(error.kind == .unreadableFile)
        #expect(error.description == "/data/m.weights.h5: libhdf5 did not finish reading the file's structure in 0.5 s; the file is corrupt or not an HDF5 checkpoint")
    }

    @Test func aProbeThatClosesItsOutputAndHangsIsKilledToo() throws {
        let error = try #require(Self.refusal(Self.shell("exec >&- sleep 30", timeout: 0.5)))
        #expect(error.reason.contains("did not finish"))
    }

    @Test func theChildInheritsNoDescriptorButItsStandardOnes() throws {
        // libhdf5's flock on an open file would outlive the parent's close in a child that
        // inherited the descriptor.
        let descriptor = open("/dev/null", O_RDONLY)
        #expect(descriptor > 2)
        defer { close(descriptor) }
        let outcome = try ChildProcess.run(
            "/bin/sh", ["-c", "test -e /proc/$$/fd/\(descriptor) && echo inherited || echo closed"], timeout: 10)
        #expect(outcome == .exited(status: 0, output: Array("closed\n".utf8)))
    }

    @Test func aCleanReportLetsTheFileBeOpened() throws {
        try Self.shell(#"echo '{"status":"clean"}'"#).check(path: "/data/m.weights.h5")
    }

    @Test func aCleanReportWithAFailingStatusIsRefused() throws {
        let error = try #require(Self.refusal(Self.shell(#"echo '{"status":"clean"}'; exit 3"#)))
        #expect(error.reason.hasPrefix("the HDF5 probe ended with exit status 3 without a report"))
    }

    @Test func anExitWithoutAReportIsRefused() throws {
        let error = try #require(Self.refusal(Self.shell("echo noise >&2; exit 1")))
        #expect(error.kind == .unreadableFile)
        #expect(error.reason.contains("exit status 1"))
    }

    @Test func aProbeThatCannotStartIsRefused() throws {
        let sandbox = HDF5Sandbox(executablePath: "/nonexistent/ckpt", arguments: [])
        let error = try #require(Self.refusal(sandbox))
        #expect(error.reason.hasPrefix("cannot start the HDF5 probe"))
    }

    @Test func theProbesErrorIsRethrownAsItWas() throws {
        let keras = KerasFormatError(.unsafeFile, path: "/d/m.h5", object: "'/a'", reason: "is a soft link; \"quoted\"")
        let hdf5 = HDF5Error(operation: "open dataset", objectPath: "/x", filePath: "/d/m.h5", reason: "bad object header")
        for original in [keras as any Error, hdf5] {
            let line = HDF5ProbeReport.failed(original).line
            let escaped = line.replacingOccurrences(of: "'", with: #"'\''"#)
            do {
                try Self.shell("printf '%s\\n' '\(escaped)'; exit 1").check(path: "/d/m.h5")
                Issue.record("no error for \(original)")
            } catch {
                #expect("\(error)" == "\(original)")
                #expect(type(of: error) == type(of: original))
            }
        }
    }

    @Test func theRealProbeContainsLibhdf5sCrashesAndHangs() throws {
        let sandbox = HDF5Sandbox(executablePath: TestPaths.ckptBinary, arguments: ["__probe-hdf5"], timeout: 3)
        for finding in HostileHDF5.findings {
            let start = Date()
            #expect(throws: (any Error).self, "\(finding)") { try sandbox.check(path: finding) }
            #expect(Date().timeIntervalSince(start) < 10)
        }
        try sandbox.check(path: TestPaths.fixture("formats/keras3_nested.weights.h5"))
        try sandbox.check(path: TestPaths.fixture("formats/tfkeras_small_full.h5"))
    }

    @Test func theProbeAppliesItsLimitsAndReports() throws {
        let good = try ProcessRunner.run(
            TestPaths.ckptBinary, ["__probe-hdf5", "--memory-limit", "\(4 << 30)", "--cpu-limit", "5", "--", TestPaths.fixture("formats/h5py_plain.h5")])
        #expect(good.status == 0)
        #expect(good.stdout == #"{"status":"clean"}"# + "\n")
        let missing = try ProcessRunner.run(TestPaths.ckptBinary, ["__probe-hdf5", "/nonexistent.h5"])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains(#""type":"hdf5""#), "\(missing.stdout)")
        let usage = try ProcessRunner.run(TestPaths.ckptBinary, ["__probe-hdf5"])
        #expect(usage.status == 2)
    }
}

/// The libhdf5 findings (`Fuzz/Findings/libhdf5/`): files that crash or hang libhdf5 1.10.8.
enum HostileHDF5 {
    static var findings: [String] {
        let folder = TestPaths.repository.appendingPathComponent("Fuzz/Findings/libhdf5")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".h5") }.sorted().map { folder.appendingPathComponent($0).path }
    }
}
