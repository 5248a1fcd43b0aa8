import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `ckpt inspect`, `convert` and `diff` on files that crash or hang libhdf5 1.10.8
/// (`Fuzz/Findings/libhdf5/`): one error line naming the file, exit 1, in bounded time, nothing
/// written. The probe's timeout is set to 3 s so the hanging file costs 3 s, not 20.
@Suite("ckpt on hostile HDF5 files")
struct HostileHDF5CLITests {
    static let probeTimeout = 3.0
    static let environment = ["CKPT_HDF5_PROBE_TIMEOUT": "\(probeTimeout)"]

    static func run(_ arguments: [String], environment: [String: String] = environment) throws -> (ProcessResult, TimeInterval) {
        let start = Date()
        let result = try ProcessRunner.run(TestPaths.ckptBinary, arguments, environment: environment)
        return (result, Date().timeIntervalSince(start))
    }

    /// Exit 1, exactly one stderr line `ckpt: error: …` containing `name`, within the bound.
    static func expectOneError(_ result: ProcessResult, _ elapsed: TimeInterval, naming name: String, _ what: String) {
        // `diff` says trouble with 2, as diff and cmp; every other command with 1.
        #expect(result.status == (what.hasPrefix("ckpt diff") ? 2 : 1), "\(what): \(result.stderr)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "\(what): stderr must be one line: \(result.stderr)")
        #expect(result.stderr.hasPrefix("ckpt: error: "), "\(what): \(result.stderr)")
        #expect(result.stderr.contains(name), "\(what): \(result.stderr)")
        #expect(elapsed < probeTimeout + 7, "\(what) took \(elapsed) s")
    }

    static var findingNames: [String] { HostileHDF5.findings.map { URL(fileURLWithPath: $0).lastPathComponent } }

    @Test(arguments: findingNames)
    func inspectConvertAndDiffEndInOneError(name: String) throws {
        let dir = try TemporaryDirectory()
        let file = dir.path(name)
        try FileManager.default.copyItem(atPath: HostileHDF5.findings.first { $0.hasSuffix("/" + name) }!, toPath: file)
        let commands = [
            ["inspect", file],
            ["convert", file, dir.path("out.npz")],
            ["convert", file, dir.path("out.weights.h5")],
            ["diff", file, file],
        ]
        for arguments in commands {
            let (result, elapsed) = try Self.run(arguments)
            Self.expectOneError(result, elapsed, naming: file, "ckpt \(arguments[0]) \(name)")
            #expect(result.stdout.isEmpty)
        }
        #expect(dir.contents() == [name], "nothing may be left behind")
    }

    @Test(arguments: findingNames)
    func aKerasArchiveHoldingTheFileEndsInOneError(name: String) throws {
        let dir = try TemporaryDirectory()
        let temporary = dir.path("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let hostile = try ZipTestFiles.bytes(of: HostileHDF5.findings.first { $0.hasSuffix("/" + name) }!)
        let members = try ZipTestFiles.readArchive(TestPaths.fixture("formats/keras3_nested.keras"))
            .map { $0.name == "model.weights.h5" ? ($0.name, hostile) : $0 }
        let archive = dir.path("m.keras")
        try ZipTestFiles.writeArchive(archive, members: members)
        var environment = Self.environment
        environment["TMPDIR"] = temporary
        for arguments in [["inspect", archive], ["convert", archive, dir.path("out.npz")]] {
            let (result, elapsed) = try Self.run(arguments, environment: environment)
            Self.expectOneError(result, elapsed, naming: archive, "ckpt \(arguments[0]) m.keras with \(name)")
            #expect(result.stderr.contains("model.weights.h5"), "\(result.stderr)")
        }
        #expect(dir.contents() == ["m.keras", "tmp"])
        #expect((try? FileManager.default.contentsOfDirectory(atPath: temporary)) == [], "the extracted weights are removed")
    }

    @Test func goodFilesStillWorkWithAndWithoutTheProbe() throws {
        let dir = try TemporaryDirectory()
        for setting in [Self.environment, ["CKPT_HDF5_PROBE": "off"]] {
            for fixture in ["keras3_nested.weights.h5", "keras3_nested.keras", "tfkeras_small_full.h5", "h5py_plain.h5"] {
                let (inspect, _) = try Self.run(["inspect", TestPaths.fixture("formats/" + fixture)], environment: setting)
                #expect(inspect.status == 0, "\(fixture) \(setting): \(inspect.stderr)")
                #expect(inspect.stderr.isEmpty)
            }
            let output = dir.path("out-\(setting.count)-\(setting.keys.sorted()[0]).npz")
            let (convert, _) = try Self.run(["convert", TestPaths.fixture("formats/keras3_nested.weights.h5"), output], environment: setting)
            #expect(convert.status == 0, "\(convert.stderr)")
        }
    }

    @Test func theProbeIsHiddenFromHelp() throws {
        let help = try ProcessRunner.ckpt(["--help"])
        #expect(help.status == 0)
        #expect(!help.stdout.contains("probe"), "\(help.stdout)")
    }
}
