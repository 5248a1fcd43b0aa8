import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Expanding jobs into outputs, and the checks made before any work starts.
@Suite("Batch planner")
struct BatchPlannerTests {
    /// A folder with the mlp and nested specs and a jobs file `jobs.json` holding `jobs`.
    static func folder(jobs: String) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: TestPaths.fixture("keras/mlp.json"), toPath: dir.path("mlp.json"))
        try FileManager.default.copyItem(atPath: TestPaths.fixture("keras/nested.json"), toPath: dir.path("nested.json"))
        try jobs.write(toFile: dir.path("jobs.json"), atomically: true, encoding: .utf8)
        return dir
    }

    static func plan(_ dir: TemporaryDirectory, _ options: BatchOptions = BatchOptions()) throws -> BatchPlan {
        try BatchPlanner.plan(try JobsFile.load(path: dir.path("jobs.json")), options: options)
    }

    /// The error message of planning, or nil when it plans.
    static func planError(_ dir: TemporaryDirectory, _ options: BatchOptions = BatchOptions()) -> String? {
        do {
            _ = try plan(dir, options)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func expandsSeedsFormatsAndDtypesWithPlaceholders() throws {
        let dir = try Self.folder(jobs: """
            {"jobs": [{"init": "mlp.json", "seeds": "0..2", "formats": ["npz", "safetensors"], "dtype": ["float16", "bfloat16"],
                       "output": "out/{name}/{dtype}/s{seed}.{format}"}]}
            """)
        let plan = try Self.plan(dir)
        #expect(plan.outputs.count == 12)
        #expect(plan.outputs.map(\.id) == Array(0..<12))
        let first = try #require(plan.outputs.first)
        // Sorted by the path as written: bfloat16 before float16, npz before safetensors.
        #expect(first.path == dir.path("out/mlp/bfloat16/s0.npz"))
        #expect(first.sortKey == "out/mlp/bfloat16/s0.npz")
        #expect(first.format == .npz && first.dtype == .bfloat16 && first.seed == 0 && first.spec == dir.path("mlp.json"))
        #expect(first.expectedBytes == 235_146 * 2)
        #expect(plan.outputs.map(\.sortKey) == plan.outputs.map(\.sortKey).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func theOrderDoesNotDependOnTheJobsOrder() throws {
        let a = try Self.folder(jobs: #"{"jobs": [{"init": "mlp.json", "seeds": "0..4", "output": "m{seed}.npz"}, {"init": "nested.json", "seeds": [9, 1], "output": "n{seed}.npz"}]}"#)
        let b = try Self.folder(jobs: #"{"jobs": [{"init": "nested.json", "seeds": [1, 9], "output": "n{seed}.npz"}, {"init": "mlp.json", "seeds": "4,3,2,1,0", "output": "m{seed}.npz"}]}"#)
        #expect(try Self.plan(a).outputs.map(\.sortKey) == Self.plan(b).outputs.map(\.sortKey))
    }

    @Test func shardsSplitTheSortedListWithoutOverlap() throws {
        let dir = try Self.folder(jobs: #"{"jobs": [{"init": "mlp.json", "seeds": "0..9", "output": "m{seed}.npz"}]}"#)
        let all = try Self.plan(dir).outputs.map(\.path)
        var union: [String] = []
        for part in 1...3 {
            let plan = try Self.plan(dir, BatchOptions(shard: ShardSelection(part: part, count: 3)))
            #expect(plan.selected.allSatisfy { $0.id % 3 == part - 1 })
            union += plan.selected.map(\.path)
        }
        #expect(union.count == all.count)
        #expect(Set(union) == Set(all))
    }

    @Test func convertExpandsGlobsAgainstTheJobsFolder() throws {
        let dir = try Self.folder(jobs: #"{"jobs": [{"convert": ["legacy/*.npz", "legacy/b.npz"], "to": ["safetensors", "npz"], "output": "conv/"}]}"#)
        try FileManager.default.createDirectory(atPath: dir.path("legacy"), withIntermediateDirectories: true)
        for name in ["a.npz", "b.npz", "notes.txt"] { _ = FileManager.default.createFile(atPath: dir.path("legacy/\(name)"), contents: Data()) }
        let plan = try Self.plan(dir)
        #expect(plan.outputs.map(\.sortKey) == ["conv/a.npz", "conv/a.safetensors", "conv/b.npz", "conv/b.safetensors"])
        #expect(plan.outputs[0].input == dir.path("legacy/a.npz"))
    }

    struct BadPlan: Sendable, CustomStringConvertible {
        var description: String
        var jobs: String
        var expected: [String]
    }

    static let badPlans: [BadPlan] = [
        BadPlan(description: "missing spec", jobs: #"{"jobs": [{"init": "mlp.json", "output": "a.npz"}, {"init": "gone.json", "output": "b.npz"}]}"#,
                expected: [#"job 2 ("init"), field "init": no such file "gone.json""#]),
        BadPlan(description: "glob matches nothing", jobs: #"{"jobs": [{"init": "mlp.json", "output": "a.npz"}, {"convert": "legacy/*.h5", "to": "safetensors", "output": "c/{stem}.{format}"}]}"#,
                expected: [#"jobs.json: job 2 ("convert"), field "convert": no file matches "legacy/*.h5""#]),
        BadPlan(description: "missing input", jobs: #"{"jobs": [{"convert": "x.npz", "output": "c.safetensors"}]}"#,
                expected: [#"field "convert": no such file "x.npz""#]),
        BadPlan(description: "missing convert spec", jobs: #"{"jobs": [{"convert": "mlp.json", "spec": "no.json", "output": "c.safetensors"}]}"#,
                expected: [#"field "spec": no such file "no.json""#]),
        BadPlan(description: "collision", jobs: #"{"jobs": [{"init": "mlp.json", "seeds": [1, 2], "output": "o/{seed}.npz"}, {"init": "nested.json", "seeds": [2], "output": "o/./{seed}.npz"}]}"#,
                expected: [#"field "output": two outputs land on"#, "2.npz", "job 1", "job 2"]),
        BadPlan(description: "seeds without {seed}", jobs: #"{"jobs": [{"init": "mlp.json", "seeds": "0..3", "output": "o.npz"}]}"#,
                expected: [#"field "output": 4 seeds would all be written to "o.npz"; put {seed} in the output"#]),
        BadPlan(description: "unknown placeholder", jobs: #"{"jobs": [{"init": "mlp.json", "output": "o{sed}.npz"}]}"#,
                expected: ["unknown placeholder {sed}"]),
        BadPlan(description: "{format} without formats", jobs: #"{"jobs": [{"init": "mlp.json", "output": "o.{format}"}]}"#,
                expected: [#"{format} needs the formats to write: add "formats""#]),
        BadPlan(description: "unknown extension", jobs: #"{"jobs": [{"init": "mlp.json", "output": "o.onnx"}]}"#,
                expected: [#"cannot tell the format of "o.onnx""#]),
        BadPlan(description: "{stem} in init", jobs: #"{"jobs": [{"init": "mlp.json", "output": "{stem}.npz"}]}"#,
                expected: ["{stem} is a convert job's input name"]),
        BadPlan(description: "only_shards without size", jobs: #"{"jobs": [{"init": "mlp.json", "only_shards": "1/2", "output": "o.safetensors"}]}"#,
                expected: [#"field "only_shards""#, "max_shard_size"]),
        BadPlan(description: "only_shards of npz", jobs: #"{"jobs": [{"init": "mlp.json", "only_shards": "1/2", "max_shard_size": "100KB", "output": "o.npz"}]}"#,
                expected: [#"field "only_shards": only a sharded safetensors output"#]),
        BadPlan(description: "only_shards of one file", jobs: #"{"jobs": [{"init": "mlp.json", "only_shards": "1/2", "max_shard_size": "1GB", "output": "o.safetensors"}]}"#,
                expected: ["fits one file"]),
        BadPlan(description: "output over its input", jobs: #"{"jobs": [{"convert": "in.npz", "output": "in.npz"}]}"#,
                expected: ["would overwrite its own input"]),
    ]

    @Test(arguments: badPlans)
    func badJobsStopBeforeAnyWork(_ bad: BadPlan) throws {
        let dir = try Self.folder(jobs: bad.jobs)
        _ = FileManager.default.createFile(atPath: dir.path("in.npz"), contents: Data())
        let before = dir.contents()
        let message = try #require(Self.planError(dir))
        for part in bad.expected { #expect(message.contains(part), "\(message)") }
        #expect(dir.contents() == before)
    }

    @Test func existingOutputsNeedForceOrResume() throws {
        let dir = try Self.folder(jobs: #"{"jobs": [{"init": "mlp.json", "seeds": "0..2", "output": "o{seed}.npz"}]}"#)
        _ = FileManager.default.createFile(atPath: dir.path("o1.npz"), contents: Data("x".utf8))
        _ = FileManager.default.createFile(atPath: dir.path("o2.npz"), contents: Data("x".utf8))
        let message = try #require(Self.planError(dir))
        #expect(message.contains("o1.npz exists (and 1 more output)"), "\(message)")
        #expect(message.contains("--force") && message.contains("--resume"))
        #expect(Self.planError(dir, BatchOptions(force: true)) == nil)
        #expect(Self.planError(dir, BatchOptions(resume: true, reportPath: dir.path("r.jsonl"))) == nil)
        // Another machine's part may exist already: only this part's outputs are checked.
        #expect(Self.planError(dir, BatchOptions(shard: ShardSelection(part: 1, count: 3))) == nil)
    }

    @Test func shardedSafetensorsClaimTheirShardsAndIndex() throws {
        let dir = try Self.folder(jobs: #"{"jobs": [{"init": "mlp.json", "max_shard_size": "100KB", "output": "m.safetensors"}, {"init": "nested.json", "output": "m-00001-of-00003.safetensors"}]}"#)
        let message = try #require(Self.planError(dir))
        #expect(message.contains("two outputs land on") && message.contains("m-00001-of-00003.safetensors"), "\(message)")
    }

    @Test func pathHelpers() {
        #expect(BatchPaths.normalized("out/./a//b/../c") == "out/a/c")
        #expect(BatchPaths.normalized("/x/../../y") == "/y")
        #expect(BatchPaths.normalized("../a") == "../a")
        #expect(BatchPaths.stem("legacy/m.weights.h5") == "m")
        #expect(BatchPaths.stem("a/b.safetensors.index.json") == "b")
        #expect(BatchPaths.stem("notes.v2.txt") == "notes.v2")
        #expect(BatchPaths.stem(".hidden") == ".hidden")
    }
}
