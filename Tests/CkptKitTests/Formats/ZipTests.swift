import Foundation
import Testing

@testable import CkptKit

/// A temporary directory for one test, removed when the test's suite instance goes away
/// (Swift Testing makes one instance per test case).
final class ZipTestScratch: Sendable {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("ckpt-npz-tests-\(UUID().uuidString)", isDirectory: true)

    /// A path in the directory, which is created on first use.
    func path(_ name: String) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Byte patterns and file helpers shared by the zip, npy and npz tests.
enum ZipTestFiles {
    static func bytes(of path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Rewrites the file at `path` through `edit`.
    static func patch(_ path: String, _ edit: (inout [UInt8]) throws -> Void) throws {
        var bytes = try self.bytes(of: path)
        try edit(&bytes)
        try write(bytes, to: path)
    }

    /// A deterministic, poorly compressible byte pattern.
    static func pattern(count: Int, seed: UInt32 = 1) -> [UInt8] {
        var state = seed | 1
        return (0 ..< count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state >> 7)
        }
    }

    /// Offsets of every occurrence of `needle` in `haystack`.
    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard needle.count <= haystack.count else { return [] }
        return (0 ... haystack.count - needle.count).filter { start in
            haystack[start ..< start + needle.count].elementsEqual(needle)
        }
    }

    /// Writes a zip of raw members with ckpt's zip writer.
    static func writeArchive(
        _ path: String,
        members: [(name: String, bytes: [UInt8])],
        method: ZipWriter.Method = .stored,
        forceZip64: Bool = false
    ) throws {
        let file = try OutputFile(path: path, mode: .truncate)
        let zip = ZipWriter(file: file, forceZip64: forceZip64)
        for member in members {
            try zip.beginEntry(name: member.name, method: method, uncompressedSize: member.bytes.count)
            try member.bytes.withUnsafeBytes { try zip.append($0) }
            try zip.endEntry()
        }
        try zip.finish()
        try file.close()
    }

    /// Reads every entry of the archive at `path`, checking CRCs.
    static func readArchive(_ path: String) throws -> [(name: String, bytes: [UInt8])] {
        let reader = try ZipReader(path: path)
        return try reader.entries.map { entry in
            let contents = reader.contents(of: entry)
            let bytes = try contents.read(count: entry.uncompressedSize)
            try contents.finish()
            return (entry.name, bytes)
        }
    }

    static func u32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0 ..< 4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    static func setU16(_ bytes: inout [UInt8], at offset: Int, _ value: UInt16) {
        bytes[offset] = UInt8(value & 0xFF)
        bytes[offset + 1] = UInt8(value >> 8)
    }

    static func setU32(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
        for index in 0 ..< 4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}

@Suite("Zip container")
struct ZipTests {
    let scratch = ZipTestScratch()
    static let methods: [ZipWriter.Method] = [.stored, .deflated(level: 0), .deflated(level: 1), .deflated(level: 6), .deflated(level: 9)]

    @Test("entries of many sizes round-trip", arguments: methods)
    func roundTrip(method: ZipWriter.Method) throws {
        let path = try scratch.path("a.zip")
        let members: [(name: String, bytes: [UInt8])] = [
            ("empty", []),
            ("one", [42]),
            ("dir/small.bin", ZipTestFiles.pattern(count: 1000)),
            ("dir/zeros.bin", [UInt8](repeating: 0, count: 200_000)),
            ("big/random.bin", ZipTestFiles.pattern(count: 3 << 20, seed: 7)),
            ("ünïcödé/名前.bin", ZipTestFiles.pattern(count: 77, seed: 3)),
        ]
        try ZipTestFiles.writeArchive(path, members: members, method: method)
        let read = try ZipTestFiles.readArchive(path)
        #expect(read.map(\.name) == members.map(\.name))
        for (got, want) in zip(read, members) {
            #expect(got.bytes == want.bytes, "\(want.name)")
        }
    }

    @Test("entries of unknown size are patched after writing", arguments: methods)
    func unknownSize(method: ZipWriter.Method) throws {
        let path = try scratch.path("u.zip")
        let file = try OutputFile(path: path, mode: .truncate)
        let zip = ZipWriter(file: file, bufferCapacity: 4096)
        let payloads = [ZipTestFiles.pattern(count: 10_000), [], ZipTestFiles.pattern(count: 5, seed: 9)]
        for (index, payload) in payloads.enumerated() {
            try zip.beginEntry(name: "m\(index)", method: method)
            var start = 0
            while start < payload.count {
                let end = min(payload.count, start + 777)
                try payload[start ..< end].withUnsafeBytes { try zip.append($0) }
                start = end
            }
            try zip.endEntry()
        }
        try zip.finish()
        try file.close()
        #expect(try ZipTestFiles.readArchive(path).map(\.bytes) == payloads)
    }

    @Test("headers are patched in the buffer or on disk, whichever holds them", arguments: [4096, 1 << 20])
    func bufferSizes(capacity: Int) throws {
        let path = try scratch.path("b.zip")
        let file = try OutputFile(path: path, mode: .truncate)
        let zip = ZipWriter(file: file, bufferCapacity: capacity)
        let large = ZipTestFiles.pattern(count: 3 * capacity + 5)
        let members = [("a", ZipTestFiles.pattern(count: 10)), ("b", large), ("c", ZipTestFiles.pattern(count: 100))]
        for (name, bytes) in members {
            try zip.beginEntry(name: name, method: .stored, uncompressedSize: bytes.count)
            // One small write, then the rest in one piece larger than the buffer.
            try bytes.withUnsafeBytes { raw in
                let split = min(3, raw.count)
                try zip.append(UnsafeRawBufferPointer(rebasing: raw[0 ..< split]))
                try zip.append(UnsafeRawBufferPointer(rebasing: raw[split...]))
            }
            try zip.endEntry()
        }
        try zip.finish()
        try file.close()
        #expect(try ZipTestFiles.readArchive(path).map(\.bytes) == members.map(\.1))
    }

    @Test("forced ZIP64 archives use the ZIP64 records and read back", arguments: [ZipWriter.Method.stored, .deflated(level: 6)])
    func forcedZip64(method: ZipWriter.Method) throws {
        let path = try scratch.path("z64.zip")
        let members: [(name: String, bytes: [UInt8])] = [("x", ZipTestFiles.pattern(count: 5000)), ("y", [])]
        try ZipTestFiles.writeArchive(path, members: members, method: method, forceZip64: true)
        let bytes = try ZipTestFiles.bytes(of: path)
        #expect(!ZipTestFiles.occurrences(of: [0x50, 0x4B, 0x06, 0x06], in: bytes).isEmpty, "zip64 end record")
        #expect(!ZipTestFiles.occurrences(of: [0x50, 0x4B, 0x06, 0x07], in: bytes).isEmpty, "zip64 locator")
        // The 32-bit end record defers every field to the zip64 record.
        let end = Array(bytes.suffix(22))
        #expect(Array(end[8 ..< 20]) == [UInt8](repeating: 0xFF, count: 12))
        let read = try ZipTestFiles.readArchive(path)
        #expect(read.map(\.name) == ["x", "y"])
        #expect(read.map(\.bytes) == members.map(\.bytes))
    }

    @Test("65535 entries switch to the ZIP64 end record")
    func manyEntries() throws {
        let path = try scratch.path("many.zip")
        let file = try OutputFile(path: path, mode: .truncate)
        let zip = ZipWriter(file: file)
        let count = 0xFFFF
        var byte: UInt8 = 1
        for index in 0 ..< count {
            try zip.beginEntry(name: "e\(index)", method: .stored, uncompressedSize: 1)
            try withUnsafeBytes(of: &byte) { try zip.append($0) }
            try zip.endEntry()
        }
        try zip.finish()
        try file.close()
        let reader = try ZipReader(path: path)
        #expect(reader.entries.count == count)
        #expect(reader.entries.last?.name == "e\(count - 1)")
    }

    @Test("output is byte-identical for identical input", arguments: [ZipWriter.Method.stored, .deflated(level: 6)])
    func deterministic(method: ZipWriter.Method) throws {
        let members: [(name: String, bytes: [UInt8])] = [("a/b", ZipTestFiles.pattern(count: 50_000)), ("c", [1, 2, 3])]
        let first = try scratch.path("1.zip")
        let second = try scratch.path("2.zip")
        try ZipTestFiles.writeArchive(first, members: members, method: method)
        try ZipTestFiles.writeArchive(second, members: members, method: method)
        #expect(try ZipTestFiles.bytes(of: first) == ZipTestFiles.bytes(of: second))
    }

    @Test("stored data is aligned in the file", arguments: [1, 2, 5, 13, 60, 61, 62, 63, 64, 200])
    func alignment(nameLength: Int) throws {
        let path = try scratch.path("al.zip")
        let file = try OutputFile(path: path, mode: .truncate)
        let zip = ZipWriter(file: file)
        for (index, size) in [3, 64, 1000].enumerated() {
            try zip.beginEntry(name: String(repeating: "n", count: nameLength) + "\(index)", method: .stored, uncompressedSize: size, alignment: 64)
            try ZipTestFiles.pattern(count: size).withUnsafeBytes { try zip.append($0) }
            try zip.endEntry()
        }
        try zip.finish()
        try file.close()
        let reader = try ZipReader(path: path)
        for entry in reader.entries {
            #expect(entry.dataOffset % 64 == 0, "\(entry.name) data at \(entry.dataOffset)")
        }
        _ = try ZipTestFiles.readArchive(path)
    }

    @Test("the writer enforces declared sizes and safe, unique names")
    func writerContracts() throws {
        func writer() throws -> (ZipWriter, OutputFile) {
            let file = try OutputFile(path: try scratch.path("w.zip"), mode: .truncate)
            return (ZipWriter(file: file), file)
        }
        for bad in ["../x", "a/../../x", "/abs", "a\\b", "", "C:/x"] {
            let (zip, _) = try writer()
            let error = #expect(throws: NPZError.self) { try zip.beginEntry(name: bad, method: .stored) }
            #expect(error?.kind == .invalidName, "\(bad)")
        }
        do {
            let (zip, _) = try writer()
            for fine in ["w:0", "dense/kernel:0", "a.b/c", "ünï/名"] {
                try zip.beginEntry(name: fine, method: .stored)
                try zip.endEntry()
            }
        }
        do {
            let (zip, _) = try writer()
            try zip.beginEntry(name: "a", method: .stored)
            try zip.endEntry()
            #expect(throws: NPZError.self) { try zip.beginEntry(name: "a", method: .stored) }
        }
        do {
            let (zip, _) = try writer()
            try zip.beginEntry(name: "a", method: .stored, uncompressedSize: 2)
            let error = #expect(throws: NPZError.self) { try [UInt8(1), 2, 3].withUnsafeBytes { try zip.append($0) } }
            #expect(error?.description.contains("declared size") == true)
            // A failed writer refuses further work.
            #expect(throws: NPZError.self) { try zip.finish() }
        }
        do {
            let (zip, _) = try writer()
            try zip.beginEntry(name: "a", method: .deflated(level: 6), uncompressedSize: 2)
            try [UInt8(1)].withUnsafeBytes { try zip.append($0) }
            let error = #expect(throws: NPZError.self) { try zip.endEntry() }
            #expect(error?.description.contains("'a'") == true)
        }
        do {
            let (zip, _) = try writer()
            #expect(throws: NPZError.self) { try zip.beginEntry(name: "a", method: .deflated(level: 10)) }
        }
    }

    @Test("archives are readable after a realistic mix, and the reader exposes data offsets")
    func readerEntries() throws {
        let path = try scratch.path("r.zip")
        try ZipTestFiles.writeArchive(path, members: [("a.npy", [1, 2, 3]), ("b/c.npy", [4])])
        let reader = try ZipReader(path: path)
        #expect(reader.entries.map(\.name) == ["a.npy", "b/c.npy"])
        #expect(reader.entries.map(\.uncompressedSize) == [3, 1])
        #expect(reader.entries.allSatisfy { $0.method == .stored })
    }

    /// A real archive past 4 GiB: slow and needs ~9 GB of disk, so only with CKPT_LARGE_TESTS=1.
    @Test(
        "entries and offsets past 4 GiB",
        .enabled(if: ProcessInfo.processInfo.environment["CKPT_LARGE_TESTS"] == "1")
    )
    func beyondFourGiB() throws {
        let path = try scratch.path("huge.zip")
        let file = try OutputFile(path: path, mode: .truncate)
        let zip = ZipWriter(file: file)
        let chunk = ZipTestFiles.pattern(count: 64 << 20)
        let size = (4 << 30) + (1 << 20)
        // One stored entry of known size over 4 GiB, one of unknown size, then a small one
        // whose local header offset is past 4 GiB.
        try zip.beginEntry(name: "known", method: .stored, uncompressedSize: size)
        var written = 0
        while written < size {
            let count = min(chunk.count, size - written)
            try chunk.withUnsafeBytes { try zip.append(UnsafeRawBufferPointer(rebasing: $0[0 ..< count])) }
            written += count
        }
        try zip.endEntry()
        try zip.beginEntry(name: "unknown", method: .deflated(level: 1), mayExceed4GiB: true)
        try chunk.withUnsafeBytes { try zip.append($0) }
        try zip.endEntry()
        try zip.beginEntry(name: "small", method: .stored, uncompressedSize: 3)
        try [UInt8(1), 2, 3].withUnsafeBytes { try zip.append($0) }
        try zip.endEntry()
        try zip.finish()
        try file.close()

        let reader = try ZipReader(path: path)
        #expect(reader.entries.map(\.uncompressedSize) == [size, chunk.count, 3])
        #expect((reader.entries.last?.localHeaderOffset ?? 0) > 1 << 32)
        for entry in reader.entries {
            let contents = reader.contents(of: entry)
            var remaining = entry.uncompressedSize
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 20, alignment: 64)
            defer { buffer.deallocate() }
            while remaining > 0 {
                let count = min(buffer.count, remaining)
                try contents.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< count]))
                remaining -= count
            }
            try contents.finish()
        }
    }
}
