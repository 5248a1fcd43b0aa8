import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `--only-shards K/N`: every machine runs the same command with its own K into one folder; the
/// parts write their own shards and the same index, in any order or at the same time.
@Suite("--only-shards parts into one folder", .serialized)
struct OnlyShardsCLITests {
    static func command(_ output: String, part: String?, shardSize: String = "100KB") -> [String] {
        ["init", TestPaths.fixture("keras/mlp.json"), "-o", output, "--max-shard-size", shardSize, "--seed", "7", "-q"]
            + (part.map { ["--only-shards", $0] } ?? [])
    }

    @Test("the docs' command, part after part in any order, gives the single run's bytes", arguments: [[1, 2, 3], [3, 1, 2]])
    func sequential(order: [Int]) throws {
        let single = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(Self.command(single.path("model.safetensors"), part: nil)).status == 0)
        let parts = try TemporaryDirectory()
        for k in order {
            let result = try ProcessRunner.ckpt(Self.command(parts.path("model.safetensors"), part: "\(k)/3"))
            #expect(result.status == 0, "part \(k): \(result.stderr)")
        }
        let expected = try BatchCLITests.files(single.url.path)
        #expect(expected.count == 4, "\(expected.keys.sorted())")
        #expect(try BatchCLITests.files(parts.url.path) == expected)
    }

    @Test("N processes at once into one folder give the single run's bytes, with nothing left over")
    func concurrent() throws {
        let single = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(Self.command(single.path("model.safetensors"), part: nil, shardSize: "1KB")).status == 0)
        let expected = try BatchCLITests.files(single.url.path)
        let n = expected.count - 1  // shards; the rest is the index
        try #require(n >= 4, "\(expected.keys.sorted())")
        for _ in 0..<3 {
            let parts = try TemporaryDirectory()
            let statuses = LockedStatuses()
            DispatchQueue.concurrentPerform(iterations: n) { index in
                let result = try? ProcessRunner.ckpt(Self.command(parts.path("model.safetensors"), part: "\(index + 1)/\(n)", shardSize: "1KB"))
                statuses.set(index, result.map { "\($0.status) \($0.stderr)" } ?? "did not run")
            }
            #expect(statuses.all.allSatisfy { $0 == "0 " }, "\(statuses.all)")
            #expect(try BatchCLITests.files(parts.url.path) == expected)
        }
    }

    @Test("a part whose index differs from the one in the folder is refused, naming the difference")
    func differentIndex() throws {
        let parts = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(Self.command(parts.path("model.safetensors"), part: "1/3")).status == 0)
        let before = try BatchCLITests.files(parts.url.path)
        let other = try ProcessRunner.ckpt(Self.command(parts.path("model.safetensors"), part: "2/2", shardSize: "200KB"))
        #expect(other.status == 1)
        #expect(other.stderr.contains("another run wrote a different index (it puts \""), "\(other.stderr)")
        #expect(try BatchCLITests.files(parts.url.path) == before, "the refused part wrote or left something")
    }

    @Test("ckpt init names the index and the shard count of a sharded output")
    func shardedMessage() throws {
        let dir = try TemporaryDirectory()
        let whole = try ProcessRunner.ckpt(["init", TestPaths.fixture("keras/mlp.json"), "-o", dir.path("m.safetensors"), "--max-shard-size", "100KB"])
        #expect(whole.stdout.hasPrefix("wrote \(dir.path("m.safetensors.index.json")) and its 3 shards (safetensors)"), "\(whole.stdout)")
        let part = try ProcessRunner.ckpt(["init", TestPaths.fixture("keras/mlp.json"), "-o", dir.path("p.safetensors"), "--max-shard-size", "100KB",
                                           "--only-shards", "2/3"])
        #expect(part.stdout.hasPrefix("wrote 1 of the 3 shards (p-00002-of-00003.safetensors) and the index \(dir.path("p.safetensors.index.json"))"),
                "\(part.stdout)")
    }
}

/// Results gathered from concurrent work.
final class LockedStatuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: String] = [:]
    func set(_ index: Int, _ value: String) { lock.withLock { values[index] = value } }
    var all: [String] { lock.withLock { values.keys.sorted().map { values[$0]! } } }
}
