import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Running batches through the library: failures, fail-fast, cancellation, resume, the report
/// and shard-parts of one sharded checkpoint.
@Suite("Batch runner")
struct BatchRunnerTests {
    static func run(_ dir: TemporaryDirectory, _ jobs: String, _ options: BatchOptions = BatchOptions(threads: 2)) throws -> BatchSummary {
        try jobs.write(toFile: dir.path("jobs.json"), atomically: true, encoding: .utf8)
        let plan = try BatchPlanner.plan(try JobsFile.load(path: dir.path("jobs.json")), options: options)
        return try BatchRunner(plan: plan, options: options).run()
    }

    static func folder() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        for name in ["mlp", "nested", "cnn"] {
            try FileManager.default.copyItem(atPath: TestPaths.fixture("keras/\(name).json"), toPath: dir.path("\(name).json"))
        }
        try "{\"class_name\": \"Sequential\",\n \"config\": {\"layers\": [}}".write(toFile: dir.path("bad.json"), atomically: true, encoding: .utf8)
        return dir
    }

    /// Every file under `folder` (relative paths, hidden ones included) with its SHA-256.
    static func files(_ folder: String) throws -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let name = enumerator?.nextObject() as? String {
            let path = folder + "/" + name
            if BatchPaths.isRegularFile(path) { result[name] = try FileDigest.sha256(path: path) }
        }
        return result
    }

    /// The report's records, parsed.
    static func records(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    @Test func aFailingOutputDoesNotStopTheOthers() throws {
        let dir = try Self.folder()
        let summary = try Self.run(dir, """
            {"jobs": [{"init": "mlp.json", "seeds": "0..3", "output": "out/a{seed}.npz"},
                      {"init": "bad.json", "seeds": [0, 1], "output": "out/b{seed}.npz"}]}
            """, BatchOptions(threads: 2, reportPath: dir.path("r.jsonl")))
        #expect(summary.ok == 4 && summary.failed == 2 && summary.exitStatus == 1)
        #expect(summary.failures.map(\.output).sorted() == [dir.path("out/b0.npz"), dir.path("out/b1.npz")])
        #expect(summary.failures.allSatisfy { $0.error.contains("bad.json: malformed JSON at line 2") }, "\(summary.failures)")
        #expect(try Self.files(dir.path("out")).keys.sorted() == ["a0.npz", "a1.npz", "a2.npz", "a3.npz"])
        let records = try Self.records(dir.path("r.jsonl"))
        #expect(records.count == 7)
        let failed = records.filter { $0["status"]?.string == "failed" }
        #expect(failed.count == 2 && failed.allSatisfy { $0["error"]?.string?.contains("malformed JSON") == true })
        let summaryRecord = try #require(records.last)
        #expect(summaryRecord["type"]?.string == "summary" && summaryRecord["failed"]?.int == 2)
        #expect(summaryRecord["failures"]?.array?.count == 2)
    }

    @Test func failFastStopsAtTheFirstFailure() throws {
        let dir = try Self.folder()
        // Sorted by path, "a-bad" comes first; one thread makes the order the run order.
        let summary = try Self.run(dir, """
            {"jobs": [{"init": "bad.json", "output": "out/a-bad.npz"}, {"init": "mlp.json", "seeds": "0..5", "output": "out/m{seed}.npz"}]}
            """, BatchOptions(threads: 1, failFast: true))
        #expect(summary.failed == 1 && summary.ok == 0 && summary.notRun == 6)
        #expect(summary.stoppedBy == .failFast && summary.exitStatus == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.path("out/m0.npz")))
    }

    @Test func aCancelledRunStartsNothingAndLeavesNothing() throws {
        let dir = try Self.folder()
        try #"{"jobs": [{"init": "cnn.json", "seeds": "0..9", "output": "out/c{seed}.weights.h5"}]}"#
            .write(toFile: dir.path("jobs.json"), atomically: true, encoding: .utf8)
        let options = BatchOptions(threads: 2, reportPath: dir.path("r.jsonl"))
        let plan = try BatchPlanner.plan(try JobsFile.load(path: dir.path("jobs.json")), options: options)
        let runner = BatchRunner(plan: plan, options: options)
        runner.cancel(.signal(SIGTERM))
        let summary = try runner.run()
        #expect(summary.notRun == 10 && summary.exitStatus == 143)
        #expect((try? Self.files(dir.path("out"))) ?? [:] == [:])
        #expect(try Self.records(dir.path("r.jsonl")).last?["stopped"]?.string == "SIGTERM")
    }

    @Test(arguments: [CheckpointFormat.safetensors, .npz, .kerasWeights, .keras, .legacyH5])
    func cancellingMidWriteRemovesTheTemporaryFiles(_ format: CheckpointFormat) throws {
        let dir = try Self.folder()
        let calls = Counter()
        var request = InitRequest(specPath: dir.path("cnn.json"), outputPath: dir.path("c.\(format.rawValue)"), format: format)
        request.isCancelled = { calls.increment() > 5 }
        #expect(throws: CancellationError.self) { try Checkpoints.initialize(request) }
        #expect(dir.contents() == ["bad.json", "cnn.json", "mlp.json", "nested.json"])
        // Conversion checks too.
        _ = try Checkpoints.initialize(InitRequest(specPath: dir.path("cnn.json"), outputPath: dir.path("c.npz")))
        let converted = Counter()
        var convert = ConvertRequest(inputPath: dir.path("c.npz"), outputPath: dir.path("d.\(format.rawValue)"), format: format,
                                     specPath: dir.path("cnn.json"))
        convert.isCancelled = { converted.increment() > 5 }
        #expect(throws: CancellationError.self) { try Checkpoints.convert(convert) }
        #expect(dir.contents() == ["bad.json", "c.npz", "cnn.json", "mlp.json", "nested.json"])
    }

    @Test func progressHookCountsEveryTensorByte() throws {
        let dir = try Self.folder()
        let bytes = Counter()
        var request = InitRequest(specPath: dir.path("mlp.json"), outputPath: dir.path("m.npz"))
        request.onBytes = { bytes.add($0) }
        let result = try Checkpoints.initialize(request)
        #expect(bytes.value == result.plan.byteCount)
    }

    @Test func resumeSkipsUnchangedOutputsAndRedoesTheRest() throws {
        let dir = try Self.folder()
        let jobs = #"{"jobs": [{"init": "mlp.json", "seeds": "0..3", "formats": ["npz", "safetensors"], "output": "out/m{seed}.{format}"}]}"#
        let report = dir.path("r.jsonl")
        let first = try Self.run(dir, jobs, BatchOptions(threads: 2, reportPath: report))
        #expect(first.ok == 8)
        let original = try Self.files(dir.path("out"))
        // One file changed, one removed, one report line cut short as by a crash.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("out/m1.npz")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("x".utf8))
        try handle.close()
        try FileManager.default.removeItem(atPath: dir.path("out/m2.safetensors"))
        let cut = try FileHandle(forWritingTo: URL(fileURLWithPath: report))
        try cut.seekToEnd()
        try cut.write(contentsOf: Data(#"{"type":"output","id":9,"#.utf8))
        try cut.close()

        let second = try Self.run(dir, jobs, BatchOptions(threads: 2, resume: true, reportPath: report))
        #expect(second.ok == 2 && second.skipped == 6 && second.exitStatus == 0)
        #expect(try Self.files(dir.path("out")) == original)
        let records = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        let redone = records.suffix(9).filter { $0["status"]?.string == "ok" }.compactMap { $0["output"]?.string }
        #expect(Set(redone) == [dir.path("out/m1.npz"), dir.path("out/m2.safetensors")])

        // Other settings (a dtype) make other outputs: nothing is skipped.
        let third = try Self.run(dir, #"{"jobs": [{"init": "mlp.json", "seeds": "0..3", "formats": ["npz", "safetensors"], "dtype": "float16", "output": "out/m{seed}.{format}"}]}"#,
                                 BatchOptions(threads: 2, resume: true, reportPath: report))
        #expect(third.ok == 8 && third.skipped == 0)
    }

    @Test func recordsHoldWhatTheIssueAsksFor() throws {
        let dir = try Self.folder()
        _ = try Self.run(dir, """
            {"jobs": [{"init": "mlp.json", "seeds": [7], "dtype": "bfloat16", "max_shard_size": "50KB", "output": "out/m.safetensors"},
                      {"init": "nested.json", "seeds": [7], "output": "out/n.npz"}]}
            """, BatchOptions(threads: 2, reportPath: dir.path("r.jsonl")))
        _ = try Self.run(dir, #"{"jobs": [{"convert": "out/n.npz", "to": "safetensors", "output": "conv/{stem}.{format}"}]}"#,
                         BatchOptions(threads: 1, reportPath: dir.path("c.jsonl")))
        let records = try Self.records(dir.path("r.jsonl"))
        let sharded = try #require(records.first { $0["output"]?.string == dir.path("out/m.safetensors") })
        #expect(sharded["path"]?.string == dir.path("out/m.safetensors.index.json"))
        #expect(sharded["sha256"]?.string == (try FileDigest.sha256(path: dir.path("out/m.safetensors.index.json"))))
        let shards = try #require(sharded["shards"]?.array)
        #expect(shards.count == 3)
        for shard in shards {
            let path = try #require(shard["path"]?.string)
            #expect(shard["sha256"]?.string == (try FileDigest.sha256(path: path)))
        }
        #expect(sharded["seed"]?.int == 7 && sharded["dtype"]?.string == "bfloat16" && sharded["params"]?.int == 235_146)
        #expect(sharded["tensors"]?.int == 6 && sharded["format"]?.string == "safetensors" && sharded["status"]?.string == "ok")
        // The recipe is the one the file embeds.
        let plan = try Checkpoints.plan(specPath: dir.path("mlp.json"), options: PlanOptions(dtype: .bfloat16))
        #expect(sharded["recipe"] == (try JSONParser.parse(plan.recipe(seed: 7, options: PlanOptions(dtype: .bfloat16)))))
        let total = try Self.files(dir.path("out")).keys.filter { $0.hasPrefix("m") }
            .reduce(0) { $0 + (BatchPaths.fileSize(dir.path("out/\($1)")) ?? 0) }
        #expect(sharded["bytes"]?.int == total)
        let converted = try #require(try Self.records(dir.path("c.jsonl")).first)
        #expect(converted["recipe"]?["source"]?.string == dir.path("out/n.npz"))
        #expect(converted["sha256"]?.string == (try FileDigest.sha256(path: dir.path("conv/n.safetensors"))))
        #expect(converted["tensors"]?.int == 12 && converted["params"]?.int == 3017)
    }

    @Test(arguments: [2, 3, 4])
    func onlyShardsPartsMakeTheFullCheckpoint(parts: Int) throws {
        let dir = try Self.folder()
        let full = try Self.run(dir, #"{"jobs": [{"init": "mlp.json", "seeds": [3], "max_shard_size": "100KB", "output": "full/m.safetensors"}]}"#)
        #expect(full.ok == 1)
        var union: [String: String] = [:]
        for part in 1...parts {
            let summary = try Self.run(dir, """
                {"jobs": [{"init": "mlp.json", "seeds": [3], "max_shard_size": "100KB", "only_shards": "\(part)/\(parts)", "output": "p\(part)/m.safetensors"}]}
                """)
            #expect(summary.ok == 1)
            let files = try Self.files(dir.path("p\(part)"))
            // Every part writes the same index, and only its own shards (shard j when (j-1) mod N == K-1).
            #expect(files["m.safetensors.index.json"] != nil)
            for (name, digest) in files {
                if name != "m.safetensors.index.json" {
                    let number = Int(name.dropFirst(2).prefix(5))!
                    #expect((number - 1) % parts == part - 1, "\(name) in part \(part)")
                    #expect(union[name] == nil, "\(name) written twice")
                }
                #expect(union[name] == nil || union[name] == digest)
                union[name] = digest
            }
        }
        #expect(union == (try Self.files(dir.path("full"))))
    }

    @Test func sha256OfMemoryMatchesByteByByte() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in [0, 1, 63, 64, 65, 4_999, 10_000] {
            var hasher = SHA256()
            bytes.withUnsafeBytes { raw in
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<split]))
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[split...]))
            }
            #expect(hasher.finalize() == SHA256.hash(bytes), "split at \(split)")
        }
    }
}

/// A thread-safe counter for hooks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    @discardableResult func increment() -> Int { add(1) }
    @discardableResult func add(_ amount: Int) -> Int {
        lock.withLock {
            count += amount
            return count
        }
    }
}
