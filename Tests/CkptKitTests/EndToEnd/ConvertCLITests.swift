import Foundation
import Testing
import CkptTestSupport

/// `ckpt convert`, `ckpt inspect` and `ckpt diff` as a user runs them.
@Suite("ckpt convert, inspect and diff")
struct ConvertCLITests {
    let spec = TestPaths.fixture("keras/nested.json")

    @Test func convertThenDiffIsEqualAndExitsZero() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("a.keras"), "--seed", "1"]).status == 0)
        let converted = try ProcessRunner.ckpt(["convert", dir.path("a.keras"), dir.path("b.safetensors")])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stdout.contains("structure: the source file"))
        let diff = try ProcessRunner.ckpt(["diff", dir.path("a.keras"), dir.path("b.safetensors")])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        #expect(diff.stdout.contains("same: 12 equal"), "\(diff.stdout)")
    }

    @Test func diffExitsOneOnDifferencesAndHonoursTolerances() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("a.npz"), "--seed", "1"]).status == 0)
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("b.npz"), "--seed", "2"]).status == 0)
        #expect(try ProcessRunner.ckpt(["convert", dir.path("a.npz"), dir.path("h.npz"), "--dtype", "float16"]).status == 0)
        let other = try ProcessRunner.ckpt(["diff", dir.path("a.npz"), dir.path("b.npz")])
        #expect(other.status == 1)
        #expect(other.stdout.contains("different"))
        let rounded = try ProcessRunner.ckpt(["diff", dir.path("a.npz"), dir.path("h.npz"), "-q"])
        #expect(rounded.status == 1)
        let tolerant = try ProcessRunner.ckpt(["diff", dir.path("a.npz"), dir.path("h.npz"), "--rtol", "0.001", "--atol", "1e-4", "-q"])
        #expect(tolerant.status == 0, "\(tolerant.stdout)")
        let json = try ProcessRunner.ckpt(["diff", dir.path("a.npz"), dir.path("b.npz"), "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["equal"] as? Bool == false)
    }

    @Test func diffReportsMissingTensors() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("a.npz")]).status == 0)
        #expect(try ProcessRunner.ckpt(["init", TestPaths.fixture("keras/mlp.json"), "-o", dir.path("b.npz")]).status == 0)
        let result = try ProcessRunner.ckpt(["diff", dir.path("a.npz"), dir.path("b.npz")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("only_in_a") && result.stdout.contains("only_in_b"), "\(result.stdout)")
    }

    @Test func inspectShowsRecipeStatisticsAndJSON() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("a.safetensors"), "--seed", "5"]).status == 0)
        let table = try ProcessRunner.ckpt(["inspect", dir.path("a.safetensors")])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("recipe: ckpt 0.1.0, seed 5"), "\(table.stdout)")
        #expect(table.stdout.contains("head/head_dense1/kernel"))
        let json = try ProcessRunner.ckpt(["inspect", dir.path("a.safetensors"), "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let tensors = object?["tensors"] as? [[String: Any]]
        #expect(tensors?.count == 12)
        let gamma = tensors?.first { ($0["name"] as? String)?.hasSuffix("gamma") == true }
        #expect(gamma?["mean"] as? Double == 1 && gamma?["std"] as? Double == 0)
        let fast = try ProcessRunner.ckpt(["inspect", dir.path("a.safetensors"), "--no-stats", "--json"])
        let fastObject = try JSONSerialization.jsonObject(with: Data(fast.stdout.utf8)) as? [String: Any]
        #expect((fastObject?["tensors"] as? [[String: Any]])?.first?["mean"] == nil)
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var description: String
        var arguments: [String]
        var expected: String
    }

    static let badCases: [BadCase] = [
        BadCase(description: "missing input", arguments: ["convert", "nope.npz", "out.npz"], expected: "no such file"),
        BadCase(description: "not a checkpoint", arguments: ["convert", "junk.bin", "out.npz"], expected: "not a checkpoint"),
        BadCase(description: "truncated npz", arguments: ["convert", "cut.npz", "out.safetensors"], expected: "cut.npz"),
        BadCase(description: "keras target without structure", arguments: ["convert", "a.npz", "out.keras"], expected: "--spec"),
        BadCase(description: "existing output", arguments: ["convert", "a.npz", "a.npz"], expected: "--force"),
        BadCase(description: "bad dtype", arguments: ["convert", "a.npz", "out.npz", "--dtype", "int3"], expected: "dtype"),
        BadCase(description: "bad shard size", arguments: ["convert", "a.npz", "o.safetensors", "--max-shard-size", "lots"], expected: "size"),
        BadCase(description: "inspect garbage", arguments: ["inspect", "junk.bin"], expected: "not a checkpoint"),
        BadCase(description: "diff missing file", arguments: ["diff", "a.npz", "nope.npz"], expected: "no such file"),
    ]

    @Test(arguments: badCases)
    func badInputFailsCleanly(_ bad: BadCase) throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("a.npz")]).status == 0)
        try Data("this is not a checkpoint".utf8).write(to: dir.url.appendingPathComponent("junk.bin"))
        let whole = try Data(contentsOf: dir.url.appendingPathComponent("a.npz"))
        try whole.prefix(whole.count / 2).write(to: dir.url.appendingPathComponent("cut.npz"))
        let before = dir.contents()
        let result = try ProcessRunner.ckpt(bad.arguments, currentDirectory: dir.url.path)
        #expect(result.status != 0)
        #expect(result.stderr.contains(bad.expected), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        #expect(result.stderr.hasPrefix("ckpt: error: "))
        #expect(dir.contents() == before, "nothing may be left behind")
    }
}
