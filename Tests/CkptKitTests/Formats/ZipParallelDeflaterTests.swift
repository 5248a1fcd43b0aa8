import Foundation
import Testing

@testable import CkptKit

/// The parallel deflater: independent 1 MiB blocks, one valid raw-deflate stream, the same bytes
/// for any number of threads, Huffman-only coding of weights and LZ77 for constant blocks.
@Suite("Parallel deflate")
struct ZipParallelDeflaterTests {
    static let block = ZipParallelDeflater.blockSize

    /// Deflates `input` in appends of `piece` bytes with `threads` workers.
    static func deflate(_ input: [UInt8], threads: Int, piece: Int = 300_007) throws -> [UInt8] {
        let deflater = try ZipParallelDeflater(level: 6, threads: threads)
        var out: [UInt8] = []
        try input.withUnsafeBytes { bytes in
            var offset = 0
            repeat {
                let end = min(bytes.count, offset + piece)
                try deflater.compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), finish: end == bytes.count) {
                    out.append(contentsOf: $0)
                }
                offset = end
            } while offset < bytes.count
        }
        return out
    }

    static func inflate(_ data: [UInt8], expected: Int) throws -> [UInt8] {
        let inflater = try ZipInflater()
        var out = [UInt8](repeating: 0, count: expected + 16)
        var consumed = 0, produced = 0, ended = false
        try data.withUnsafeBytes { input in
            try out.withUnsafeMutableBytes { output in
                while !ended {
                    let step = try inflater.inflate(from: UnsafeRawBufferPointer(rebasing: input[consumed...]),
                                                    into: UnsafeMutableRawBufferPointer(rebasing: output[produced...]))
                    consumed += step.consumed
                    produced += step.produced
                    ended = step.streamEnded
                    if step.consumed == 0 && step.produced == 0 && !ended { break }
                }
            }
        }
        #expect(ended, "the stream must end with a final block")
        #expect(consumed == data.count, "nothing may follow the final block")
        return Array(out[0..<produced])
    }

    /// Pseudo-random float32 weights (a mix of sign, exponent and mantissa like real ones).
    static func weights(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let value = Float(Int64(bitPattern: state >> 11) % 1_000_000) / 1e7
            withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
        }
        return Array(bytes.prefix(count))
    }

    @Test("sizes around block boundaries inflate back to the input",
          arguments: [0, 1, 7, block - 1, block, block + 1, 3 * block + block / 2, 9 * block])
    func roundTrip(_ size: Int) throws {
        let input = Self.weights(size)
        let compressed = try Self.deflate(input, threads: 2)
        #expect(try Self.inflate(compressed, expected: size) == input)
    }

    @Test("the same bytes for 1, 2 and 7 threads and any append sizes")
    func threadIndependence() throws {
        let input = Self.weights(5 * Self.block + 12345)
        let one = try Self.deflate(input, threads: 1)
        #expect(try Self.deflate(input, threads: 2) == one)
        #expect(try Self.deflate(input, threads: 7, piece: 4096) == one)
        #expect(try Self.deflate(input, threads: 3, piece: 3 * Self.block) == one)
    }

    @Test("weights shrink like deflate does; constant tensors to almost nothing")
    func ratios() throws {
        let input = Self.weights(2 * Self.block)
        let compressed = try Self.deflate(input, threads: 2)
        #expect(compressed.count < input.count)
        var one: [UInt8] = []
        for _ in 0..<(2 * Self.block / 4) { withUnsafeBytes(of: Float(1)) { one.append(contentsOf: $0) } }
        let ones = try Self.deflate(one, threads: 2)
        #expect(ones.count < one.count / 100, "\(ones.count) bytes for \(one.count) bytes of ones")
        #expect(try Self.inflate(ones, expected: one.count) == one)
    }
}
