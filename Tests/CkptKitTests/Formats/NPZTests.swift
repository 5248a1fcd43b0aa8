import Foundation
import Testing

@testable import CkptKit

@Suite("NPZ archives")
struct NPZTests {
    let scratch = ZipTestScratch()
    static let dtypes = DType.allCases
    static let shapes: [[Int]] = [[], [0], [7], [3, 4], [2, 3, 5]]
    static let compressions: [NPZWriter.Compression] = [.stored, .deflated(level: 6)]

    /// Deterministic values for `info` (0/1 for bool, patterned bytes otherwise).
    static func values(_ info: TensorInfo, seed: UInt32 = 1) -> [UInt8] {
        if info.dtype == .bool { return (0 ..< info.byteCount).map { UInt8($0 % 3 == 0 ? 1 : 0) } }
        return ZipTestFiles.pattern(count: info.byteCount, seed: seed &+ UInt32(info.name.utf8.count))
    }

    static func tensors(_ dtype: DType) -> [TensorInfo] {
        shapes.enumerated().map { index, shape in
            TensorInfo(name: "layer\(index)/\(dtype.rawValue)", shape: shape, dtype: dtype)
        }
    }

    /// Writes `tensors` with `values`, appending in pieces of `chunk` bytes (nil: one append).
    static func write(
        _ path: String,
        _ tensors: [TensorInfo],
        compression: NPZWriter.Compression = .stored,
        chunk: Int? = nil,
        forceZip64: Bool = false
    ) throws {
        let writer = try NPZWriter(path: path, tensors: tensors, compression: compression, forceZip64: forceZip64)
        for info in tensors {
            try writer.beginTensor(info)
            let bytes = values(info)
            let step = max(chunk ?? bytes.count, 1)
            var start = 0
            repeat {
                let end = min(bytes.count, start + step)
                try bytes[start ..< end].withUnsafeBytes { try writer.append($0) }
                start = end
            } while start < bytes.count
            try writer.endTensor()
        }
        try writer.finish()
    }

    static func expectRoundTrip(_ path: String, _ tensors: [TensorInfo]) throws {
        let reader = try NPZReader(path: path)
        #expect(reader.tensors == tensors)
        for info in tensors {
            #expect(try reader.readTensor(named: info.name) == values(info), "\(info.name)")
        }
    }

    @Test("every dtype and shape round-trips", arguments: dtypes, compressions)
    func roundTrip(dtype: DType, compression: NPZWriter.Compression) throws {
        let path = try scratch.path("rt.npz")
        let tensors = Self.tensors(dtype)
        try Self.write(path, tensors, compression: compression)
        try Self.expectRoundTrip(path, tensors)
    }

    @Test("appends in odd chunk sizes give the same file as one append", arguments: compressions)
    func chunking(compression: NPZWriter.Compression) throws {
        let small = [
            TensorInfo(name: "a/kernel", shape: [33, 17, 5], dtype: .float32),
            TensorInfo(name: "b", shape: [1001], dtype: .int16),
            TensorInfo(name: "c", shape: [0, 4], dtype: .float64),
        ]
        // Larger than the writer's 1 MiB buffer, so appends both fill it and bypass it.
        let large = small + [TensorInfo(name: "d/big", shape: [300, 1000], dtype: .float64)]
        for (tensors, chunks) in [(small, [1, 3, 7, 64, 4095]), (large, [4095, 65_537, 1 << 20, 3 << 20])] {
            let whole = try scratch.path("whole.npz")
            try Self.write(whole, tensors, compression: compression)
            let expected = try ZipTestFiles.bytes(of: whole)
            for chunk in chunks {
                let path = try scratch.path("chunk\(chunk).npz")
                try Self.write(path, tensors, compression: compression, chunk: chunk)
                #expect(try ZipTestFiles.bytes(of: path) == expected, "chunk \(chunk)")
            }
            try Self.expectRoundTrip(whole, tensors)
        }
    }

    @Test("forced ZIP64 archives round-trip", arguments: compressions)
    func forcedZip64(compression: NPZWriter.Compression) throws {
        let path = try scratch.path("z64.npz")
        let tensors = Self.tensors(.float32) + Self.tensors(.uint8)
        try Self.write(path, tensors, compression: compression, forceZip64: true)
        let bytes = try ZipTestFiles.bytes(of: path)
        #expect(!ZipTestFiles.occurrences(of: [0x50, 0x4B, 0x06, 0x06], in: bytes).isEmpty)
        try Self.expectRoundTrip(path, tensors)
    }

    @Test("the same tensors give the same bytes", arguments: compressions)
    func deterministic(compression: NPZWriter.Compression) throws {
        let tensors = Self.tensors(.float16) + Self.tensors(.int64)
        let first = try scratch.path("1.npz")
        let second = try scratch.path("2.npz")
        try Self.write(first, tensors, compression: compression)
        try Self.write(second, tensors, compression: compression)
        #expect(try ZipTestFiles.bytes(of: first) == ZipTestFiles.bytes(of: second))
    }

    @Test("golden checksum of a small stored archive")
    func golden() throws {
        let path = try scratch.path("g.npz")
        try Self.write(path, [
            TensorInfo(name: "dense/kernel", shape: [3, 2], dtype: .float32),
            TensorInfo(name: "dense/bias", shape: [2], dtype: .float32),
        ])
        var crc = CRC32()
        crc.update(try ZipTestFiles.bytes(of: path))
        #expect(crc.value == Self.goldenCRC)
    }
    static let goldenCRC: UInt32 = 0xB8A0_A919

    @Test("member names are '<tensor name>.npy' and stored data is 64-byte aligned")
    func layout() throws {
        let path = try scratch.path("n.npz")
        let tensors = [
            TensorInfo(name: "conv1/kernel", shape: [3, 3, 1, 8], dtype: .float32),
            TensorInfo(name: "b", shape: [8], dtype: .float32),
            TensorInfo(name: "block_1/bn/moving_variance", shape: [5], dtype: .float16),
        ]
        try Self.write(path, tensors)
        let zip = try ZipReader(path: path)
        #expect(zip.entries.map(\.name) == ["conv1/kernel.npy", "b.npy", "block_1/bn/moving_variance.npy"])
        for entry in zip.entries {
            // Every header here is 128 bytes, so aligned members mean aligned values.
            #expect(entry.dataOffset % 64 == 0, "\(entry.name)")
        }
    }

    @Test("the writer enforces its declared tensors and byte counts")
    func writerContracts() throws {
        let info = TensorInfo(name: "w/kernel", shape: [2, 3], dtype: .float32)
        let other = TensorInfo(name: "w/bias", shape: [3], dtype: .float32)

        #expect(throws: NPZError.self) { try NPZWriter(path: try scratch.path("x.npz"), tensors: [info, info]) }
        #expect(throws: NPZError.self) { try NPZWriter(path: try scratch.path("x.npz"), tensors: [TensorInfo(name: "../up", shape: [1], dtype: .int8)]) }
        #expect(throws: NPZError.self) { try NPZWriter(path: try scratch.path("x.npz"), tensors: [TensorInfo(name: "neg", shape: [-1], dtype: .int8)]) }
        #expect(throws: NPZError.self) { try NPZWriter(path: try scratch.path("x.npz"), tensors: [], compression: .deflated(level: 11)) }

        do {
            let writer = try NPZWriter(path: try scratch.path("x.npz"), tensors: [info])
            try writer.beginTensor(info)
            let error = #expect(throws: NPZError.self) {
                try [UInt8](repeating: 0, count: 25).withUnsafeBytes { try writer.append($0) }
            }
            #expect(error?.member == "w/kernel")
            #expect(error?.description.contains("w/kernel") == true)
        }
        do {
            let writer = try NPZWriter(path: try scratch.path("x.npz"), tensors: [info])
            try writer.beginTensor(info)
            try [UInt8](repeating: 0, count: 23).withUnsafeBytes { try writer.append($0) }
            let error = #expect(throws: NPZError.self) { try writer.endTensor() }
            #expect(error?.description.contains("w/kernel") == true)
        }
        do {
            let writer = try NPZWriter(path: try scratch.path("x.npz"), tensors: [info])
            #expect(throws: NPZError.self) { try writer.beginTensor(other) }
        }
        do {
            let writer = try NPZWriter(path: try scratch.path("x.npz"), tensors: [info])
            var changed = info
            changed.shape = [3, 2]
            #expect(throws: NPZError.self) { try writer.beginTensor(changed) }
        }
        do {
            let writer = try NPZWriter(path: try scratch.path("x.npz"), tensors: [info, other])
            try writer.beginTensor(other)
            try [UInt8](repeating: 0, count: 12).withUnsafeBytes { try writer.append($0) }
            try writer.endTensor()
            let error = #expect(throws: NPZError.self) { try writer.finish() }
            #expect(error?.member == "w/kernel")
        }
    }

    // MARK: - Arrays written by hand, as NumPy stores them

    /// An `.npy` file made by hand: a version `major` preamble around `dictionary`, then `data`.
    static func npy(_ dictionary: String, _ data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        let fixed = major == 1 ? 10 : 12
        var text = Array(dictionary.utf8)
        while (fixed + text.count + 1) % 64 != 0 { text.append(UInt8(ascii: " ")) }
        text.append(UInt8(ascii: "\n"))
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        let length = UInt32(text.count)
        bytes += (0 ..< (major == 1 ? 2 : 4)).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        return bytes + text + data
    }

    static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian, Array.init) }
    }

    static func bigEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bigEndian, Array.init) }
    }

    @Test("big-endian and Fortran-order arrays come back little-endian in C order", arguments: [ZipWriter.Method.stored, .deflated(level: 6)])
    func foreignLayouts(method: ZipWriter.Method) throws {
        let floats: [Float] = [1.5, -2, 3.25, 0, -0.125, 1e30]
        let cOrder16: [Int16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]  // shape (3, 4)
        // Fortran order lists column by column: element (i, j) at i + 3j.
        let fortran16: [Int16] = [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
        var fortran64: [UInt64] = Array(repeating: 0, count: 24)  // shape (2, 3, 4)
        var c64: [UInt64] = []
        for i in 0 ..< 2 { for j in 0 ..< 3 { for k in 0 ..< 4 {
            let value = UInt64(0x0102_0304_0506_0000) + UInt64(100 * i + 10 * j + k)
            fortran64[i + 2 * j + 6 * k] = value
            c64.append(value)
        } } }

        let members: [(name: String, bytes: [UInt8])] = [
            ("be/f4.npy", Self.npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", Self.bigEndianBytes(floats.map(\.bitPattern)))),
            ("f/i2.npy", Self.npy("{'descr': '<i2', 'fortran_order': True, 'shape': (3, 4), }", Self.littleEndianBytes(fortran16))),
            ("bef/u8.npy", Self.npy("{'descr': '>u8', 'fortran_order': True, 'shape': (2, 3, 4), }", Self.bigEndianBytes(fortran64))),
            ("f1d/i4.npy", Self.npy("{'descr': '<i4', 'fortran_order': True, 'shape': (3,), }", Self.littleEndianBytes([Int32(7), 8, 9]))),
            ("v2/i2.npy", Self.npy("{'descr': '<i2', 'fortran_order': False, 'shape': (3, 4), }", Self.littleEndianBytes(cOrder16), major: 2)),
            ("v3/i2.npy", Self.npy("{'descr': '>i2', 'fortran_order': False, 'shape': (3, 4), }", Self.bigEndianBytes(cOrder16), major: 3)),
            ("scalar.npy", Self.npy("{'descr': '>f8', 'fortran_order': False, 'shape': (), }", Self.bigEndianBytes([Double(2.5).bitPattern]))),
        ]
        let path = try scratch.path("foreign.npz")
        try ZipTestFiles.writeArchive(path, members: members, method: method)
        let reader = try NPZReader(path: path)
        #expect(reader.tensors == [
            TensorInfo(name: "be/f4", shape: [2, 3], dtype: .float32),
            TensorInfo(name: "f/i2", shape: [3, 4], dtype: .int16),
            TensorInfo(name: "bef/u8", shape: [2, 3, 4], dtype: .uint64),
            TensorInfo(name: "f1d/i4", shape: [3], dtype: .int32),
            TensorInfo(name: "v2/i2", shape: [3, 4], dtype: .int16),
            TensorInfo(name: "v3/i2", shape: [3, 4], dtype: .int16),
            TensorInfo(name: "scalar", shape: [], dtype: .float64),
        ])
        let expected: [String: [UInt8]] = [
            "be/f4": Self.littleEndianBytes(floats.map(\.bitPattern)),
            "f/i2": Self.littleEndianBytes(cOrder16),
            "bef/u8": Self.littleEndianBytes(c64),
            "f1d/i4": Self.littleEndianBytes([Int32(7), 8, 9]),
            "v2/i2": Self.littleEndianBytes(cOrder16),
            "v3/i2": Self.littleEndianBytes(cOrder16),
            "scalar": Self.littleEndianBytes([Double(2.5).bitPattern]),
        ]
        for (name, bytes) in expected {
            #expect(try reader.readTensor(named: name) == bytes, "\(name)")
            var chunks: [UInt8] = []
            try reader.readChunks(named: name, maximumChunkBytes: 5) { chunks += $0 }
            #expect(chunks == bytes, "\(name) in chunks")
        }
    }

    @Test("reading into a caller's buffer and in chunks")
    func bufferAndChunks() throws {
        let path = try scratch.path("c.npz")
        let info = TensorInfo(name: "big", shape: [1000, 333], dtype: .float32)
        try Self.write(path, [info], compression: .deflated(level: 1))
        let reader = try NPZReader(path: path)
        #expect(reader.tensor(named: "big") == info)
        #expect(reader.tensor(named: "missing") == nil)
        var buffer = [UInt8](repeating: 0, count: info.byteCount)
        try buffer.withUnsafeMutableBytes { try reader.read(named: "big", into: $0) }
        #expect(buffer == Self.values(info))
        var chunks: [UInt8] = []
        var sizes: Set<Int> = []
        try reader.readChunks(named: "big", maximumChunkBytes: 100_001) { chunk in
            chunks += chunk
            sizes.insert(chunk.count)
        }
        #expect(chunks == buffer)
        #expect(sizes.allSatisfy { $0 % 4 == 0 && $0 <= 100_001 })
        #expect(throws: NPZError.self) {
            var small = [UInt8](repeating: 0, count: 8)
            try small.withUnsafeMutableBytes { try reader.read(named: "big", into: $0) }
        }
        #expect(throws: NPZError.self) { try reader.readTensor(named: "missing") }
    }

    // MARK: - Hostile input

    /// Expects opening (and reading every tensor of) `path` to throw an NPZError naming it.
    @discardableResult
    static func expectRejected(_ path: String, _ kind: NPZError.Kind? = nil, mentioning text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> NPZError? {
        let error = #expect(throws: NPZError.self, sourceLocation: sourceLocation) {
            let reader = try NPZReader(path: path)
            for info in reader.tensors { _ = try reader.readTensor(named: info.name) }
        }
        if let error {
            #expect(error.description.contains(path), "\(error)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
            if let kind { #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation) }
            if let text { #expect(error.description.contains(text), "\(error)", sourceLocation: sourceLocation) }
        }
        return error
    }

    func validArchive(_ name: String = "v.npz", compression: NPZWriter.Compression = .stored, forceZip64: Bool = false) throws -> String {
        let path = try scratch.path(name)
        try Self.write(path, [
            TensorInfo(name: "aa/kernel", shape: [4, 5], dtype: .float32),
            TensorInfo(name: "bb/kernel", shape: [5], dtype: .float32),
        ], compression: compression, forceZip64: forceZip64)
        return path
    }

    /// Offset of the 22-byte end of central directory record (no comment in our archives).
    static func endRecord(_ bytes: [UInt8]) -> Int { bytes.count - 22 }

    @Test("missing, empty, truncated and non-zip files")
    func notZips() throws {
        let missing = try scratch.path("missing.npz")
        Self.expectRejected(missing, .io)
        let empty = try scratch.path("empty.npz")
        try ZipTestFiles.write([], to: empty)
        Self.expectRejected(empty, .corruptArchive)
        let text = try scratch.path("text.npz")
        try ZipTestFiles.write(Array(String(repeating: "not a zip file ", count: 10).utf8), to: text)
        Self.expectRejected(text, .corruptArchive, mentioning: "end of central directory")
        let directory = try scratch.path("dir.npz")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        Self.expectRejected(directory, .io)

        for compression in Self.compressions {
            for forceZip64 in [false, true] {
                let valid = try validArchive(compression: compression, forceZip64: forceZip64)
                let bytes = try ZipTestFiles.bytes(of: valid)
                for keep in [bytes.count - 1, bytes.count - 22, bytes.count / 2, 100, 30, 4] {
                    let cut = try scratch.path("cut\(keep).npz")
                    try ZipTestFiles.write(Array(bytes.prefix(keep)), to: cut)
                    Self.expectRejected(cut)
                }
            }
        }
    }

    @Test("central directory offsets, sizes and counts beyond the file", arguments: [false, true])
    func directoryBounds(forceZip64: Bool) throws {
        let valid = try validArchive(forceZip64: forceZip64)
        let original = try ZipTestFiles.bytes(of: valid)
        let end = Self.endRecord(original)
        // In a zip64 archive the real values are in the zip64 end record (56 + 20 bytes before).
        let zip64End = end - 20 - 56
        let edits: [(String, (inout [UInt8]) -> Void)] = [
            ("offset", { bytes in
                if forceZip64 { for i in 0 ..< 8 { bytes[zip64End + 48 + i] = 0x7F } } else { ZipTestFiles.setU32(&bytes, at: end + 16, 0x7FFF_FFF0) }
            }),
            ("size", { bytes in
                if forceZip64 { bytes[zip64End + 40 + 3] = 0x10 } else { ZipTestFiles.setU32(&bytes, at: end + 12, 0x00FF_FFFF) }
            }),
            ("count", { bytes in
                if forceZip64 { bytes[zip64End + 32 + 2] = 0x10 } else {
                    ZipTestFiles.setU16(&bytes, at: end + 8, 0xFFFE)
                    ZipTestFiles.setU16(&bytes, at: end + 10, 0xFFFE)
                }
                if forceZip64 { bytes[zip64End + 24 + 2] = 0x10 }
            }),
        ]
        for (label, edit) in edits {
            let path = try scratch.path("bounds-\(label).npz")
            var bytes = original
            edit(&bytes)
            try ZipTestFiles.write(bytes, to: path)
            Self.expectRejected(path, .corruptArchive)
        }
    }

    @Test("unsafe member names", arguments: ["../kernel", "/b/kernel", "bb\\kernel"])
    func unsafeNames(replacement: String) throws {
        // Rename 'bb/kernel' in both the local and the central header.
        let path = try validArchive()
        let from = Array("bb/kernel".utf8)
        let to = Array(replacement.utf8)
        try #require(from.count == to.count)
        try ZipTestFiles.patch(path) { bytes in
            for offset in ZipTestFiles.occurrences(of: from, in: bytes) {
                bytes.replaceSubrange(offset ..< offset + to.count, with: to)
            }
        }
        Self.expectRejected(path, .invalidName, mentioning: replacement)
    }

    @Test("duplicate member names")
    func duplicateNames() throws {
        let path = try validArchive()
        try ZipTestFiles.patch(path) { bytes in
            for offset in ZipTestFiles.occurrences(of: Array("bb/kernel".utf8), in: bytes) {
                bytes.replaceSubrange(offset ..< offset + 2, with: Array("aa".utf8))
            }
        }
        Self.expectRejected(path, .invalidName, mentioning: "two members")
    }

    @Test("local header names that disagree with the central directory")
    func localNameMismatch() throws {
        let path = try validArchive()
        try ZipTestFiles.patch(path) { bytes in
            // The first occurrence is the local header's copy.
            if let offset = ZipTestFiles.occurrences(of: Array("bb/kernel".utf8), in: bytes).first {
                bytes[offset] = UInt8(ascii: "c")
            }
        }
        Self.expectRejected(path, .corruptArchive, mentioning: "bb/kernel")
    }

    @Test("unsupported compression methods and encryption")
    func unsupportedMethods() throws {
        for (label, field, value) in [("method", 10, UInt16(12)), ("encrypted", 8, UInt16(0x0801))] {
            let path = try scratch.path("\(label).npz")
            try Self.write(path, [TensorInfo(name: "t", shape: [2], dtype: .int8)])
            try ZipTestFiles.patch(path) { bytes in
                for offset in ZipTestFiles.occurrences(of: [0x50, 0x4B, 0x01, 0x02], in: bytes) {
                    ZipTestFiles.setU16(&bytes, at: offset + field, value)
                }
            }
            Self.expectRejected(path, .unsupportedArchive, mentioning: "'t.npy'")
        }
    }

    @Test("declared sizes deflate could never produce")
    func implausibleSizes() throws {
        let path = try scratch.path("bomb.npz")
        try Self.write(path, [TensorInfo(name: "z", shape: [100_000], dtype: .uint8)], compression: .deflated(level: 9))
        try ZipTestFiles.patch(path) { bytes in
            for offset in ZipTestFiles.occurrences(of: [0x50, 0x4B, 0x01, 0x02], in: bytes) {
                ZipTestFiles.setU32(&bytes, at: offset + 24, 0xFFFF_FF00)
            }
        }
        Self.expectRejected(path, .corruptArchive, mentioning: "cannot come from")
    }

    @Test("members that are not valid .npy files")
    func badMembers() throws {
        let cases: [(String, [UInt8], NPZError.Kind, String)] = [
            ("notes.txt", Array("hello".utf8), .invalidName, "not a .npy"),
            ("magic.npy", Array("hello, this is not numpy data at all".utf8), .invalidHeader, "magic"),
            ("short.npy", [0x93, 0x4E], .invalidHeader, "magic"),
            ("object.npy", Self.npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", [UInt8](repeating: 0, count: 16)), .unsupportedDType, "pickle"),
            ("more.npy", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", [UInt8](repeating: 0, count: 8)), .invalidHeader, "40 data bytes"),
            ("less.npy", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [UInt8](repeating: 0, count: 8)), .invalidHeader, "holds 8"),
            ("huge.npy", Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", []), .invalidHeader, "overflows"),
            ("long.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, 0x00, 0x10] + Array("{}".utf8), .invalidHeader, "claims"),
            ("structured.npy", Self.npy("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]), .unsupportedDType, "structured"),
        ]
        for (name, bytes, kind, text) in cases {
            for method in [ZipWriter.Method.stored, .deflated(level: 6)] {
                let path = try scratch.path("bad.npz")
                try ZipTestFiles.writeArchive(path, members: [("fine.npy", Self.npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", [1])), (name, bytes)], method: method)
                let error = Self.expectRejected(path, kind, mentioning: text)
                #expect(error?.member == name)
            }
        }
    }

    @Test("corrupted data fails its CRC-32 check", arguments: compressions)
    func crcMismatch(compression: NPZWriter.Compression) throws {
        let path = try scratch.path("crc.npz")
        let info = TensorInfo(name: "w", shape: [50_000], dtype: .float32)
        try Self.write(path, [info], compression: compression)
        try ZipTestFiles.patch(path) { bytes in
            // Flip a bit well inside the (possibly compressed) data.
            bytes[bytes.count / 2] ^= 0x01
        }
        let reader = try NPZReader(path: path)
        let error = #expect(throws: NPZError.self) { try reader.readTensor(named: "w") }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("w.npy") == true)
        if compression == .stored {
            #expect(error?.kind == .checksumMismatch)
        }
    }

    @Test("a patched CRC field is caught even when the data is intact")
    func crcField() throws {
        let path = try scratch.path("crc2.npz")
        try Self.write(path, [TensorInfo(name: "w", shape: [3], dtype: .int32)], compression: .deflated(level: 6))
        try ZipTestFiles.patch(path) { bytes in
            for offset in ZipTestFiles.occurrences(of: [0x50, 0x4B, 0x01, 0x02], in: bytes) {
                bytes[offset + 16] ^= 0xFF
            }
        }
        Self.expectRejected(path, .checksumMismatch, mentioning: "CRC-32")
    }
}
