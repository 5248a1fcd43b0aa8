import Foundation
import Testing
import CkptTestSupport

/// Runs the built `ckpt` binary, as a user would.
@Suite("ckpt command line")
struct CLITests {
    let mlp = TestPaths.fixture("keras/mlp.json")

    @Test func initWritesBothFormatsAndReportsThem() throws {
        let dir = try TemporaryDirectory()
        for name in ["m.weights.h5", "m.npz"] {
            let result = try ProcessRunner.ckpt(["init", mlp, "-o", dir.path(name), "--seed", "7"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("6 tensors"), "\(result.stdout)")
            #expect(result.stderr.isEmpty)
        }
        #expect(dir.contents() == ["m.npz", "m.weights.h5"])
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let dir = try TemporaryDirectory()
        for format in ["weights.h5", "npz"] {
            for (name, seed) in [("a", "7"), ("b", "7"), ("c", "8")] {
                let result = try ProcessRunner.ckpt(["init", mlp, "-o", dir.path("\(name).\(format)"), "--seed", seed])
                #expect(result.status == 0, "\(result.stderr)")
            }
            let a = try Data(contentsOf: dir.url.appendingPathComponent("a.\(format)"))
            let b = try Data(contentsOf: dir.url.appendingPathComponent("b.\(format)"))
            let c = try Data(contentsOf: dir.url.appendingPathComponent("c.\(format)"))
            #expect(a == b, "\(format): the same seed must give byte-identical files")
            #expect(a != c, "\(format): another seed must give other values")
            #expect(a.count == c.count)
        }
    }

    @Test func compressedNpzIsSmallerAndDifferent() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", mlp, "-o", dir.path("s.npz")]).status == 0)
        #expect(try ProcessRunner.ckpt(["init", mlp, "-o", dir.path("z.npz"), "--compress"]).status == 0)
        let stored = try Data(contentsOf: dir.url.appendingPathComponent("s.npz"))
        let deflated = try Data(contentsOf: dir.url.appendingPathComponent("z.npz"))
        #expect(deflated.count < stored.count)
    }

    @Test func formatFlagOverridesTheName() throws {
        let dir = try TemporaryDirectory()
        let result = try ProcessRunner.ckpt(["init", mlp, "-o", dir.path("weights.bin"), "--format", "npz"])
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try Data(contentsOf: dir.url.appendingPathComponent("weights.bin"))
        #expect(bytes.prefix(2) == Data("PK".utf8))
    }

    @Test func planPrintsATableAndJSON() throws {
        let table = try ProcessRunner.ckpt(["plan", mlp])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("he_uniform"))
        #expect(table.stdout.contains("total: 6 tensors"))
        let json = try ProcessRunner.ckpt(["plan", mlp, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let tensors = object?["tensors"] as? [[String: Any]]
        #expect(tensors?.count == 6)
        #expect(tensors?.first?["keras_path"] as? String == "layers/dense/vars/0")
    }

    // MARK: bad input: one line on stderr, non-zero exit, nothing written

    struct BadCase: Sendable, CustomStringConvertible {
        var description: String
        var spec: String
        var output: String
        var extra: [String] = []
        var expected: String
    }

    static let badCases: [BadCase] = [
        BadCase(description: "malformed JSON", spec: "bad.json", output: "o.npz", expected: "line 2, column"),
        BadCase(description: "unknown layer", spec: "unknown.json", output: "o.npz", expected: "unknown layer class \"Frobnicate\""),
        BadCase(description: "missing spec", spec: "missing.json", output: "o.npz", expected: "no such file"),
        BadCase(description: "missing folder", spec: "good.json", output: "nowhere/o.npz", expected: "does not exist"),
        BadCase(description: "existing output", spec: "good.json", output: "exists.npz", expected: "--force"),
        BadCase(description: "unknown extension", spec: "good.json", output: "o.onnx", expected: "cannot tell the output format"),
        BadCase(description: "unknown format", spec: "good.json", output: "o.npz", extra: ["--format", "tflite"], expected: "unknown --format \"tflite\""),
        BadCase(description: "unknown dtype", spec: "good.json", output: "o.npz", extra: ["--dtype", "float8"], expected: "unknown --dtype"),
    ]

    @Test(arguments: badCases)
    func badInputFailsCleanly(_ bad: BadCase) throws {
        let dir = try TemporaryDirectory()
        try "{\"class_name\": \"Sequential\",\n  \"config\": {\"layers\": [}}".write(toFile: dir.path("bad.json"), atomically: true, encoding: .utf8)
        try #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Frobnicate", "config": {"name": "f"}, "build_config": {"input_shape": [null, 3]}}]}}"#
            .write(toFile: dir.path("unknown.json"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: mlp, toPath: dir.path("good.json"))
        try Data("keep me".utf8).write(to: dir.url.appendingPathComponent("exists.npz"))
        let before = dir.contents()
        let result = try ProcessRunner.ckpt(["init", bad.spec, "-o", bad.output] + bad.extra, currentDirectory: dir.url.path)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("ckpt: error: "), "\(result.stderr)")
        #expect(result.stderr.contains(bad.expected), "\(result.stderr)")
        #expect(dir.contents() == before, "nothing may be left behind")
        #expect(try String(contentsOfFile: dir.path("exists.npz"), encoding: .utf8) == "keep me")
    }

    @Test func forceOverwrites() throws {
        let dir = try TemporaryDirectory()
        try Data("old".utf8).write(to: dir.url.appendingPathComponent("o.npz"))
        let result = try ProcessRunner.ckpt(["init", mlp, "-o", dir.path("o.npz"), "--force"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: dir.url.appendingPathComponent("o.npz")).prefix(2) == Data("PK".utf8))
        #expect(dir.contents() == ["o.npz"])
    }
}
