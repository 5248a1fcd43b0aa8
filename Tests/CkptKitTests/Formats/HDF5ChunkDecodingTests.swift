import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// Float32 values 0, 1, 2, … as little-endian bytes (compressible, and each element distinct).
private func counting(_ count: Int) -> [UInt8] {
    (0..<count).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }
}

/// Builds a file with `body` and returns its path inside `folder`.
private func makeFile(_ folder: TemporaryDirectory, _ name: String = "file.h5", _ body: (HDF5File) throws -> Void) throws -> String {
    try folder.makeHDF5File(name, body)
}

/// Every tensor's bytes, read in pieces of at most `piece` bytes.
private func values(_ path: String, piece: Int = 1 << 20) throws -> [String: [UInt8]] {
    let reader = try HDF5CheckpointReader(path: path)
    var result: [String: [UInt8]] = [:]
    for tensor in reader.tensors {
        var all: [UInt8] = []
        try reader.read(tensor, maximumPieceBytes: piece) { all += $0 }
        result[tensor.info.name] = all
    }
    return result
}

/// libhdf5's own decoding of a dataset (its filters, `H5Dread`): the reference.
private func reference(_ path: String, _ dataset: String) throws -> [UInt8] {
    let file = try HDF5File.open(atPath: path)
    defer { try? file.close() }
    return try file.root.openDataset(dataset).readThroughLibhdf5()
}

@Suite("HDF5 chunks decoded by ckpt")
struct HDF5ChunkDecodingTests {
    static let pipelines: [[HDF5TestFilter]] = [
        [.deflate(level: 4)], [.shuffle, .deflate(level: 9)], [.shuffle, .deflate(level: 1), .fletcher32], [.fletcher32], [.shuffle],
        [.fletcher32, .deflate(level: 6)],
    ]
    static let layouts: [(shape: [Int], chunk: [Int])] = [([7], [3]), ([10, 13], [3, 5]), ([4, 5, 6], [3, 2, 4]), ([6, 8], [6, 8])]

    @Test("Values equal libhdf5's own decoding, for every pipeline, edge chunks, byte order and piece size",
          arguments: pipelines.indices)
    func equalsLibhdf5(_ pipelineIndex: Int) throws {
        let folder = try TemporaryDirectory()
        for (layoutIndex, layout) in Self.layouts.enumerated() {
            for bigEndian in [false, true] {
                let name = "layers/d\(layoutIndex)/vars/0"
                let count = layout.shape.reduce(1, *)
                let path = try makeFile(folder, "f\(layoutIndex)\(bigEndian).h5") { file in
                    let dataset = try file.root.createFilteredDataset(
                        name, bigEndian: bigEndian, shape: layout.shape, chunkShape: layout.chunk, filters: Self.pipelines[pipelineIndex])
                    try counting(count).withUnsafeBytes { try dataset.write($0) }
                }
                let expected = try reference(path, name)
                #expect(expected == counting(count))
                let rowBytes = layout.shape.dropFirst().reduce(4, *)
                for piece in [rowBytes, 2 * rowBytes, 1 << 20] {
                    #expect(try values(path, piece: piece)[name] == expected, "layout \(layout), big-endian \(bigEndian), piece \(piece)")
                }
            }
        }
    }

    @Test("Chunks never written read as the fill value, as with libhdf5")
    func fillValue() throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in
            let dataset = try file.root.createFilteredDataset(
                "layers/d/vars/0", shape: [9, 4], chunkShape: [2, 4], filters: [.shuffle, .deflate(level: 4)], fill: 2.5)
            // Rows 2..<4 only: the other chunks stay unallocated.
            try counting(8).withUnsafeBytes { try dataset.write($0, firstAxisOffset: 2, firstAxisCount: 2) }
        }
        let expected = try reference(path, "layers/d/vars/0")
        let got = try #require(try values(path, piece: 16)["layers/d/vars/0"])
        #expect(got == expected)
        let floats = got.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats[0] == 2.5 && floats[8] == 0 && floats[15] == 7 && floats[35] == 2.5)
    }

    /// A file with one deflate dataset of chunk `chunk` whose first chunk is replaced by `raw`.
    private func hostile(_ folder: TemporaryDirectory, chunk: Int, filters: [HDF5TestFilter] = [.deflate(level: 4)],
                         raw: (HDF5File) throws -> [UInt8]) throws -> String {
        try makeFile(folder, "hostile\(chunk).h5") { file in
            let bytes = try raw(file)
            let dataset = try file.root.createFilteredDataset("layers/d/vars/0", shape: [4 * chunk], chunkShape: [chunk], filters: filters)
            try counting(4 * chunk).withUnsafeBytes { try dataset.write($0) }
            try dataset.writeRawChunk(at: [0], bytes)
        }
    }

    /// The raw first chunk of a deflate dataset of `count` zeros in one chunk.
    private func deflatedZeros(_ file: HDF5File, _ count: Int) throws -> [UInt8] {
        let source = try file.root.createFilteredDataset("source\(count)", shape: [count], chunkShape: [count], filters: [.deflate(level: 9)])
        try [UInt8](repeating: 0, count: 4 * count).withUnsafeBytes { try source.write($0) }
        return try source.readRawChunk(at: [0])
    }

    private func readError(_ path: String) throws -> String {
        let error = try #require(throws: (any Error).self) { try values(path) }
        let text = "\(error)"
        #expect(!text.contains("\n"))
        #expect(text.contains("layers/d/vars/0") && text.contains("chunk at [0]"), "\(text)")
        return text
    }

    @Test("A chunk that inflates past its size stops at the chunk's size: a bomb cannot allocate")
    func inflatesTooFar() throws {
        let folder = try TemporaryDirectory()
        // 4 MiB of zeros in about 4 KB, stored as the first chunk of a 4 KiB-chunk dataset.
        let path = try hostile(folder, chunk: 1024) { try deflatedZeros($0, 1 << 20) }
        #expect(try readError(path).contains("inflates to more than the 4096 bytes expected"))
        // 64 MiB of zeros in about 64 KB: more than any real 4 KiB chunk stores, refused unread.
        let big = try hostile(folder, chunk: 1000) { try deflatedZeros($0, 16 << 20) }
        #expect(try readError(big).contains("stores") && readError(big).contains("for a chunk of 4000"))
    }

    @Test("A chunk that inflates to fewer bytes, a truncated stream and garbage are errors")
    func shortTruncatedGarbage() throws {
        let folder = try TemporaryDirectory()
        let short = try hostile(folder, chunk: 1024) { try deflatedZeros($0, 100) }
        #expect(try readError(short).contains("inflates to 400 bytes, not the 4096 expected"))
        let cut = try hostile(folder, chunk: 2048) { Array(try deflatedZeros($0, 2048).prefix(6)) }
        #expect(try readError(cut).contains("not a valid deflate"))
        let garbage = try hostile(folder, chunk: 512) { _ in (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7919) } }
        #expect(try readError(garbage).contains("not a valid deflate"))
    }

    @Test("A Fletcher-32 mismatch is an error naming the chunk")
    func checksum() throws {
        let folder = try TemporaryDirectory()
        let path = try hostile(folder, chunk: 256, filters: [.fletcher32]) { _ in
            var bytes = counting(256) + [0, 0, 0, 0]
            bytes[5] ^= 1
            return bytes
        }
        #expect(try readError(path).contains("Fletcher-32 checksum"))
    }

    @Test("Filters ckpt does not decode are refused when the file is opened, naming the filter",
          arguments: [HDF5TestFilter.scaleOffset, .nbit])
    func unsupportedFilter(_ filter: HDF5TestFilter) throws {
        let folder = try TemporaryDirectory()
        let path = try makeFile(folder) { file in
            let dataset = try file.root.createFilteredDataset("layers/d/vars/0", shape: [64], chunkShape: [16], filters: [filter])
            try counting(64).withUnsafeBytes { try dataset.write($0) }
        }
        let error = try #require(throws: KerasFormatError.self) { try HDF5CheckpointReader(path: path) }
        #expect(error.kind == .unsupportedType)
        #expect(error.description.contains(filter == .nbit ? "nbit" : "scaleoffset"), "\(error)")
        #expect(error.description.contains("ckpt does not decode"))
    }
}
