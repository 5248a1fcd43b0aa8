import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `ckpt batch` and the many-output forms of `ckpt init` and `ckpt convert`, run as a user runs them.
/// Serialized: the machine's cores are shared, and the interruption tests time their signals.
@Suite("ckpt batch command line", .serialized)
struct BatchCLITests {
    /// A folder with the fixtures' mlp, nested and cnn specs and a malformed `bad.json`.
    static func folder() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        for name in ["mlp", "nested", "cnn"] {
            try FileManager.default.copyItem(atPath: TestPaths.fixture("keras/\(name).json"), toPath: dir.path("\(name).json"))
        }
        try "{\"class_name\": \"Sequential\",\n \"config\": {\"layers\": [}}".write(toFile: dir.path("bad.json"), atomically: true, encoding: .utf8)
        return dir
    }

    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: BatchPaths.folder(of: path), withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Every file under `folder` (relative path → SHA-256), hidden ones included.
    static func files(_ folder: String) throws -> [String: String] {
        try BatchRunnerTests.files(folder)
    }

    /// The output records of a report (cut-short lines passed over).
    static func records(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONParser.parse(String($0)) }
    }

    /// The last record of each output, as (output relative to `folder`, sha256, status with skipped as ok).
    static func finalRecords(_ path: String, folder: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for record in try records(path) where record["type"]?.string == "output" {
            let output = try #require(record["output"]?.string)
            let status = record["status"]?.string == "skipped" ? "ok" : (record["status"]?.string ?? "?")
            result[String(output.dropFirst(folder.count + 1))] = "\(record["sha256"]?.string ?? "-") \(status)"
        }
        return result
    }

    // MARK: Same bytes as one by one

    @Test func aBatchMakesTheSameFilesAsPlainInitOneByOne() throws {
        let dir = try Self.folder()
        try Self.write("""
            {"jobs": [{"init": "mlp.json", "seeds": [0, 7], "formats": ["safetensors", "npz", "weights.h5", "keras", "h5"], "output": "batch/{name}/seed{seed}.{format}"},
                      {"init": "nested.json", "seeds": "0..1,7", "formats": ["safetensors", "npz", "keras"], "dtype": "bfloat16", "output": "batch/{name}/seed{seed}.{format}"},
                      {"init": "cnn.json", "seeds": [7], "formats": ["npz", "weights.h5"], "dtype": ["float16", "float64"], "output": "batch/{name}/seed{seed}-{dtype}.{format}"}]}
            """, dir.path("jobs.json"))
        let result = try ProcessRunner.ckpt(["batch", "jobs.json", "--threads", "2"], currentDirectory: dir.url.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("batch: 23 outputs: 23 ok, 0 failed, 0 skipped"), "\(result.stdout)")
        // Not a terminal: one plain line per finished output.
        #expect(result.stderr.split(separator: "\n").count == 23, "\(result.stderr)")

        var expected: [String: String] = [:]
        func single(_ spec: String, _ seed: Int, _ format: String, dtype: String? = nil, named: Bool = false) throws {
            let name = "single/\(spec)/seed\(seed)\(named ? "-" + (dtype ?? "") : "").\(format)"
            try FileManager.default.createDirectory(atPath: dir.path("single/\(spec)"), withIntermediateDirectories: true)
            let made = try ProcessRunner.ckpt(["init", "\(spec).json", "-o", name, "--seed", String(seed)] + (dtype.map { ["--dtype", $0] } ?? []),
                                              currentDirectory: dir.url.path)
            #expect(made.status == 0, "\(made.stderr)")
            expected[String(name.dropFirst("single/".count))] = try FileDigest.sha256(path: dir.path(name))
        }
        for seed in [0, 7] { for format in ["safetensors", "npz", "weights.h5", "keras", "h5"] { try single("mlp", seed, format) } }
        for seed in [0, 1, 7] { for format in ["safetensors", "npz", "keras"] { try single("nested", seed, format, dtype: "bfloat16") } }
        for dtype in ["float16", "float64"] { for format in ["npz", "weights.h5"] { try single("cnn", 7, format, dtype: dtype, named: true) } }
        let batch = try Self.files(dir.path("batch"))
        #expect(batch.count == 23)
        #expect(batch == expected)
    }

    @Test func theShardPartsTogetherAreTheFullRun() throws {
        let jobs = """
            {"jobs": [{"init": "mlp.json", "seeds": "0..4", "output": "out/{name}-{seed}.npz"},
                      {"init": "nested.json", "seeds": "0..4", "formats": ["npz", "safetensors"], "output": "out/{name}-{seed}.{format}"},
                      {"init": "cnn.json", "seeds": "3..6", "output": "out/{name}-{seed}.safetensors"}]}
            """
        let full = try Self.folder()
        try Self.write(jobs, full.path("jobs.json"))
        let whole = try ProcessRunner.ckpt(["batch", "jobs.json", "--threads", "2", "-q"], currentDirectory: full.url.path)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.isEmpty && whole.stderr.isEmpty)
        let expected = try Self.files(full.path("out"))
        #expect(expected.count == 19)

        let parts = try Self.folder()
        try Self.write(jobs, parts.path("jobs.json"))
        var seen: [String: String] = [:]
        for part in 1...3 {
            let report = "part\(part).jsonl"
            let listed = try ProcessRunner.ckpt(["batch", "jobs.json", "--shard", "\(part)/3", "--dry-run"], currentDirectory: parts.url.path)
            let ids = listed.stdout.split(separator: "\n").compactMap { Int($0.split(separator: "\t").first ?? "") }
            #expect(!ids.isEmpty && ids.allSatisfy { $0 % 3 == part - 1 }, "\(listed.stdout)")
            let before = try Self.files(parts.path("out")).keys
            let result = try ProcessRunner.ckpt(["batch", "jobs.json", "--shard", "\(part)/3", "--report", report, "--threads", "2"],
                                                currentDirectory: parts.url.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("(shard \(part)/3 of 19)"), "\(result.stdout)")
            let now = try Self.files(parts.path("out"))
            let added = Set(now.keys).subtracting(before)
            #expect(added.count == ids.count)
            for name in added {
                #expect(seen[name] == nil, "\(name) made by two parts")
                seen[name] = now[name]
            }
            for record in try Self.records(parts.path(report)) where record["type"]?.string == "output" {
                #expect((record["id"]?.int ?? -1) % 3 == part - 1)
            }
        }
        #expect(seen == expected)
    }

    // MARK: Interruption and resume

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalStopsCleanlyAndResumeFinishesTheRun(_ signal: Int32) throws {
        // Big enough outputs that the run is still going when the first record appears.
        let jobs = #"{"jobs": [{"init": "cnn.json", "seeds": "0..39", "formats": ["weights.h5", "safetensors"], "dtype": "float64", "output": "out/c{seed}.{format}"}]}"#
        let dir = try Self.folder()
        try Self.write(jobs, dir.path("jobs.json"))
        let run = try BackgroundProcess(TestPaths.ckptBinary, ["batch", "jobs.json", "--threads", "2", "--report", "run.jsonl"],
                                        currentDirectory: dir.url.path)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, run.isRunning {
            if let text = try? String(contentsOfFile: dir.path("run.jsonl"), encoding: .utf8), text.contains("\"type\":\"output\"") { break }
            usleep(2_000)
        }
        run.send(signal)
        let stopped = run.wait()
        #expect(stopped.status == 128 + signal, "the run ended before the signal? \(stopped.stdout) \(stopped.stderr)")
        #expect(stopped.stderr.contains("interrupted by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("--resume --report run.jsonl"))
        let left = try Self.files(dir.path("out"))
        #expect(left.keys.allSatisfy { !$0.hasSuffix(".tmp") && !$0.hasPrefix(".") }, "temporary files left: \(left.keys.sorted())")
        let records = try Self.records(dir.path("run.jsonl"))
        let done = records.filter { $0["type"]?.string == "output" }
        #expect(!done.isEmpty && done.count < 80, "\(done.count) outputs done")
        for record in done {
            #expect(record["status"]?.string == "ok")
            let path = try #require(record["path"]?.string)
            #expect(left[String(path.dropFirst("out/".count))] == record["sha256"]?.string, "\(path)")
        }
        #expect(left.count == done.count, "files without a record: \(left.count) files, \(done.count) records")
        let summary = try #require(records.last)
        #expect(summary["type"]?.string == "summary" && summary["stopped"]?.string == (signal == SIGINT ? "SIGINT" : "SIGTERM"))

        let resumed = try ProcessRunner.ckpt(["batch", "jobs.json", "--threads", "2", "--report", "run.jsonl", "--resume"],
                                             currentDirectory: dir.url.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("\(80 - done.count) ok, 0 failed, \(done.count) skipped"), "\(resumed.stdout)")

        let reference = try Self.folder()
        try Self.write(jobs, reference.path("jobs.json"))
        let uninterrupted = try ProcessRunner.ckpt(["batch", "jobs.json", "--threads", "2", "--report", "run.jsonl", "-q"],
                                                   currentDirectory: reference.url.path)
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        #expect(try Self.files(dir.path("out")) == Self.files(reference.path("out")))
        let final = try Self.finalRecords(dir.path("run.jsonl"), folder: ".")
        #expect(final.count == 80)
        #expect(final == (try Self.finalRecords(reference.path("run.jsonl"), folder: ".")))
    }

    // MARK: Errors before any work

    struct BadBatch: Sendable, CustomStringConvertible {
        var description: String
        var jobs: String
        var extra: [String] = []
        var expected: [String]
    }

    static let badBatches: [BadBatch] = [
        BadBatch(description: "collision", jobs: #"{"jobs": [{"init": "mlp.json", "seeds": [1], "output": "o/m{seed}.npz"}, {"init": "nested.json", "name": "m", "seeds": [1], "output": "o/{name}{seed}.npz"}]}"#,
                 expected: [#"jobs.json: job 2 ("init"), field "output": two outputs land on"#, "o/m1.npz"]),
        BadBatch(description: "missing spec", jobs: #"{"jobs": [{"init": "mlp.json", "output": "a.npz"}, {"init": "missing.json", "output": "b.npz"}]}"#,
                 expected: [#"jobs.json: job 2 ("init"), field "init": no such file "missing.json""#]),
        BadBatch(description: "glob matches nothing", jobs: #"{"jobs": [{"init": "mlp.json", "output": "a.npz"}, {"convert": "legacy/*.h5", "to": "safetensors", "output": "converted/{stem}.{format}"}]}"#,
                 expected: [#"jobs.json: job 2 ("convert"), field "convert": no file matches "legacy/*.h5""#]),
        BadBatch(description: "unknown format", jobs: #"{"jobs": [{"init": "mlp.json", "formats": ["npz", "onnx"], "output": "a.{format}"}]}"#,
                 expected: [#"jobs.json: job 1 ("init"), field "formats": unknown format "onnx""#]),
        BadBatch(description: "existing output", jobs: #"{"jobs": [{"init": "mlp.json", "seeds": "0..2", "output": "exists{seed}.npz"}]}"#,
                 expected: ["exists1.npz exists", "--force", "--resume"]),
        BadBatch(description: "profile", jobs: #"{"jobs": [{"init": "mlp.json", "profile": "tf", "output": "a.npz"}]}"#,
                 expected: [#"jobs.json: job 1 ("init"), field "profile": unknown profile "tf"; expected one of keras, torch, flax, hf, vllm-dummy"#]),
        BadBatch(description: "rules", jobs: #"{"jobs": [{"init": "mlp.json", "output": "a.npz"}, {"init": "mlp.json", "rules": "rules.json", "output": "b.npz"}]}"#,
                 expected: [#"jobs.json: job 2 ("init"), field "rules": "#, "rules.json: no such rules file"]),
        BadBatch(description: "malformed jobs file", jobs: "{\"jobs\": [\n  {\"init\" \"mlp.json\"}]}", expected: ["jobs.json: malformed JSON at line 2, column 11"]),
        BadBatch(description: "bad shard", jobs: #"{"jobs": [{"init": "mlp.json", "output": "a.npz"}]}"#, extra: ["--shard", "0/4"], expected: ["--shard \"0/4\""]),
        BadBatch(description: "resume without report", jobs: #"{"jobs": [{"init": "mlp.json", "output": "a.npz"}]}"#, extra: ["--resume"],
                 expected: ["--resume needs --report"]),
    ]

    @Test(arguments: badBatches)
    func badBatchesFailBeforeAnyWork(_ bad: BadBatch) throws {
        let dir = try Self.folder()
        try Self.write(bad.jobs, dir.path("jobs.json"))
        _ = FileManager.default.createFile(atPath: dir.path("exists1.npz"), contents: Data("keep".utf8))
        let before = try Self.files(dir.url.path)
        let result = try ProcessRunner.ckpt(["batch", "jobs.json"] + bad.extra, currentDirectory: dir.url.path)
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.hasPrefix("ckpt: error: "), "\(result.stderr)")
        for part in bad.expected { #expect(result.stderr.contains(part), "\(result.stderr)") }
        #expect(try Self.files(dir.url.path) == before, "nothing may be written")
    }

    @Test func aFailingJobLetsTheOthersFinish() throws {
        let dir = try Self.folder()
        try Self.write("""
            {"jobs": [{"init": "mlp.json", "seeds": "0..3", "output": "out/m{seed}.safetensors"},
                      {"init": "bad.json", "seeds": [0], "output": "out/bad{seed}.weights.h5"},
                      {"init": "nested.json", "seeds": "0..3", "output": "out/n{seed}.keras"}]}
            """, dir.path("jobs.json"))
        let result = try ProcessRunner.ckpt(["batch", "jobs.json", "--threads", "2", "--report", "r.jsonl"], currentDirectory: dir.url.path)
        #expect(result.status == 1)
        #expect(result.stdout.contains("batch: 9 outputs: 8 ok, 1 failed, 0 skipped"), "\(result.stdout)")
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("ckpt: error: ") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains("out/bad0.weights.h5 (job 2): ") == true && errors.first?.contains("bad.json: malformed JSON at line 2") == true,
                "\(result.stderr)")
        let files = try Self.files(dir.path("out"))
        #expect(files.count == 8 && files["bad0.weights.h5"] == nil)
        #expect(files.keys.allSatisfy { !$0.hasPrefix(".") })
        let summary = try #require(try Self.records(dir.path("r.jsonl")).last)
        #expect(summary["failures"]?.array?.first?["output"]?.string == "out/bad0.weights.h5")
        #expect(summary["failures"]?.array?.first?["error"]?.string?.contains("malformed JSON") == true)

        let fast = try Self.folder()
        try Self.write("""
            {"jobs": [{"init": "bad.json", "output": "out/a.npz"}, {"init": "mlp.json", "seeds": "0..9", "output": "out/m{seed}.npz"}]}
            """, fast.path("jobs.json"))
        let stopped = try ProcessRunner.ckpt(["batch", "jobs.json", "--threads", "1", "--fail-fast"], currentDirectory: fast.url.path)
        #expect(stopped.status == 1)
        #expect(stopped.stdout.contains("0 ok, 1 failed, 0 skipped, 10 not run"), "\(stopped.stdout)")
        #expect(stopped.stderr.contains("--fail-fast"))
        #expect((try? Self.files(fast.path("out"))) ?? [:] == [:])
    }

    // MARK: Several machines, one checkpoint

    @Test func onlyShardsPartsAreTheFullShardedCheckpoint() throws {
        let dir = try Self.folder()
        let common = ["init", "mlp.json", "--seed", "3", "--max-shard-size", "50KB", "--dtype", "bfloat16"]
        let full = try ProcessRunner.ckpt(common + ["-o", "full/m.safetensors"], currentDirectory: dir.url.path)
            .status
        #expect(full == 1, "plain init needs the folder")
        try FileManager.default.createDirectory(atPath: dir.path("full"), withIntermediateDirectories: true)
        #expect(try ProcessRunner.ckpt(common + ["-o", "full/m.safetensors"], currentDirectory: dir.url.path).status == 0)
        let expected = try Self.files(dir.path("full"))
        #expect(expected.count == 4)
        var union: [String: String] = [:]
        for part in 1...3 {
            try FileManager.default.createDirectory(atPath: dir.path("p\(part)"), withIntermediateDirectories: true)
            let result = try ProcessRunner.ckpt(common + ["-o", "p\(part)/m.safetensors", "--only-shards", "\(part)/3"], currentDirectory: dir.url.path)
            #expect(result.status == 0, "\(result.stderr)")
            let files = try Self.files(dir.path("p\(part)"))
            #expect(files.count == 2, "one shard and the index: \(files.keys.sorted())")
            #expect(files["m.safetensors.index.json"] == expected["m.safetensors.index.json"])
            union.merge(files) { a, b in
                #expect(a == b)
                return a
            }
        }
        #expect(union == expected)
        // In a jobs file, and with the batch form of init.
        let batch = try ProcessRunner.ckpt(["init", "mlp.json", "--seeds", "3", "--max-shard-size", "50KB", "--dtype", "bfloat16",
                                            "-o", "b/m.safetensors", "--only-shards", "2/3", "-q"], currentDirectory: dir.url.path)
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(try Self.files(dir.path("b")) == Self.files(dir.path("p2")))
        let npz = try ProcessRunner.ckpt(common + ["-o", "x.npz", "--only-shards", "1/2"], currentDirectory: dir.url.path)
        #expect(npz.status == 1 && npz.stderr.contains("sharded safetensors"), "\(npz.stderr)")
    }

    // MARK: Jobs from JSON Lines, stdin, relative paths

    @Test func jsonLinesAndStdinResolvePathsAgainstTheirFolder() throws {
        let dir = try Self.folder()
        try FileManager.default.createDirectory(atPath: dir.path("project/models"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir.path("mlp.json"), toPath: dir.path("project/models/mlp.json"))
        try Self.write("""
            {"init": "models/mlp.json", "seeds": [1, 2], "output": "out/{name}-{seed}.npz"}

            {"init": "models/mlp.json", "seeds": [3], "formats": "safetensors", "output": "out/{name}-{seed}.{format}"}
            """, dir.path("project/jobs.jsonl"))
        let lines = try ProcessRunner.ckpt(["batch", "project/jobs.jsonl", "-q"], currentDirectory: dir.url.path)
        #expect(lines.status == 0, "\(lines.stderr)")
        #expect(try Self.files(dir.path("project/out")).keys.sorted() == ["mlp-1.npz", "mlp-2.npz", "mlp-3.safetensors"])

        // Standard input: relative to the current folder; JSON or JSON Lines.
        try Self.write(#"{"jobs": [{"init": "project/models/mlp.json", "seeds": [1], "output": "stdin/{name}-{seed}.npz"}]}"#, dir.path("in.json"))
        try Self.write(#"{"init": "mlp.json", "seeds": [2], "output": "stdin/{name}-{seed}.npz"}"# + "\n"
                        + #"{"init": "nested.json", "seeds": [2], "output": "stdin/{name}-{seed}.npz"}"#, dir.path("in.jsonl"))
        for input in ["in.json", "in.jsonl"] {
            let result = try ProcessRunner.run("/bin/sh", ["-c", "\"$0\" batch - -q < \(input)", TestPaths.ckptBinary], currentDirectory: dir.url.path)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let made = try Self.files(dir.path("stdin"))
        #expect(made.keys.sorted() == ["mlp-1.npz", "mlp-2.npz", "nested-2.npz"])
        #expect(made["mlp-1.npz"] == (try Self.files(dir.path("project/out")))["mlp-1.npz"])
    }

    // MARK: The one-job forms of init and convert

    @Test func initSeedsAndConvertGlobAreOneJobBatches() throws {
        let dir = try Self.folder()
        let made = try ProcessRunner.ckpt(["init", "nested.json", "--seeds", "0..2,9", "-o", "legacy/seed{seed}.npz", "--report", "init.jsonl"],
                                          currentDirectory: dir.url.path)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("batch: 4 outputs: 4 ok"), "\(made.stdout)")
        #expect(try Self.records(dir.path("init.jsonl")).count == 5)

        try FileManager.default.createDirectory(atPath: dir.path("converted"), withIntermediateDirectories: true)
        let converted = try ProcessRunner.ckpt(["convert", "legacy/*.npz", "--to", "safetensors", "-o", "converted/", "--spec", "nested.json", "-q"],
                                               currentDirectory: dir.url.path)
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stdout.isEmpty)
        let files = try Self.files(dir.path("converted"))
        #expect(files.keys.sorted() == ["seed0.safetensors", "seed1.safetensors", "seed2.safetensors", "seed9.safetensors"])
        // The same as ckpt convert one by one.
        let single = try ProcessRunner.ckpt(["convert", "legacy/seed9.npz", "one.safetensors", "--spec", "nested.json"], currentDirectory: dir.url.path)
        #expect(single.status == 0)
        #expect(single.stdout.hasPrefix("wrote one.safetensors (safetensors from npz)"), "\(single.stdout)")
        #expect(files["seed9.safetensors"] == (try FileDigest.sha256(path: dir.path("one.safetensors"))))

        // An existing folder works without the slash; several formats need {format}.
        let two = try ProcessRunner.ckpt(["convert", "legacy/seed0.npz", "legacy/seed1.npz", "--to", "h5,weights.h5", "-o", "converted",
                                          "--spec", "nested.json", "-q"], currentDirectory: dir.url.path)
        #expect(two.status == 0, "\(two.stderr)")
        #expect(try Self.files(dir.path("converted")).count == 8)

        let nothing = try ProcessRunner.ckpt(["convert", "old/*.h5", "--to", "safetensors", "-o", "converted/"], currentDirectory: dir.url.path)
        #expect(nothing.status == 1)
        #expect(nothing.stderr == "ckpt: error: ckpt convert: INPUT: no file matches \"old/*.h5\"\n", "\(nothing.stderr)")
        let both = try ProcessRunner.ckpt(["init", "mlp.json", "--seed", "1", "--seeds", "1..2", "-o", "x{seed}.npz"], currentDirectory: dir.url.path)
        #expect(both.status == 1 && both.stderr.contains("--seed or --seeds"))
        let badSeeds = try ProcessRunner.ckpt(["init", "mlp.json", "--seeds", "3..1", "-o", "x{seed}.npz"], currentDirectory: dir.url.path)
        #expect(badSeeds.status == 1 && badSeeds.stderr.contains("the range 3..1 is empty"), "\(badSeeds.stderr)")
        let noSeed = try ProcessRunner.ckpt(["init", "mlp.json", "--seeds", "1..3", "-o", "x.npz"], currentDirectory: dir.url.path)
        #expect(noSeed.stderr.contains("-o: 3 seeds would all be written to \"x.npz\""), "\(noSeed.stderr)")
    }
}
