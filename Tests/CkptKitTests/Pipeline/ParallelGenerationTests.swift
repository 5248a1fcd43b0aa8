import CkptTestSupport
import Foundation
import Testing
@testable import CkptKit

/// `ckpt init` on several threads writes the same bytes as on one.
@Suite("Parallel generation")
struct ParallelGenerationTests {
    static func write(
        _ model: String, _ name: String, in folder: TemporaryDirectory, threads: Int, pieceElements: Int?,
        options: PlanOptions = PlanOptions(), configure: (inout InitRequest) -> Void = { _ in }
    ) throws -> String {
        let path = folder.path(name)
        var request = InitRequest(specPath: TestPaths.fixture("keras/\(model).json"), outputPath: path, seed: 11,
                                  writerOptions: WriterOptions(overwrite: true), planOptions: options)
        request.threads = threads
        request.pieceElements = pieceElements
        configure(&request)
        _ = try Checkpoints.initialize(request)
        return try FileDigest.sha256(path: path)
    }

    static let models: [(String, PlanOptions)] = [
        ("cnn", PlanOptions()), ("embed", PlanOptions()), ("mobilenetv2", PlanOptions()),
        ("cnn", PlanOptions(respectConfig: true)), ("mlp", PlanOptions(dtype: .float16)),
        ("mlp", PlanOptions(dtype: .float64)), ("cnn", PlanOptions(dtype: .bfloat16)),
    ]

    @Test(arguments: ["safetensors", "npz", "weights.h5"])
    func sameBytesForEveryThreadCount(format: String) throws {
        let folder = try TemporaryDirectory()
        for (k, (model, options)) in Self.models.enumerated() {
            let name = "m\(k).\(format)"
            let reference = try Self.write(model, name, in: folder, threads: 1, pieceElements: nil, options: options)
            // Small pieces: many pieces per tensor, the ring wraps many times.
            for (threads, piece) in [(1, 777), (2, 4096), (3, 1000), (8, 333)] {
                let digest = try Self.write(model, name, in: folder, threads: threads, pieceElements: piece, options: options)
                #expect(digest == reference, "\(model) \(options) threads \(threads) pieces \(piece)")
            }
        }
    }

    @Test func progressCountsEveryByteOnManyThreads() throws {
        let folder = try TemporaryDirectory()
        let counter = ByteCounter()
        _ = try Self.write("cnn", "a.npz", in: folder, threads: 4, pieceElements: 500) { request in
            request.onBytes = { counter.add($0) }
        }
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/cnn.json"))
        let expected = plan.entries.reduce(0) { $0 + $1.info.elementCount * $1.info.dtype.byteSize }
        #expect(counter.total == expected)
    }

    @Test func cancellationStopsEveryThreadAndLeavesNothing() throws {
        let folder = try TemporaryDirectory()
        let counter = ByteCounter()
        #expect(throws: CancellationError.self) {
            _ = try Self.write("mobilenetv2", "c.safetensors", in: folder, threads: 4, pieceElements: 1000) { request in
                request.onBytes = { counter.add($0) }
                request.isCancelled = { counter.total > 100_000 }
            }
        }
        #expect(folder.contents().isEmpty)
    }
}

/// A thread-safe byte total.
final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0
    func add(_ n: Int) { lock.lock(); bytes += n; lock.unlock() }
    var total: Int { lock.lock(); defer { lock.unlock() }; return bytes }
}
