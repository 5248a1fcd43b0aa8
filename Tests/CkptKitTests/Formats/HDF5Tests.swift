import Foundation
import Testing

@testable import CkptKit

/// A path for a temporary HDF5 file, unique per call, removed when `body` returns.
private func withTemporaryPath<T>(_ suffix: String = ".h5", _ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("ckpt-hdf5-test-\(UUID().uuidString)\(suffix)")
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Deterministic test bytes (SplitMix64), so failures reproduce.
private func testBytes(count: Int, seed: UInt64, dtype: DType? = nil) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        let byte = UInt8(truncatingIfNeeded: z ^ (z >> 31))
        return dtype == .bool ? byte & 1 : byte  // bool values are 0 or 1
    }
}

@Suite("HDF5 layer")
struct HDF5Tests {
    // MARK: - Datasets

    @Test("Every dtype round-trips in every shape", arguments: DType.allCases, [[], [0], [5], [3, 4], [2, 3, 4]])
    func roundTrip(dtype: DType, shape: [Int]) throws {
        try withTemporaryPath { path in
            let count = shape.reduce(1, *) * dtype.byteSize
            let bytes = testBytes(count: count, seed: UInt64(count) &+ UInt64(dtype.byteSize), dtype: dtype)
            do {
                let file = try HDF5File.create(atPath: path)
                let dataset = try file.root.createDataset("layers/dense/vars/0", dtype: dtype, shape: shape)
                if dtype == .bfloat16 { try dataset.setAttribute("dtype", string: "bfloat16") }
                try bytes.withUnsafeBytes { try dataset.write($0) }
                try file.close()
            }
            let file = try HDF5File.open(atPath: path)
            let dataset = try file.root.openDataset("layers/dense/vars/0")
            #expect(try dataset.dtype == dtype)
            #expect(dataset.shape == shape)
            #expect(dataset.elementCount == shape.reduce(1, *))
            #expect(dataset.path == "/layers/dense/vars/0")
            #expect(!dataset.isChunked)
            #expect(try dataset.readBytes() == bytes)
        }
    }

    @Test("Streaming rows in uneven pieces equals one whole write")
    func hyperslabStreaming() throws {
        try withTemporaryPath { path in
            let shape = [1000, 37]
            let rowBytes = 37 * 4
            let bytes = testBytes(count: 1000 * rowBytes, seed: 7)
            let pieces = [1, 7, 100, 0, 333, 559]
            #expect(pieces.reduce(0, +) == 1000)
            do {
                let file = try HDF5File.create(atPath: path)
                let streamed = try file.root.createDataset("streamed", dtype: .float32, shape: shape)
                let whole = try file.root.createDataset("whole", dtype: .float32, shape: shape)
                var offset = 0
                for rows in pieces {
                    try bytes[offset * rowBytes..<(offset + rows) * rowBytes].withUnsafeBytes {
                        try streamed.write($0, firstAxisOffset: offset, firstAxisCount: rows)
                    }
                    offset += rows
                }
                try bytes.withUnsafeBytes { try whole.write($0) }
                try file.close()
            }
            let file = try HDF5File.open(atPath: path)
            let streamed = try file.root.openDataset("streamed")
            #expect(try streamed.readBytes() == bytes)
            #expect(try streamed.readBytes() == file.root.openDataset("whole").readBytes())

            // Reading back in pieces too.
            var readBack = [UInt8](repeating: 0, count: bytes.count)
            var offset = 0
            for rows in pieces.reversed() {
                try readBack[offset * rowBytes..<(offset + rows) * rowBytes].withUnsafeMutableBytes {
                    try streamed.read(into: $0, firstAxisOffset: offset, firstAxisCount: rows)
                }
                offset += rows
            }
            #expect(readBack == bytes)
        }
    }

    @Test("A scalar accepts only offset 0 and count 1 as its row range")
    func scalarRows() throws {
        try withTemporaryPath { path in
            let file = try HDF5File.create(atPath: path)
            let scalar = try file.root.createDataset("count", dtype: .int32, shape: [])
            let value = Int32(42)
            try withUnsafeBytes(of: value.littleEndian) { try scalar.write($0, firstAxisOffset: 0, firstAxisCount: 1) }
            #expect(try scalar.readBytes() == [42, 0, 0, 0])
            #expect(throws: HDF5Error.self) {
                try withUnsafeBytes(of: value) { try scalar.write($0, firstAxisOffset: 1, firstAxisCount: 1) }
            }
        }
    }

    @Test("Chunked and deflated datasets round-trip and report their storage")
    func chunkedDeflate() throws {
        try withTemporaryPath { path in
            let shape = [64, 50]
            // Compressible: a repeating ramp of float32 values.
            let values = (0..<(64 * 50)).map { Float($0 % 10) }
            let bytes = values.withUnsafeBytes { [UInt8]($0) }
            do {
                let file = try HDF5File.create(atPath: path)
                let packed = try file.root.createDataset(
                    "packed", dtype: .float32, shape: shape, chunkShape: [16, 50], deflateLevel: 6)
                try bytes.withUnsafeBytes { try packed.write($0) }
                let chunked = try file.root.createDataset("chunked", dtype: .float32, shape: shape, chunkShape: [64, 7])
                try bytes.withUnsafeBytes { try chunked.write($0, firstAxisOffset: 0, firstAxisCount: 64) }
                try file.close()
            }
            let file = try HDF5File.open(atPath: path)
            let packed = try file.root.openDataset("packed")
            #expect(packed.isChunked)
            #expect(packed.chunkShape == [16, 50])
            #expect(packed.filterNames == ["deflate"])
            #expect(packed.isCompressed)
            #expect(packed.storageSize > 0 && packed.storageSize < bytes.count / 4)
            #expect(try packed.readBytes() == bytes)

            let chunked = try file.root.openDataset("chunked")
            #expect(chunked.isChunked && chunked.chunkShape == [64, 7])
            #expect(!chunked.isCompressed && chunked.filterNames.isEmpty)
            #expect(try chunked.readBytes() == bytes)
        }
    }

    @Test("Invalid chunk and deflate settings are refused with a reason")
    func invalidChunking() throws {
        try withTemporaryPath { path in
            let file = try HDF5File.create(atPath: path)
            let cases: [(shape: [Int], chunk: [Int]?, level: Int?, reason: String)] = [
                ([10], nil, 5, "needs a chunk shape"),
                ([10], [5], 10, "not in 0...9"),
                ([], [1], nil, "scalar"),
                ([10, 4], [5], nil, "rank"),
                ([10, 4], [11, 4], nil, "between 1 and"),
                ([10, 4], [0, 4], nil, "between 1 and"),
            ]
            for item in cases {
                let error = #expect(throws: HDF5Error.self) {
                    try file.root.createDataset("d", dtype: .float32, shape: item.shape, chunkShape: item.chunk, deflateLevel: item.level)
                }
                #expect(error?.description.contains(item.reason) == true, "\(String(describing: error))")
            }
            #expect(throws: HDF5Error.self) { try file.root.createDataset("n", dtype: .float32, shape: [3, -1]) }
            #expect(!file.root.contains("d") && !file.root.contains("n"))
        }
    }

    @Test("Files are byte-for-byte reproducible (no timestamps)")
    func reproducibleFiles() throws {
        func makeFile(_ path: String) throws -> Data {
            let file = try HDF5File.create(atPath: path)
            let group = try file.root.createGroup("layers/dense/vars")
            try group.setAttribute("name", string: "dense")
            let dataset = try file.root.createDataset("layers/dense/vars/0", dtype: .float32, shape: [4, 3])
            try testBytes(count: 48, seed: 1).withUnsafeBytes { try dataset.write($0) }
            _ = try file.root.createDataset("a/b/c", dtype: .int8, shape: [2], chunkShape: [2], deflateLevel: 1)
            try file.close()
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        let first = try withTemporaryPath { try makeFile($0) }
        Thread.sleep(forTimeInterval: 1.1)  // HDF5 timestamps have one-second resolution
        let second = try withTemporaryPath { try makeFile($0) }
        #expect(first == second)
    }

    // MARK: - Stored types written by other tools

    @Test("A big-endian float32 dataset reads as little-endian float32")
    func bigEndianFloat() throws {
        try withTemporaryPath { path in
            let values: [Float] = [1.5, -2.25, 3.0e-20, .infinity, 0]
            let bytes = values.withUnsafeBytes { [UInt8]($0) }
            do {
                let file = try HDF5File.create(atPath: path)
                let dataset = try file.root.createForeignDataset("be", type: .float32BigEndian, shape: [5])
                try bytes.withUnsafeBytes { try dataset.write($0) }  // libhdf5 swaps on the way in
                try file.close()
            }
            let file = try HDF5File.open(atPath: path)
            let dataset = try file.root.openDataset("be")
            #expect(try dataset.dtype == .float32)
            #expect(try dataset.readBytes() == bytes)
        }
    }

    @Test("bfloat16: opaque needs the dtype attribute; a 2-byte float class is recognised")
    func bfloat16Detection() throws {
        try withTemporaryPath { path in
            let bytes = testBytes(count: 8, seed: 3)
            do {
                let file = try HDF5File.create(atPath: path)
                _ = try file.root.createForeignDataset("unmarked", type: .opaque2, shape: [4])
                let marked = try file.root.createForeignDataset("marked", type: .opaque2, shape: [4])
                try marked.setAttribute("dtype", string: "bfloat16")
                let floatClass = try file.root.createForeignDataset("floatclass", type: .bfloat16Float, shape: [4])
                #expect(try floatClass.dtype == .bfloat16)
                try bytes.withUnsafeBytes { try floatClass.write($0) }
                _ = try file.root.createForeignDataset("text", type: .variableLengthString, shape: [2])
                try file.close()
            }
            let file = try HDF5File.open(atPath: path)
            let unmarked = try file.root.openDataset("unmarked")
            let error = #expect(throws: HDF5Error.self) { try unmarked.dtype }
            #expect(error?.description.contains("/unmarked") == true)
            #expect(error?.description.contains("opaque") == true)
            #expect(throws: HDF5Error.self) { try unmarked.readBytes() }
            #expect(try file.root.openDataset("marked").dtype == .bfloat16)
            let floatClass = try file.root.openDataset("floatclass")
            #expect(try floatClass.dtype == .bfloat16)
            #expect(try floatClass.readBytes() == bytes)
            let text = try file.root.openDataset("text")
            let textError = #expect(throws: HDF5Error.self) { try text.dtype }
            #expect(textError?.description.contains("'/text'") == true)
            #expect(textError?.description.contains("string") == true)
        }
    }

    // MARK: - Groups and links

    @Test("children() classifies groups, datasets, soft and external links without following them")
    func childrenKinds() throws {
        try withTemporaryPath { path in
            let file = try HDF5File.create(atPath: path)
            let root = file.root
            let group = try root.createGroup("g/inner")
            #expect(group.path == "/g/inner")
            _ = try root.createDataset("d", dtype: .float32, shape: [2])
            try root.createSoftLink("soft", target: "/g")
            try root.createSoftLink("dangling", target: "/nowhere")
            try root.createExternalLink("external", file: "/nonexistent/other.h5", object: "/x")

            let children = try root.children()
            #expect(children == [
                HDF5Link(name: "d", kind: .dataset),
                HDF5Link(name: "dangling", kind: .softLink),
                HDF5Link(name: "external", kind: .externalLink),
                HDF5Link(name: "g", kind: .group),
                HDF5Link(name: "soft", kind: .softLink),
            ])
            #expect(try root.openGroup("g").children() == [HDF5Link(name: "inner", kind: .group)])
            #expect(try group.children().isEmpty)

            #expect(root.contains("g"))
            #expect(root.contains("g/inner"))
            #expect(root.contains("/g/inner"))
            #expect(root.contains("/"))
            #expect(root.contains("soft/inner"))  // through a soft link to a group
            #expect(root.contains("dangling"))  // the link exists even if its target does not
            #expect(!root.contains("dangling/x"))
            #expect(!root.contains("missing/a/b"))
            #expect(!root.contains("d/x"))  // a dataset has no members
            #expect(!root.contains(""))
            #expect(try root.openGroup("g").contains("inner"))
        }
    }

    @Test("Groups are created with their intermediates and reopened by absolute or relative path")
    func groupCreation() throws {
        try withTemporaryPath { path in
            let file = try HDF5File.create(atPath: path)
            let vars = try file.root.createGroup("model_weights/dense/vars")
            let dataset = try vars.createDataset("0", dtype: .float64, shape: [2])
            #expect(dataset.path == "/model_weights/dense/vars/0")
            let absolute = try vars.createDataset("/top/x", dtype: .int8, shape: [1])
            #expect(absolute.path == "/top/x")
            #expect(try file.root.openGroup("model_weights").openGroup("dense/vars").path == "/model_weights/dense/vars")
            let error = #expect(throws: HDF5Error.self) { try file.root.createGroup("model_weights/dense") }
            #expect(error?.description.contains("/model_weights/dense") == true)
            #expect(throws: HDF5Error.self) { try file.root.createGroup("top/x/y") }  // x is a dataset
        }
    }

    // MARK: - Attributes

    @Test("Every attribute kind round-trips on the root, a group and a dataset")
    func attributes() throws {
        try withTemporaryPath { path in
            let unicode = "naïve – 東京 🙂"
            let names = ["dense/kernel:0", "dense/bias:0", "", unicode]
            do {
                let file = try HDF5File.create(atPath: path)
                let group = try file.root.createGroup("model_weights/dense")
                let dataset = try file.root.createDataset("model_weights/dense/w", dtype: .float32, shape: [1])
                let objects: [any HDF5Object] = [file.root, group, dataset]
                for object in objects {
                    try object.setAttribute("utf8", string: unicode)
                    try object.setAttribute("ascii", string: "3.15.1", encoding: .ascii)
                    try object.setAttribute("vlen", strings: names)
                    try object.setAttribute("vlenASCII", strings: ["a", "bc"], encoding: .ascii)
                    try object.setAttribute("fixed", strings: names, variableLength: false)
                    try object.setAttribute("fixedASCII", strings: ["conv", "bn"], variableLength: false, encoding: .ascii)
                    try object.setAttribute("noStrings", strings: [])
                    try object.setAttribute("doubles", doubles: [1.5, -0.25, .infinity])
                    try object.setAttribute("empty", doubles: [])
                    try object.setAttribute("int64s", int64s: [Int64.min, 0, Int64.max])
                    try object.setAttribute("double", double: 0.1)
                    try object.setAttribute("int64", int64: -7)
                    try object.setAttribute("replaced", int64: 1)
                    try object.setAttribute("replaced", string: "now a string")
                    try object.setAttribute("deleted", double: 1)
                    try object.deleteAttribute("deleted")
                }
                try file.close()
            }
            let file = try HDF5File.open(atPath: path)
            let objects: [any HDF5Object] = [
                file.root, try file.root.openGroup("model_weights/dense"), try file.root.openDataset("model_weights/dense/w"),
            ]
            for object in objects {
                #expect(try object.attributeNames() == [
                    "ascii", "double", "doubles", "empty", "fixed", "fixedASCII", "int64", "int64s",
                    "noStrings", "replaced", "utf8", "vlen", "vlenASCII",
                ])
                #expect(try object.stringAttribute("utf8") == unicode)
                #expect(try object.stringAttribute("ascii") == "3.15.1")
                #expect(try object.stringArrayAttribute("utf8") == [unicode])
                #expect(try object.stringArrayAttribute("vlen") == names)
                #expect(try object.stringArrayAttribute("vlenASCII") == ["a", "bc"])
                #expect(try object.stringArrayAttribute("fixed") == names)
                #expect(try object.stringArrayAttribute("fixedASCII") == ["conv", "bn"])
                #expect(try object.stringArrayAttribute("noStrings") == [])
                #expect(try object.doubleArrayAttribute("doubles") == [1.5, -0.25, .infinity])
                #expect(try object.doubleArrayAttribute("empty") == [])
                #expect(try object.int64ArrayAttribute("int64s") == [Int64.min, 0, Int64.max])
                #expect(try object.doubleArrayAttribute("int64s") == [-9.223372036854775808e18, 0, 9.223372036854775807e18])
                #expect(try object.doubleArrayAttribute("double") == [0.1])
                #expect(try object.int64ArrayAttribute("int64") == [-7])
                #expect(try object.stringAttribute("replaced") == "now a string")
                #expect(try object.stringAttribute("missing") == nil)
                #expect(try object.doubleArrayAttribute("missing") == nil)
                #expect(try !object.hasAttribute("deleted"))

                #expect(throws: HDF5Error.self) { try object.stringAttribute("vlen") }  // several strings
                #expect(throws: HDF5Error.self) { try object.stringAttribute("doubles") }  // not a string
                #expect(throws: HDF5Error.self) { try object.int64ArrayAttribute("doubles") }  // not integers
                #expect(throws: HDF5Error.self) { try object.doubleArrayAttribute("utf8") }
            }
        }
    }

    @Test("Attribute errors: NUL characters, oversized attributes, read-only files")
    func attributeErrors() throws {
        try withTemporaryPath { path in
            do {
                let file = try HDF5File.create(atPath: path)
                let nul = #expect(throws: HDF5Error.self) { try file.root.setAttribute("bad", string: "a\u{0}b") }
                #expect(nul?.description.contains("NUL") == true)
                // Over 64 KiB: libhdf5 refuses it in the object header; callers split like Keras.
                let big = #expect(throws: HDF5Error.self) {
                    try file.root.setAttribute("layer_names", strings: Array(repeating: String(repeating: "x", count: 100), count: 700), variableLength: false)
                }
                #expect(big?.description.contains("layer_names") == true)
                #expect(big?.description.contains("\n") == false)
                #expect(try !file.root.hasAttribute("layer_names"))
                try file.root.setAttribute("kept", int64: 1)
                try file.close()
            }
            let file = try HDF5File.open(atPath: path)
            #expect(throws: HDF5Error.self) { try file.root.setAttribute("kept", int64: 2) }
            #expect(try file.root.int64ArrayAttribute("kept") == [1])
        }
    }

    // MARK: - Errors

    @Test("Opening a missing file names it in a one-line error")
    func missingFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-missing-\(UUID().uuidString).h5").path
        let error = #expect(throws: HDF5Error.self) { try HDF5File.open(atPath: path) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("no such file") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test("Opening a file that is not HDF5 says so")
    func notHDF5() throws {
        try withTemporaryPath(".bin") { path in
            try Data(testBytes(count: 4096, seed: 99)).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: HDF5Error.self) { try HDF5File.open(atPath: path) }
            #expect(error?.description.contains(path) == true)
            #expect(error?.description.contains("not an HDF5 file") == true)
            #expect(error?.description.contains("\n") == false)
        }
    }

    @Test("Opening a missing dataset names the dataset and the file, on one line")
    func missingDataset() throws {
        try withTemporaryPath { path in
            do {
                let file = try HDF5File.create(atPath: path)
                _ = try file.root.createGroup("layers/dense/vars")
                try file.close()
            }
            let file = try HDF5File.open(atPath: path)
            for missing in ["layers/dense/vars/7", "layers/nope/vars/0"] {
                let error = #expect(throws: HDF5Error.self) { try file.root.openDataset(missing) }
                #expect(error?.objectPath == "/" + missing)
                #expect(error?.description.contains("'/\(missing)'") == true)
                #expect(error?.description.contains(path) == true)
                #expect(error?.description.contains("\n") == false)
            }
            let group = #expect(throws: HDF5Error.self) { try file.root.openGroup("layers/nope") }
            #expect(group?.description.contains("/layers/nope") == true)
            #expect(throws: HDF5Error.self) { try file.root.openDataset("layers/dense/vars") }  // a group
        }
    }

    @Test("Mismatched byte counts and row ranges are refused before reaching libhdf5")
    func sizeMismatch() throws {
        try withTemporaryPath { path in
            let file = try HDF5File.create(atPath: path)
            let dataset = try file.root.createDataset("w", dtype: .float32, shape: [4, 3])
            let short = [UInt8](repeating: 0, count: 47)
            let error = #expect(throws: HDF5Error.self) { try short.withUnsafeBytes { try dataset.write($0) } }
            #expect(error?.description.contains("expected 48 bytes") == true)
            #expect(error?.description.contains("/w") == true)
            let rows = [UInt8](repeating: 0, count: 24)
            #expect(throws: HDF5Error.self) {
                try rows.withUnsafeBytes { try dataset.write($0, firstAxisOffset: 3, firstAxisCount: 2) }
            }
            #expect(throws: HDF5Error.self) {
                try rows.withUnsafeBytes { try dataset.write($0, firstAxisOffset: 0, firstAxisCount: 1) }
            }
            var buffer = [UInt8](repeating: 0, count: 50)
            #expect(throws: HDF5Error.self) { try buffer.withUnsafeMutableBytes { try dataset.read(into: $0) } }
            try rows.withUnsafeBytes { try dataset.write($0, firstAxisOffset: 2, firstAxisCount: 2) }
        }
    }

    @Test("After close(), the file and its objects refuse further calls")
    func closedFile() throws {
        try withTemporaryPath { path in
            let file = try HDF5File.create(atPath: path)
            let dataset = try file.root.createDataset("w", dtype: .int16, shape: [2])
            try file.flush()
            try file.close()
            #expect(!file.isOpen)
            try file.close()  // closing twice is harmless
            let error = #expect(throws: HDF5Error.self) { try [UInt8](repeating: 0, count: 4).withUnsafeBytes { try dataset.write($0) } }
            #expect(error?.description.contains("closed") == true)
            #expect(throws: HDF5Error.self) { try file.root.createGroup("g") }
            #expect(throws: HDF5Error.self) { try file.flush() }
            #expect(!file.root.contains("w"))
            #expect(dataset.storageSize == 0)
        }
    }

    @Test("create truncates; open(writable:) adds to an existing file")
    func reopenWritable() throws {
        try withTemporaryPath { path in
            do {
                let file = try HDF5File.create(atPath: path)
                _ = try file.root.createDataset("old", dtype: .uint8, shape: [1])
                try file.close()
            }
            do {
                let file = try HDF5File.open(atPath: path, writable: true)
                let added = try file.root.createDataset("new", dtype: .uint64, shape: [1])
                try [UInt8](repeating: 0xFF, count: 8).withUnsafeBytes { try added.write($0) }
                try file.close()
            }
            do {
                let file = try HDF5File.open(atPath: path)
                #expect(try file.root.children().map(\.name) == ["new", "old"])
                #expect(try file.root.openDataset("new").readBytes() == [UInt8](repeating: 0xFF, count: 8))
                try file.close()
            }
            let file = try HDF5File.create(atPath: path)
            #expect(try file.root.children().isEmpty)
        }
    }
}
