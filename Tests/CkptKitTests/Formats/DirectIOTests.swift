import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// O_DIRECT writes (`DirectIO`): the same bytes as buffered writes, whatever the sizes, patches
/// and fallbacks.
@Suite("Direct I/O")
struct DirectIOTests {
    /// Deterministic bytes.
    static func pattern(_ count: Int, salt: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &+ salt) &* 2_654_435_761 >> 7) }
    }

    /// Writes pieces of odd sizes (crossing the 8 MiB staging chunks) and patches: into the
    /// staging buffer, into bytes already on disk, and straddling both. Returns the file's bytes.
    static func writeSample(_ path: String, _ directIO: DirectIO, refuseAt: Int? = nil) throws -> (bytes: [UInt8], direct: Bool) {
        let file = try OutputFile(path: path, mode: .exclusive, directIO: directIO)
        file.simulatedDirectRefusal = refuseAt
        let direct = file.isDirect
        let chunk = OutputFile.directChunkSize
        for (index, size) in [1, 4095, 4097, 3 << 20 | 7, chunk, chunk - 4096 * 3 + 5, 12_345, 1 << 20].enumerated() {
            try file.write(pattern(size, salt: index))
            if index == 2 { try file.write([0xAA, 0xBB, 0xCC], at: 4094) }          // staged
            if index == 5 {
                try file.write(pattern(10, salt: 99), at: 100)                      // on disk
                try file.write(pattern(9000, salt: 98), at: chunk * 2 - 4500)        // straddles disk and buffer
            }
        }
        try file.write(pattern(7, salt: 97), at: file.offset - 7)                   // last bytes, staged
        let written = file.offset
        try file.sync()
        try file.write([1, 2, 3])                                                    // after the tail
        try file.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == written + 3)
        return (bytes, direct)
    }

    @Test func directWritesGiveTheBuffersBytes() throws {
        let dir = try TemporaryDirectory()
        let buffered = try Self.writeSample(dir.path("buffered"), .never)
        #expect(!buffered.direct)
        let direct = try Self.writeSample(dir.path("direct"), .always)
        #if os(Linux)
        #expect(direct.direct, "the test folder's file system accepts O_DIRECT")
        #endif
        #expect(direct.bytes == buffered.bytes)
        for refusal in [0, 1, 2] {
            let fallback = try Self.writeSample(dir.path("refused\(refusal)"), .always, refuseAt: refusal)
            #expect(fallback.bytes == buffered.bytes, "fallback after \(refusal) direct writes")
        }
    }

    @Test func memoryFileSystemsStayBuffered() throws {
        #if os(Linux)
        guard FileManager.default.isWritableFile(atPath: "/dev/shm") else { return }
        let path = "/dev/shm/ckpt-directio-\(UUID().uuidString)"
        defer { unlink(path) }
        let automatic = try OutputFile(path: path, mode: .exclusive, directIO: .automatic, expectedSize: 1 << 30)
        #expect(!automatic.isDirect || ProcessInfo.processInfo.environment["CKPT_DIRECT_IO"] != nil)
        try automatic.close()
        unlink(path)
        // Forced onto tmpfs: direct where the kernel takes it, buffered where not; same bytes.
        let forced = try Self.writeSample(path, .always)
        let dir = try TemporaryDirectory()
        #expect(forced.bytes == (try Self.writeSample(dir.path("b"), .never)).bytes)
        #endif
    }

    @Test func automaticNeedsALargeFile() throws {
        let dir = try TemporaryDirectory()
        let small = try OutputFile(path: dir.path("s"), mode: .exclusive, directIO: .automatic, expectedSize: 1000)
        #expect(!small.isDirect || ProcessInfo.processInfo.environment["CKPT_DIRECT_IO"] != nil)
        try small.close()
        let unknown = try OutputFile(path: dir.path("u"), mode: .exclusive, directIO: .automatic)
        #expect(!unknown.isDirect || ProcessInfo.processInfo.environment["CKPT_DIRECT_IO"] != nil)
        try unknown.close()
    }

    @Test func writersGiveTheSameFilesEitherWay() throws {
        let dir = try TemporaryDirectory()
        // Sizes that leave tails off the 4096 grid, one tensor crossing a staging chunk.
        let tensors = [TensorInfo(name: "a", shape: [3, 1001], dtype: .float32),
                       TensorInfo(name: "b", shape: [OutputFile.directChunkSize / 4 + 777], dtype: .float32),
                       TensorInfo(name: "c", shape: [5], dtype: .float16)]
        let layout = SafetensorsTests.layout(tensors)
        var files: [String: [[UInt8]]] = [:]
        for mode in [DirectIO.never, .always] {
            let st = dir.path("m-\(mode).safetensors")
            try SafetensorsTests.write(st, layout, options: WriterOptions(directIO: mode), rowsPerPiece: 1)
            files["st", default: []].append(try SafetensorsTests.bytes(of: st))
            for compression in [NPZWriter.Compression.stored, .deflated(level: 1)] {
                let npz = dir.path("m-\(mode)-\(compression).npz")
                let writer = try NPZWriter(path: npz, tensors: tensors, compression: compression, directIO: mode)
                for info in tensors {
                    try writer.beginTensor(info)
                    try SafetensorsTests.values(info).withUnsafeBytes { try writer.append($0) }
                    try writer.endTensor()
                }
                try writer.finish()
                files["npz \(compression)", default: []].append(try SafetensorsTests.bytes(of: npz))
                #expect(try NPZReader(path: npz).tensors.count == tensors.count)
            }
        }
        for (name, versions) in files {
            #expect(versions.count == 2 && versions[0] == versions[1], "\(name): direct and buffered files differ")
        }
    }

    /// Regions written at odd offsets of an existing file (`seek(to:)`, as for an HDF5 file's
    /// dataset values): regions sharing a block, crossing staging chunks, extending the file.
    static func writeRegions(_ path: String, _ directIO: DirectIO, refuseAt: Int? = nil) throws -> [UInt8] {
        let chunk = OutputFile.directChunkSize
        let prefill = try OutputFile(path: path, mode: .exclusive)
        try prefill.write(quickPattern(chunk * 2 + 12_345, salt: 1))
        try prefill.close()
        let file = try OutputFile(path: path, mode: .existing, directIO: directIO)
        file.simulatedDirectRefusal = refuseAt
        let regions = [(100, 5000), (5100, 3000), (4096 * 3, 4096), (chunk - 777, chunk + 1555),
                       (8200, 3 << 20 | 5), (chunk * 2 + 10_000, chunk / 2 + 3), (7, 9)]
        for (index, (position, size)) in regions.enumerated() {
            try file.seek(to: position)
            // In two writes, the second of odd size.
            try file.write(quickPattern(size / 3, salt: 10 + index))
            try file.write(quickPattern(size - size / 3, salt: 20 + index))
            #expect(file.offset == position + size)
        }
        try file.close()
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Deterministic bytes, made quickly in a debug build.
    static func quickPattern(_ count: Int, salt: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var state = UInt32(truncatingIfNeeded: salt &* 2_654_435_761 | 1)
            for index in 0..<count {
                state = state &* 1_664_525 &+ 1_013_904_223
                buffer[index] = UInt8(truncatingIfNeeded: state >> 24)
            }
            initialized = count
        }
    }

    @Test func regionsGiveTheBuffersBytes() throws {
        let dir = try TemporaryDirectory()
        let buffered = try Self.writeRegions(dir.path("buffered"), .never)
        #expect(try Self.writeRegions(dir.path("direct"), .always) == buffered)
        for refusal in [0, 1, 3] {
            #expect(try Self.writeRegions(dir.path("refused\(refusal)"), .always, refuseAt: refusal) == buffered,
                    "fallback after \(refusal) direct writes")
        }
    }

    /// `.weights.h5`, `.h5` and `.keras` with the values of large datasets written around
    /// libhdf5 (`HDF5DirectValues`), in pieces small enough for libhdf5's sieve buffer and
    /// larger: the same files as libhdf5 alone writes.
    @Test(arguments: [4096, 300_000])
    func hdf5WritersGiveTheSameFilesEitherWay(pieceBytes: Int) throws {
        let dir = try TemporaryDirectory()
        // A 300 x 7500 kernel (9 MB as float32, more than a staging chunk; 4.5 MB as bfloat16, widened
        // in .h5) among small tensors.
        let spec = dir.path("model.json")
        try Data("""
            {"input": [300], "layers": [{"Dense": {"units": 7500}}, {"LayerNormalization": {}}, {"Dense": {"units": 7}}]}
            """.utf8).write(to: URL(fileURLWithPath: spec))
        for dtype in [DType.float32, .bfloat16] {
            var request = InitRequest(specPath: spec, outputPath: dir.path("src-\(dtype).safetensors"), seed: 3,
                                      planOptions: PlanOptions(dtype: dtype))
            request.writerOptions.directIO = .never
            _ = try Checkpoints.initialize(request)
            for (target, weightsOnly) in [("weights.h5", false), ("h5", false), ("h5", true), ("keras", false)] {
                var files: [Data] = []
                for mode in [DirectIO.never, .always] {
                    let output = dir.path("\(dtype)-\(mode)-\(weightsOnly ? "w" : "m").\(target)")
                    var convert = ConvertRequest(inputPath: dir.path("src-\(dtype).safetensors"), outputPath: output, specPath: spec,
                                                 writerOptions: WriterOptions(weightsOnly: weightsOnly, directIO: mode))
                    convert.pieceBytes = pieceBytes
                    _ = try Checkpoints.convert(convert)
                    files.append(try Data(contentsOf: URL(fileURLWithPath: output)))
                }
                #expect(files[0] == files[1], "\(dtype) → \(target)\(weightsOnly ? " (weights only)" : ""): direct and buffered files differ")
            }
            // ckpt init's writers too, pieces of 1000 elements.
            var files: [Data] = []
            for mode in [DirectIO.never, .always] {
                var request = InitRequest(specPath: spec, outputPath: dir.path("init-\(dtype)-\(mode).weights.h5"), seed: 3,
                                          planOptions: PlanOptions(dtype: dtype))
                request.writerOptions.directIO = mode
                request.pieceElements = 1000
                _ = try Checkpoints.initialize(request)
                files.append(try Data(contentsOf: URL(fileURLWithPath: request.outputPath)))
            }
            #expect(files[0] == files[1], "ckpt init \(dtype) .weights.h5: direct and buffered files differ")
        }
    }
}
