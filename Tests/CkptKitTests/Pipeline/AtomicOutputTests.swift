import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

@Suite("Atomic output")
struct AtomicOutputTests {
    @Test func commitMovesTheFileIntoPlace() throws {
        let dir = try TemporaryDirectory()
        let output = try AtomicOutput(path: dir.path("x.bin"), overwrite: false)
        #expect(output.temporaryPath.hasPrefix(dir.url.path + "/."))
        try Data("data".utf8).write(to: URL(fileURLWithPath: output.temporaryPath))
        #expect(dir.contents().count == 1 && !dir.contents().contains("x.bin"))
        try output.commit()
        #expect(dir.contents() == ["x.bin"])
    }

    @Test func droppingWithoutCommitLeavesNothing() throws {
        let dir = try TemporaryDirectory()
        do {
            let output = try AtomicOutput(path: dir.path("x.bin"), overwrite: false)
            try Data("partial".utf8).write(to: URL(fileURLWithPath: output.temporaryPath))
        }
        #expect(dir.contents().isEmpty)
    }

    @Test func refusesExistingFilesMissingFoldersAndFolders() throws {
        let dir = try TemporaryDirectory()
        try Data().write(to: dir.url.appendingPathComponent("here"))
        #expect(throws: OutputError.self) { try AtomicOutput(path: dir.path("here"), overwrite: false) }
        #expect(throws: Never.self) { try AtomicOutput(path: dir.path("here"), overwrite: true) }
        #expect(throws: OutputError.self) { try AtomicOutput(path: dir.path("no/such/x"), overwrite: true) }
        try FileManager.default.createDirectory(atPath: dir.path("sub"), withIntermediateDirectories: false)
        #expect(throws: OutputError.self) { try AtomicOutput(path: dir.path("sub"), overwrite: true) }
    }

    @Test func aFailingWriteLeavesNoFile() throws {
        let dir = try TemporaryDirectory()
        // A plan entry whose layer dtype is an integer type makes generation fail mid-file.
        let json = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "a", "units": 4}, "build_config": {"input_shape": [null, 3]}}, {"class_name": "Dense", "config": {"name": "b", "units": 2}, "build_config": {"input_shape": [null, 4]}}]}}"#
        try json.write(toFile: dir.path("m.json"), atomically: true, encoding: .utf8)
        let request = InitRequest(specPath: dir.path("m.json"), outputPath: dir.path("m.npz"), planOptions: PlanOptions(dtype: .int32))
        #expect(throws: (any Error).self) { try Checkpoints.initialize(request) }
        #expect(dir.contents() == ["m.json"])
    }
}
