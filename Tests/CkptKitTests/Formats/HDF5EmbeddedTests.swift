import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// HDF5 files inside other files (`HDF5EmbeddedDriver`): `.keras` weights read in place and
/// built in place, byte for byte what a file of their own holds.
@Suite("HDF5 embedded in another file")
struct HDF5EmbeddedTests {
    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A few datasets, one written in pieces.
    static func fill(_ file: HDF5File) throws {
        let big = try file.root.createDataset("layers/dense/vars/0", dtype: .float32, shape: [300, 50])
        let values = (0..<15_000).map { Float($0) * 0.5 - 7 }
        try values.withUnsafeBytes { all in
            for start in stride(from: 0, to: 300, by: 70) {
                let rows = min(70, 300 - start)
                try big.write(UnsafeRawBufferPointer(rebasing: all[start * 200 ..< (start + rows) * 200]),
                              firstAxisOffset: start, firstAxisCount: rows)
            }
        }
        let small = try file.root.createDataset("layers/dense/vars/1", dtype: .bfloat16, shape: [3])
        try small.setAttribute("dtype", string: "bfloat16")
        try [UInt16(1), 2, 3].withUnsafeBytes { try small.write($0) }
        try file.root.setAttribute("note", string: "embedded", encoding: .utf8)
    }

    @Test func createdInsideAnotherFileIsTheStandaloneFile() throws {
        let dir = try TemporaryDirectory()
        let standalone = try HDF5File.create(atPath: dir.path("alone.h5"))
        try Self.fill(standalone)
        try standalone.close()

        let prefix = (0..<1234).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(prefix).write(to: URL(fileURLWithPath: dir.path("outer.bin")))
        let embedded = try HDF5File.create(atPath: dir.path("outer.bin"), embedding: HDF5Embedding(offset: prefix.count, size: nil))
        try Self.fill(embedded)
        try embedded.close()

        let outer = try Self.bytes(dir.path("outer.bin"))
        #expect(Array(outer.prefix(prefix.count)) == prefix, "the bytes before the embedded file changed")
        #expect(Array(outer.dropFirst(prefix.count)) == (try Self.bytes(dir.path("alone.h5"))))
    }

    @Test func readInPlaceBetweenOtherBytes() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(atPath: dir.path("alone.h5"))
        try Self.fill(file)
        try file.close()
        let inner = try Self.bytes(dir.path("alone.h5"))
        // Odd-sized bytes on both sides: the trailing ones must read as past the end (zeros).
        let outer = [UInt8](repeating: 0x5A, count: 777) + inner + [UInt8](repeating: 0xA5, count: 5000)
        try Data(outer).write(to: URL(fileURLWithPath: dir.path("outer.bin")))

        let embedding = HDF5Embedding(offset: 777, size: inner.count)
        let reader = try HDF5CheckpointReader(unsandboxedPath: dir.path("outer.bin"), embedding: embedding)
        let alone = try HDF5CheckpointReader(unsandboxedPath: dir.path("alone.h5"))
        #expect(reader.tensors == alone.tensors)
        for tensor in reader.tensors {
            var a: [UInt8] = [], b: [UInt8] = []
            try reader.read(tensor, maximumPieceBytes: 1000) { a += $0 }
            try alone.read(tensor, maximumPieceBytes: 1000) { b += $0 }
            #expect(a == b, "\(tensor.name)")
        }
        #expect(throws: HDF5Error.self) {
            try HDF5File.open(atPath: dir.path("outer.bin"), embedding: HDF5Embedding(offset: 778, size: inner.count))
        }
    }

    @Test func sandboxProbeReadsAnEmbeddedFile() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(atPath: dir.path("alone.h5"))
        try Self.fill(file)
        try file.close()
        let inner = try Self.bytes(dir.path("alone.h5"))
        try Data([1, 2, 3] + inner).write(to: URL(fileURLWithPath: dir.path("outer.bin")))
        let embedding = HDF5Embedding(offset: 3, size: inner.count)
        #expect(HDF5Sandbox.embeddingOptions(embedding) == ["--embedded", "3:\(inner.count)"])
        let sandbox = HDF5Sandbox(executablePath: TestPaths.ckptBinary, arguments: ["__probe-hdf5"])
        try sandbox.check(path: dir.path("outer.bin"), embedding: embedding)
        #expect(throws: (any Error).self) { try sandbox.check(path: dir.path("outer.bin")) }
        let bad = try ProcessRunner.run(TestPaths.ckptBinary, ["__probe-hdf5", "--embedded", "3:x", "--", dir.path("outer.bin")])
        #expect(bad.status == 2)
    }

    // MARK: .keras archives

    static func convert(_ input: String, _ output: String, spec: String?, options: WriterOptions = WriterOptions(), pieceBytes: Int? = nil) throws {
        var request = ConvertRequest(inputPath: input, outputPath: output, specPath: spec, writerOptions: options)
        request.pieceBytes = pieceBytes
        _ = try Checkpoints.convert(request)
    }

    @Test(arguments: [DirectIO.never, .always])
    func kerasArchiveBuiltInPlaceIsTheCopiedOne(directIO: DirectIO) throws {
        let dir = try TemporaryDirectory()
        // A 300 x 7500 kernel (9 MB: values around libhdf5, crossing a staging chunk) and small tensors.
        let spec = dir.path("model.json")
        try Data("""
            {"input": [300], "layers": [{"Dense": {"units": 7500}}, {"LayerNormalization": {}}, {"Dense": {"units": 7}}]}
            """.utf8).write(to: URL(fileURLWithPath: spec))
        _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: dir.path("m.safetensors"), seed: 9))
        for pieceBytes in [4096, 1 << 20] {
            var copied = WriterOptions(directIO: directIO)
            copied.kerasWeightsInPlace = false
            try Self.convert(dir.path("m.safetensors"), dir.path("copy.keras"), spec: nil, options: copied, pieceBytes: pieceBytes)
            try Self.convert(dir.path("m.safetensors"), dir.path("place.keras"), spec: nil, options: WriterOptions(directIO: directIO),
                             pieceBytes: pieceBytes)
            #expect(try Self.bytes(dir.path("copy.keras")) == (try Self.bytes(dir.path("place.keras"))), "pieces of \(pieceBytes)")
            try FileManager.default.removeItem(atPath: dir.path("copy.keras"))
            try FileManager.default.removeItem(atPath: dir.path("place.keras"))
        }
        // And the archive reads back (in place) to the same values.
        try Self.convert(dir.path("m.safetensors"), dir.path("m.keras"), spec: nil, options: WriterOptions(directIO: directIO))
        try Self.convert(dir.path("m.keras"), dir.path("back.safetensors"), spec: nil)
        #expect(try Checkpoints.diff(DiffRequest(pathA: dir.path("m.safetensors"), pathB: dir.path("back.safetensors"))).isEqual)
    }

    @Test func zip64IsDecidedFromTheValuesOrNotAtAll() {
        let limit = Int(UInt32.max)
        #expect(KerasArchiveWriter.weightsNeedZip64(valueBytes: limit, tensorCount: 1) == true)
        #expect(KerasArchiveWriter.weightsNeedZip64(valueBytes: 5_000_000_000, tensorCount: 388) == true)
        #expect(KerasArchiveWriter.weightsNeedZip64(valueBytes: 100, tensorCount: 3) == false)
        #expect(KerasArchiveWriter.weightsNeedZip64(valueBytes: limit - 1000, tensorCount: 3) == nil)
        #expect(KerasArchiveWriter.weightsNeedZip64(valueBytes: limit - (4 << 20), tensorCount: 300) == nil)
        #expect(KerasArchiveWriter.weightsNeedZip64(valueBytes: limit - (8 << 20), tensorCount: 300) == false)
    }

    /// A `.keras` whose weights member is deflated (not what Keras writes) is read from a copy;
    /// the same tensors as the stored one read in place.
    @Test func deflatedWeightsMemberIsReadFromACopy() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/cnn.json")
        _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: dir.path("stored.keras"), seed: 5))
        let zip = try ZipReader(path: dir.path("stored.keras"))
        let file = try OutputFile(path: dir.path("deflated.keras"), mode: .exclusive)
        let writer = ZipWriter(file: file)
        for entry in zip.entries {
            let contents = zip.contents(of: entry)
            let bytes = try contents.read(count: entry.uncompressedSize)
            try contents.finish()
            try writer.beginEntry(name: entry.name, method: entry.name == KerasArchiveWriter.weightsMember ? .deflated(level: 1) : .stored,
                                  uncompressedSize: bytes.count)
            try bytes.withUnsafeBytes { try writer.append($0) }
            try writer.endEntry()
        }
        try writer.finish()
        try file.close()
        let stored = try CheckpointReaders.open(path: dir.path("stored.keras"))
        let deflated = try CheckpointReaders.open(path: dir.path("deflated.keras"))
        #expect(stored.tensors == deflated.tensors)
        for tensor in stored.tensors {
            var a: [UInt8] = [], b: [UInt8] = []
            try stored.read(tensor, maximumPieceBytes: 1 << 16) { a += $0 }
            try deflated.read(tensor, maximumPieceBytes: 1 << 16) { b += $0 }
            #expect(a == b, "\(tensor.name)")
        }
        try stored.verify()
        try deflated.verify()
    }

    /// A flipped byte in a stored weights member's values: libhdf5 reads the values in place, the
    /// member's CRC-32 check catches it, and the conversion leaves nothing.
    @Test func corruptWeightsMemberFailsTheConversion() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/cnn.json")
        _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: dir.path("m.keras"), seed: 5))
        let entry = try #require(try ZipReader(path: dir.path("m.keras")).entries.first { $0.name == KerasArchiveWriter.weightsMember })
        let hdf5 = try HDF5File.open(atPath: dir.path("m.keras"), embedding: HDF5Embedding(offset: entry.dataOffset, size: entry.uncompressedSize))
        let reader = try HDF5CheckpointReader(unsandboxedPath: dir.path("m.keras"),
                                              embedding: HDF5Embedding(offset: entry.dataOffset, size: entry.uncompressedSize))
        let largest = try #require(reader.tensors.max { $0.info.byteCount < $1.info.byteCount })
        let valuesOffset = try #require(try hdf5.root.openDataset(largest.location).contiguousOffset)
        try hdf5.close()
        var bytes = try Self.bytes(dir.path("m.keras"))
        bytes[entry.dataOffset + valuesOffset + 10] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path("m.keras")))

        #expect {
            try Self.convert(dir.path("m.keras"), dir.path("out.safetensors"), spec: nil)
        } throws: { error in
            guard let error = error as? NPZError else { return false }
            return error.kind == .checksumMismatch && error.member == KerasArchiveWriter.weightsMember
                && "\(error)".contains("m.keras: member 'model.weights.h5': CRC-32 mismatch")
        }
        #expect(dir.contents() == ["m.keras"])
    }
}
