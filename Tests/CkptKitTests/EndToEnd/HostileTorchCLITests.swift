import Foundation
import Testing
import CkptTestSupport

/// Hostile pickles (Fuzz/Regressions/FuzzTorch, made by Fixtures/torch/make_hostile_pickles.py)
/// run nothing when ckpt reads them. Each payload creates a canary file in the current folder
/// when unpickled: plain Python `pickle.loads` does create it (the control: the payload is live),
/// `ckpt inspect`/`convert` refuse the file and the canary is not there. The reads run under
/// `strace -f -e trace=process`: ckpt's only `execve` is its own, it never forks, and every
/// `clone` is a thread (`CLONE_THREAD`) — the control's trace shows the shell it spawns.
@Suite("Hostile torch pickles run nothing")
struct HostileTorchCLITests {
    /// (file, canary its payload creates).
    static let payloads: [(String, String)] = [
        ("os-system-reduce.pt", "ckpt-canary-os-system"),
        ("os-system-in-state-dict.pt", "ckpt-canary-os-system"),
        ("builtins-eval.pt", "ckpt-canary-eval"),
        ("reduce-payload.pt", "ckpt-canary-reduce"),
        ("reduce-payload-protocol4.pt", "ckpt-canary-reduce"),
    ]

    static func regression(_ name: String) -> String {
        TestPaths.repository.appendingPathComponent("Fuzz/Regressions/FuzzTorch").appendingPathComponent(name).path
    }

    static func requireStrace() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else {
            Issue.record("strace is missing: run scripts/install-deps.sh")
            throw CancellationError()
        }
    }

    /// The process events of running `arguments` in `folder` under strace.
    static func traced(_ arguments: [String], in folder: TemporaryDirectory) throws -> (ProcessResult, [String]) {
        let trace = folder.path("trace.txt")
        let result = try ProcessRunner.run("/usr/bin/strace", ["-f", "-qq", "-e", "trace=process", "-o", trace] + arguments,
                                           currentDirectory: folder.url.path)
        let lines = (try String(contentsOfFile: trace, encoding: .utf8)).split(separator: "\n").map(String.init)
        try FileManager.default.removeItem(atPath: trace)
        return (result, lines)
    }

    static func spawns(_ trace: [String]) -> [String] {
        let execs = trace.filter { $0.contains("execve(") }
        let forks = trace.filter { $0.contains(" fork(") || $0.contains(" vfork(") }
        let processes = trace.filter { ($0.contains(" clone(") || $0.contains(" clone3(")) && !$0.contains("CLONE_THREAD") }
        return Array(execs.dropFirst()) + forks + processes
    }

    @Test(arguments: payloads)
    func ckptRefusesAndSpawnsNothing(file: String, canary: String) throws {
        try Self.requireStrace()
        for command in [["inspect"], ["convert"]] {
            let dir = try TemporaryDirectory()
            var arguments = [TestPaths.ckptBinary] + command + [Self.regression(file)]
            if command == ["convert"] { arguments.append(dir.path("out.safetensors")) }
            let (result, trace) = try Self.traced(arguments, in: dir)
            #expect(result.status != 0)
            #expect(result.stderr.contains("refused, nothing was run"), "\(result.stderr)")
            #expect(Self.spawns(trace).isEmpty, "\(trace)")
            #expect(dir.contents().isEmpty, "\(dir.contents())")
            #expect(!FileManager.default.fileExists(atPath: dir.path(canary)))
        }
    }

    /// The control: the same bytes given to Python's own unpickler run the payload.
    @Test(arguments: payloads)
    func thePayloadIsLive(file: String, canary: String) throws {
        try Self.requireStrace()
        let dir = try TemporaryDirectory()
        let script = "import pickle, sys, zipfile; pickle.loads(zipfile.ZipFile(sys.argv[1]).read('archive/data.pkl'))"
        let (_, trace) = try Self.traced(["/usr/bin/env", "python3", "-c", script, Self.regression(file)], in: dir)
        #expect(FileManager.default.fileExists(atPath: dir.path(canary)), "\(dir.contents())")
        if file != "builtins-eval.pt" {  // eval's open() spawns nothing; os.system runs a shell
            #expect(!Self.spawns(trace).isEmpty, "\(trace)")
        }
    }
}
