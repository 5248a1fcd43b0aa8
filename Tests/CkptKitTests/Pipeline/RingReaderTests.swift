import Foundation
import Testing
@testable import CkptKit

/// `RingReader`: a background thread reads tensors into a few reused buffers; the caller gets
/// every piece in order, in whole rows, converted, with errors where they happened.
@Suite("Ring reader")
struct RingReaderTests {
    /// Tensors held in memory; can fail at a chosen place and counts the pieces read.
    final class MemoryReader: CheckpointReader, @unchecked Sendable {
        enum Failure { case open(Int), read(tensor: Int, piece: Int), finish(Int) }
        struct Broken: Error, Equatable { var place: String }

        let tensors: [StoredTensor]
        let values: [[UInt8]]
        let failure: Failure?
        private let lock = NSLock()
        private var reads = 0
        var piecesRead: Int { lock.withLock { reads } }

        init(_ infos: [TensorInfo], failure: Failure? = nil) {
            tensors = infos.map { StoredTensor(info: $0, location: $0.name) }
            values = infos.enumerated().map { index, info in
                (0..<info.byteCount).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &* 7 &+ $0 >> 8) }
            }
            self.failure = failure
        }

        var path: String { "memory" }
        var format: CheckpointFormat { .safetensors }
        var modelConfig: String? { nil }
        var recipe: String? { nil }
        var metadata: [(key: String, value: String)] { [] }

        func open(_ tensor: StoredTensor) throws -> TensorByteReader {
            let index = tensors.firstIndex(of: tensor)!
            if case .open(index) = failure { throw Broken(place: "open \(index)") }
            return Bytes(owner: self, index: index)
        }

        final class Bytes: TensorByteReader {
            let owner: MemoryReader
            let index: Int
            var position = 0
            var piece = 0
            init(owner: MemoryReader, index: Int) { (self.owner, self.index) = (owner, index) }

            func read(into buffer: UnsafeMutableRawBufferPointer) throws {
                if case .read(index, piece) = owner.failure { throw Broken(place: "read \(index).\(piece)") }
                let info = owner.tensors[index].info
                let rowBytes = TensorPieces.rowBytes(info)
                // (Not #expect: this runs on the reading thread.)
                guard rowBytes > 0, buffer.count % rowBytes == 0 else { throw Broken(place: "\(info.name): not whole rows") }
                owner.values[index].withUnsafeBytes { all in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[position ..< position + buffer.count]))
                }
                position += buffer.count
                piece += 1
                owner.lock.withLock { owner.reads += 1 }
            }

            func finish() throws {
                if case .finish(index) = owner.failure { throw Broken(place: "finish \(index)") }
                guard position == owner.values[index].count else { throw Broken(place: "finish \(index) before the end") }
            }
        }
    }

    /// Odd sizes: a row larger than a piece, a scalar, an empty tensor, a 1-D run, rows that do
    /// not divide the piece size.
    static let infos = [
        TensorInfo(name: "a", shape: [7, 13], dtype: .float32),
        TensorInfo(name: "scalar", shape: [], dtype: .float64),
        TensorInfo(name: "empty", shape: [0, 5], dtype: .float32),
        TensorInfo(name: "wide", shape: [2, 50], dtype: .float32),
        TensorInfo(name: "run", shape: [1001], dtype: .uint8),
        TensorInfo(name: "half", shape: [9, 3], dtype: .float16),
        // Empty, with inner dimensions whose product overflows Int.
        TensorInfo(name: "hugeEmpty", shape: [0, 1 << 62, 1 << 62], dtype: .float32),
    ]

    /// Runs the ring and records what the caller sees.
    static func collect(_ reader: MemoryReader, jobs: [RingReader.Job], pieceBytes: Int, slots: Int,
                        stopAfter: Int? = nil) throws -> (events: [String], bytes: [[UInt8]], pieces: [[Int]]) {
        var events: [String] = []
        var bytes = [[UInt8]](repeating: [], count: jobs.count)
        var pieces = [[Int]](repeating: [], count: jobs.count)
        var current = -1
        var appended = 0
        let ring = RingReader(reader: reader, jobs: jobs, pieceBytes: pieceBytes, slots: slots)
        do {
            try ring.run(begin: { job in
                events.append("begin \(job)")
                current = job
            }, append: { piece in
                if let stopAfter, appended == stopAfter { throw MemoryReader.Broken(place: "append") }
                appended += 1
                bytes[current] += piece
                pieces[current].append(piece.count)
            }, end: { job in
                #expect(job == current)
                events.append("end \(job)")
            })
        } catch {
            events.append("error \(error)")
        }
        return (events, bytes, pieces)
    }

    @Test(arguments: [(64, 1), (64, 2), (100, 4), (1 << 20, 3)])
    func piecesComeInOrderInWholeRows(pieceBytes: Int, slots: Int) throws {
        let reader = MemoryReader(Self.infos)
        let jobs = reader.tensors.map { RingReader.Job(tensor: $0, dtype: $0.info.dtype) }
        let (events, bytes, pieces) = try Self.collect(reader, jobs: jobs, pieceBytes: pieceBytes, slots: slots)
        #expect(events == jobs.indices.flatMap { ["begin \($0)", "end \($0)"] })
        for (index, info) in Self.infos.enumerated() {
            #expect(bytes[index] == reader.values[index], "\(info.name)")
            let rowBytes = TensorPieces.rowBytes(info)
            for size in pieces[index] {
                #expect(size % rowBytes == 0 && (size <= pieceBytes || size == rowBytes), "\(info.name): piece of \(size)")
            }
        }
        #expect(pieces[2].isEmpty && pieces[6].isEmpty)
    }

    @Test func convertsOnTheWay() throws {
        let infos = [TensorInfo(name: "w", shape: [33, 7], dtype: .float32), TensorInfo(name: "n", shape: [5], dtype: .int32)]
        let reader = MemoryReader(infos)
        let jobs = [RingReader.Job(tensor: reader.tensors[0], dtype: .float16), RingReader.Job(tensor: reader.tensors[1], dtype: .int32)]
        let (_, bytes, pieces) = try Self.collect(reader, jobs: jobs, pieceBytes: 100, slots: 2)
        var expected = [UInt8](repeating: 0, count: infos[0].elementCount * 2)
        reader.values[0].withUnsafeBytes { source in
            expected.withUnsafeMutableBytes { ElementConversion.convert(source, from: .float32, to: .float16, into: $0) }
        }
        #expect(bytes[0] == expected)
        #expect(bytes[1] == reader.values[1])
        // Neither the float32 rows read nor the float16 rows handed over exceed the piece size.
        #expect(pieces[0].allSatisfy { $0 <= 100 / 2 })
    }

    @Test(arguments: [
        (MemoryReader.Failure.open(3), "open 3"), (.read(tensor: 3, piece: 1), "read 3.1"), (.finish(3), "finish 3"),
        (.open(0), "open 0"), (.read(tensor: 5, piece: 0), "read 5.0"),
    ])
    func readingErrorsComeAfterTheirTensorBegins(failure: MemoryReader.Failure, place: String) throws {
        let reader = MemoryReader(Self.infos, failure: failure)
        let jobs = reader.tensors.map { RingReader.Job(tensor: $0, dtype: $0.info.dtype) }
        let (events, _, _) = try Self.collect(reader, jobs: jobs, pieceBytes: 64, slots: 2)
        let failed = Int(place.split(separator: " ")[1].prefix { $0 != "." })!
        let before = (0..<failed).flatMap { ["begin \($0)", "end \($0)"] }
        #expect(events == before + ["begin \(failed)", "error \(MemoryReader.Broken(place: place))"])
    }

    @Test func anErrorOfTheCallerStopsTheReading() throws {
        // Many pieces, few slots: the reading thread must stop soon after the caller does.
        let big = [TensorInfo(name: "big", shape: [10_000, 16], dtype: .float32)]
        let reader = MemoryReader(big)
        let jobs = reader.tensors.map { RingReader.Job(tensor: $0, dtype: $0.info.dtype) }
        let (events, _, pieces) = try Self.collect(reader, jobs: jobs, pieceBytes: 64, slots: 3, stopAfter: 5)
        #expect(events.last == "error \(MemoryReader.Broken(place: "append"))")
        #expect(pieces[0].count == 5)
        #expect(reader.piecesRead <= 5 + 1 + 3, "read \(reader.piecesRead) pieces for 5 used")
    }

    @Test func manyShortRunsFinish() throws {
        for round in 0..<200 {
            let reader = MemoryReader(Array(Self.infos.prefix(1 + round % Self.infos.count)))
            let jobs = reader.tensors.map { RingReader.Job(tensor: $0, dtype: $0.info.dtype) }
            let (_, bytes, _) = try Self.collect(reader, jobs: jobs, pieceBytes: 16 + round, slots: 1 + round % 3)
            #expect(bytes == reader.values)
        }
    }
}
