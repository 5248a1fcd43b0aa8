import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Reading jobs files: JSON and JSON Lines, every key, and one-line errors naming job and field.
@Suite("Batch jobs file")
struct BatchJobsFileTests {
    static func parse(_ text: String, layout: JobsFile.Layout = .json) throws(BatchError) -> JobsFile {
        try JobsFile.parse(text, label: "jobs.json", baseFolder: "base/", layout: layout)
    }

    /// The error message of parsing `text`, or nil when it parses.
    static func error(_ text: String, layout: JobsFile.Layout = .json) -> String? {
        do {
            _ = try parse(text, layout: layout)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func theIssueExampleParses() throws {
        let file = try Self.parse("""
            {"jobs": [
              {"init": "model.json", "seeds": "0..99", "formats": ["safetensors", "npz"], "dtype": "bfloat16",
               "output": "out/{name}/seed{seed}.{format}"},
              {"convert": "legacy/*.h5", "to": "safetensors", "spec": "model.json", "output": "converted/{stem}.{format}"}
            ]}
            """)
        #expect(file.jobs.count == 2)
        let first = file.jobs[0]
        #expect(first.kind == .initialize && first.number == 1 && first.spec == "model.json")
        #expect(first.seeds == Array(0...99))
        #expect(first.formats == [.safetensors, .npz])
        #expect(first.dtypes == [.bfloat16])
        let second = file.jobs[1]
        #expect(second.kind == .convert && second.number == 2)
        #expect(second.inputs == ["legacy/*.h5"] && second.formats == [.safetensors] && second.spec == "model.json")
        #expect(file.resolve("out/x.npz") == "base/out/x.npz")
        #expect(file.resolve("/abs/x.npz") == "/abs/x.npz")
    }

    @Test func everyOptionIsRead() throws {
        let file = try Self.parse("""
            {"init": "m.json", "seeds": [3, 1], "formats": "h5", "dtype": ["float16", "float64"], "respect_config": true,
             "compress": true, "weights_only": true, "max_shard_size": "2MB", "only_shards": "2/3", "force": true,
             "name": "tiny", "output": "o/{seed}{dtype}.h5"}
            """)
        let job = try #require(file.jobs.first)
        #expect(job.seeds == [3, 1] && job.formats == [.legacyH5] && job.dtypes == [.float16, .float64])
        #expect(job.respectConfig && job.writer.compress && job.writer.weightsOnly && job.force)
        #expect(job.writer.maxShardBytes == 2_000_000 && job.writer.onlyShards == ShardSelection(part: 2, count: 3) && job.name == "tiny")
        let bytes = try Self.parse(#"{"jobs": [{"init": "m.json", "max_shard_size": 4096, "output": "a.safetensors"}]}"#)
        #expect(bytes.jobs[0].writer.maxShardBytes == 4096)
    }

    @Test func jsonLinesAndAutomaticLayout() throws {
        let text = """
            {"init": "a.json", "output": "a.npz"}

            {"convert": ["x.npz", "y.npz"], "to": ["npz", "safetensors"], "output": "c/{stem}.{format}"}
            """
        let lines = try Self.parse(text, layout: .jsonLines)
        #expect(lines.jobs.map(\.number) == [1, 2])
        #expect(lines.jobs[1].inputs == ["x.npz", "y.npz"])
        let automatic = try Self.parse(text, layout: .automatic)
        #expect(automatic.jobs.count == 2)
        let single = try Self.parse(#"{"jobs": [{"init": "a.json", "output": "a.npz"}]}"#, layout: .automatic)
        #expect(single.jobs.count == 1)
    }

    @Test func defaultsApplyWhereAJobHasNoValue() throws {
        let file = try Self.parse("""
            {"defaults": {"dtype": "bfloat16", "output": "out/{stem}{name}.npz", "respect_config": true},
             "jobs": [{"init": "m.json", "output": "m.npz"}, {"convert": "a.npz", "dtype": "float16", "spec": "m.json"}]}
            """)
        #expect(file.jobs[0].dtypes == [.bfloat16] && file.jobs[0].output == "m.npz" && file.jobs[0].respectConfig)
        // respect_config does not apply to convert jobs, so the default passes them by.
        #expect(file.jobs[1].dtypes == [.float16] && file.jobs[1].output == "out/{stem}{name}.npz")
    }

    @Test(arguments: [
        ("0..3", [0, 1, 2, 3]), ("7", [7]), ("1,5,9..11", [1, 5, 9, 10, 11]), (" 2 .. 4 ", [2, 3, 4]),
        ("18446744073709551614..18446744073709551615", [18_446_744_073_709_551_614, 18_446_744_073_709_551_615]),
    ] as [(String, [UInt64])])
    func seedText(_ text: String, _ expected: [UInt64]) throws {
        #expect(try BatchJob.parseSeeds(text) == expected)
    }

    struct BadFile: Sendable, CustomStringConvertible {
        var description: String
        var text: String
        var layout: JobsFile.Layout = .json
        var expected: [String]
    }

    static let badFiles: [BadFile] = [
        BadFile(description: "malformed JSON", text: "{\"jobs\": [\n  {\"init\": }]}",
                expected: ["jobs.json: malformed JSON at line 2, column"]),
        BadFile(description: "malformed JSON line", text: "{\"init\": \"a.json\", \"output\": \"a.npz\"}\n{\"init\"", layout: .jsonLines,
                expected: ["jobs.json: line 2: malformed JSON at column"]),
        BadFile(description: "profile", text: #"{"jobs": [{"init": "m.json", "output": "a.npz"}, {"init": "m.json", "profile": "tensorflow", "output": "b.npz"}]}"#,
                expected: [#"jobs.json: job 2 ("init"), field "profile": unknown profile "tensorflow"; expected one of keras, torch, flax, hf, vllm-dummy"#]),
        BadFile(description: "rules", text: #"{"jobs": [{"convert": "a.npz", "rules": "r.json", "output": "b.npz"}]}"#,
                expected: [#"job 1 ("convert"), field "rules": "rules" applies to init jobs, not convert jobs"#]),
        BadFile(description: "profile on a convert job", text: #"{"jobs": [{"convert": "a.npz", "profile": "torch", "output": "b.npz"}]}"#,
                expected: [#"job 1 ("convert"), field "profile": "profile" applies to init jobs, not convert jobs"#]),
        BadFile(description: "unknown fans", text: #"{"defaults": {"fans": "mxnet"}, "jobs": [{"init": "m.json", "output": "b.npz"}]}"#,
                expected: [#"job 1 ("init"), field "fans": unknown fan convention "mxnet"; expected one of semantic, semantic-packed, keras, torch, jax"#]),
        BadFile(description: "unknown format", text: #"{"jobs": [{"init": "m.json", "formats": ["npz", "tflite"], "output": "o.{format}"}]}"#,
                expected: [#"job 1 ("init"), field "formats": unknown format "tflite""#]),
        BadFile(description: "unknown key", text: #"{"jobs": [{"init": "m.json", "seed": 3, "output": "o.npz"}]}"#,
                expected: [#"field "seed": unknown key "seed""#]),
        BadFile(description: "to on init", text: #"{"jobs": [{"init": "m.json", "to": "npz", "output": "o.npz"}]}"#,
                expected: [#"field "to""#, "\"formats\""]),
        BadFile(description: "neither kind", text: #"{"jobs": [{"output": "o.npz"}]}"#, expected: [#"job 1, field "init": a job needs"#]),
        BadFile(description: "both kinds", text: #"{"jobs": [{"init": "m.json", "convert": "a.npz", "output": "o.npz"}]}"#,
                expected: ["not both"]),
        BadFile(description: "no output", text: #"{"jobs": [{"init": "m.json"}]}"#, expected: [#"field "output""#]),
        BadFile(description: "bad seeds", text: #"{"jobs": [{"init": "m.json", "seeds": "5..2", "output": "o{seed}.npz"}]}"#,
                expected: [#"field "seeds": the range 5..2 is empty"#]),
        BadFile(description: "negative seed", text: #"{"jobs": [{"init": "m.json", "seeds": [1, -2], "output": "o{seed}.npz"}]}"#,
                expected: [#"field "seeds": -2 is not a seed"#]),
        BadFile(description: "repeated seed", text: #"{"jobs": [{"init": "m.json", "seeds": "1..3,2", "output": "o{seed}.npz"}]}"#,
                expected: ["seed 2 is listed twice"]),
        BadFile(description: "bad dtype", text: #"{"jobs": [{"init": "m.json", "dtype": "int8", "output": "o.npz"}]}"#,
                expected: [#"field "dtype": unknown dtype "int8""#]),
        BadFile(description: "bad size", text: #"{"jobs": [{"init": "m.json", "max_shard_size": "lots", "output": "o.npz"}]}"#,
                expected: [#"field "max_shard_size""#]),
        BadFile(description: "bad only_shards", text: #"{"jobs": [{"init": "m.json", "only_shards": "4/3", "output": "o.npz"}]}"#,
                expected: [#"field "only_shards": "4/3" is not K/N"#]),
        BadFile(description: "not a bool", text: #"{"jobs": [{"init": "m.json", "force": "yes", "output": "o.npz"}]}"#,
                expected: [#"field "force": expected true or false"#]),
        BadFile(description: "no jobs", text: #"{"jobs": []}"#, expected: ["jobs.json: the file has no jobs"]),
        BadFile(description: "top-level key", text: #"{"jobs": [], "threads": 4}"#, expected: [#"unknown top-level key "threads""#]),
    ]

    @Test(arguments: badFiles)
    func badFilesFailWithOneLineNamingJobAndField(_ bad: BadFile) throws {
        let message = try #require(Self.error(bad.text, layout: bad.layout))
        for part in bad.expected {
            #expect(message.contains(part), "\(message)")
        }
        #expect(!message.contains("\n"))
    }

    @Test func shardSelectionParsesAndSplits() {
        #expect(ShardSelection(parsing: "3/16") == ShardSelection(part: 3, count: 16))
        for bad in ["0/3", "4/3", "1/0", "a/b", "3", "1/2/3", "-1/2"] {
            #expect(ShardSelection(parsing: bad) == nil, "\(bad)")
        }
        let parts = (1...3).map { part in (0..<10).filter { ShardSelection(part: part, count: 3)!.contains($0) } }
        #expect(parts == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]])
    }
}
