import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

@Suite("Atomic output")
struct AtomicOutputTests {
    @Test func commitMovesTheFileIntoPlace() throws {
        for named in [false, true] {
            let dir = try TemporaryDirectory()
            let output = try AtomicOutput(path: dir.path("x.bin"), overwrite: false, named: named)
            // An unnamed O_TMPFILE file where the file system has them (tmpfs, ext4, …), else named.
            #expect(output.isAnonymous ? output.temporaryPath.hasPrefix("/proc/self/fd/") : output.temporaryPath.hasPrefix(dir.url.path + "/."))
            #expect(output.isAnonymous != named || named == false)
            try Data("data".utf8).write(to: URL(fileURLWithPath: output.temporaryPath))
            #expect(dir.contents().count == (output.isAnonymous ? 0 : 1) && !dir.contents().contains("x.bin"))
            try output.commit()
            #expect(dir.contents() == ["x.bin"])
            #expect(try String(contentsOfFile: dir.path("x.bin"), encoding: .utf8) == "data")
        }
    }

    @Test func withoutOverwriteAFileThatAppearsIsNotReplaced() throws {
        for named in [false, true] {
            let dir = try TemporaryDirectory()
            let output = try AtomicOutput(path: dir.path("x.bin"), overwrite: false, named: named)
            try Data("mine".utf8).write(to: URL(fileURLWithPath: output.temporaryPath))
            try Data("theirs".utf8).write(to: URL(fileURLWithPath: dir.path("x.bin")))  // another writer won
            let error = try #require(throws: OutputError.self) { try output.commit() }
            #expect(error.message.contains("another writer won"))
            #expect(try String(contentsOfFile: dir.path("x.bin"), encoding: .utf8) == "theirs")
            #expect(dir.contents() == ["x.bin"], "no temporary left")
            // With overwrite the last writer wins.
            let forced = try AtomicOutput(path: dir.path("x.bin"), overwrite: true, named: named)
            try Data("last".utf8).write(to: URL(fileURLWithPath: forced.temporaryPath))
            try forced.commit()
            #expect(try String(contentsOfFile: dir.path("x.bin"), encoding: .utf8) == "last")
            #expect(dir.contents() == ["x.bin"])
        }
    }

    @Test func staleTemporariesOfDeadProcessesAreReclaimed() throws {
        let dir = try TemporaryDirectory()
        let host = TemporaryName.host
        let dead = ".m.npz.ckpt-\(host)-999999-ab12.tmp"            // no such process
        let alive = ".m.npz.ckpt-\(host)-\(getpid())-cd34.tmp"      // this process
        let other = ".m.npz.ckpt-some-other-host-12-ef56.tmp"        // another host's
        let sibling = ".m.keras.ckpt-\(host)-999998-0a.tmp.weights.h5"
        for name in [dead, alive, other, sibling, "keep.npz"] { try Data().write(to: dir.url.appendingPathComponent(name)) }
        #expect(TemporaryName.owner(of: other)?.host == "some-other-host")
        #expect(TemporaryName.owner(of: "keep.npz") == nil)
        _ = try AtomicOutput(path: dir.path("new.npz"), overwrite: false)
        #expect(Set(dir.contents()) == [alive, other, "keep.npz"])
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
