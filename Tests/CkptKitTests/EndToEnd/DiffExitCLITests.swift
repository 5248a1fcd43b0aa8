import Foundation
import Testing
import CkptTestSupport

/// `ckpt diff` exits as diff and cmp do (issue: it exited 1 both for "the files differ" and for
/// "a file could not be read"): 0 equal, 1 different, 2 trouble.
@Suite("ckpt diff exit status")
struct DiffExitCLITests {
    @Test func equalDifferentAndTrouble() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/mlp.json")
        for (name, seed) in [("a.npz", "1"), ("same.safetensors", "1"), ("b.npz", "2"), ("w.weights.h5", "1")] {
            #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "--seed", seed, "-q"]).status == 0)
        }
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: dir.path("junk.npz")))
        let cases: [([String], Int32)] = [
            (["diff", dir.path("a.npz"), dir.path("same.safetensors")], 0),
            (["diff", dir.path("a.npz"), dir.path("b.npz")], 1),
            (["diff", dir.path("a.npz"), dir.path("b.npz"), "--json"], 1),
            (["diff", dir.path("a.npz"), dir.path("missing.npz")], 2),
            (["diff", dir.path("junk.npz"), dir.path("a.npz")], 2),
            (["diff", dir.path("w.weights.h5"), dir.path("a.npz"), "--spec", spec], 0),
            (["diff", dir.path("w.weights.h5"), dir.path("a.npz"), "--spec", dir.path("nope.json")], 2),
            (["diff", dir.path("a.npz")], 64),
        ]
        for (arguments, status) in cases {
            let result = try ProcessRunner.ckpt(arguments)
            #expect(result.status == status, "\(arguments.dropFirst()): exit \(result.status): \(result.stderr)")
            if status == 2 {
                #expect(result.stderr.hasPrefix("ckpt: error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            }
        }
    }
}
