import Testing

@testable import CkptKit

@Suite("NPY headers")
struct NPYTests {
    /// A header as `numpy.lib.format.write_array_header_1_0` (NumPy 2.4.6) writes it: the
    /// dict text, then `spaces` spaces (growth-axis room plus alignment padding) and '\n'.
    struct Golden: Sendable, CustomTestStringConvertible {
        var header: NPYHeader
        var text: String
        var spaces: Int
        var totalLength: Int
        var testDescription: String { text }
    }

    // Generated once with:
    //   b = io.BytesIO(); np.lib.format.write_array_header_1_0(b, {'descr': d, 'fortran_order': f, 'shape': s})
    static let goldens: [Golden] = [
        Golden(header: NPYHeader(dtype: .float32, shape: [3, 4]),
               text: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", spaces: 58, totalLength: 128),
        Golden(header: NPYHeader(dtype: .float64, shape: [5]),
               text: "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", spaces: 60, totalLength: 128),
        Golden(header: NPYHeader(dtype: .int8, shape: []),
               text: "{'descr': '|i1', 'fortran_order': False, 'shape': (), }", spaces: 62, totalLength: 128),
        Golden(header: NPYHeader(dtype: .uint16, shape: [0]),
               text: "{'descr': '<u2', 'fortran_order': False, 'shape': (0,), }", spaces: 60, totalLength: 128),
        Golden(header: NPYHeader(dtype: .bool, shape: [2, 3, 5]),
               text: "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3, 5), }", spaces: 55, totalLength: 128),
        Golden(header: NPYHeader(dtype: .int64, shape: [7]),
               text: "{'descr': '<i8', 'fortran_order': False, 'shape': (7,), }", spaces: 60, totalLength: 128),
        Golden(header: NPYHeader(dtype: .int32, shape: [1_234_567, 89]),
               text: "{'descr': '<i4', 'fortran_order': False, 'shape': (1234567, 89), }", spaces: 51, totalLength: 128),
        Golden(header: NPYHeader(dtype: .float16, isFortranOrder: true, shape: [3, 4]),
               text: "{'descr': '<f2', 'fortran_order': True, 'shape': (3, 4), }", spaces: 59, totalLength: 128),
        Golden(header: NPYHeader(dtype: .float32, isBigEndian: true, shape: [3, 4]),
               text: "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 4), }", spaces: 58, totalLength: 128),
        Golden(header: NPYHeader(dtype: .uint8, shape: [1_000_000_000_000_000_000]),
               text: "{'descr': '|u1', 'fortran_order': False, 'shape': (1000000000000000000,), }", spaces: 42, totalLength: 128),
        // Already aligned before padding: NumPy then pads a full 64 bytes (`_wrap_header`).
        Golden(header: NPYHeader(dtype: .float32, shape: Array(repeating: 1, count: 36)),
               text: "{'descr': '<f4', 'fortran_order': False, 'shape': (" + Array(repeating: "1", count: 36).joined(separator: ", ") + "), }",
               spaces: 84, totalLength: 256),
    ]

    @Test("headers are byte-identical to NumPy's", arguments: goldens)
    func golden(_ golden: Golden) throws {
        let encoded = try golden.header.encoded()
        let dictionary = Array((golden.text + String(repeating: " ", count: golden.spaces) + "\n").utf8)
        let length = UInt16(dictionary.count)
        let expected = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + dictionary
        #expect(encoded.count == golden.totalLength)
        #expect(encoded == expected)
    }

    @Test("headers parse back to what was encoded", arguments: goldens)
    func parsesGolden(_ golden: Golden) throws {
        let encoded = try golden.header.encoded()
        let preamble = try NPYHeader.preamble(Array(encoded.prefix(NPYHeader.fixedPrefixLength)))
        #expect(preamble.major == 1)
        #expect(preamble.dataOffset == encoded.count)
        #expect(try NPYHeader(dictionary: encoded[preamble.dictionaryStart...]) == golden.header)
    }

    @Test("every preamble is a multiple of 64 bytes and ends in a newline", arguments: 0 ... 64)
    func alignment(rank: Int) throws {
        for dtype in DType.allCases {
            for fortran in [false, true] {
                // A first dimension of 1 to 6 digits, then 1s and some 10s, so header lengths
                // vary while the product of the nonzero dimensions fits in Int (as it must:
                // readers refuse shapes whose nonzero product overflows, as NumPy does).
                let shape = (0 ..< rank).map { $0 == 0 ? (rank * 7919 + 31) % 100_003 : ($0 % 8 == 0 ? 10 : 1) }
                let header = NPYHeader(dtype: dtype, isFortranOrder: fortran, shape: shape)
                let encoded = try header.encoded()
                #expect(encoded.count % 64 == 0)
                #expect(encoded.last == UInt8(ascii: "\n"))
                let preamble = try NPYHeader.preamble(Array(encoded.prefix(12)))
                #expect(try NPYHeader(dictionary: encoded[preamble.dictionaryStart...]) == header)
            }
        }
    }

    @Test("descr strings match NumPy's dtype.str (bfloat16: ml_dtypes')", arguments: DType.allCases)
    func descr(dtype: DType) throws {
        let expected: [DType: String] = [
            .float16: "<f2", .float32: "<f4", .float64: "<f8", .int8: "|i1", .int16: "<i2", .int32: "<i4",
            .int64: "<i8", .uint8: "|u1", .uint16: "<u2", .uint32: "<u4", .uint64: "<u8", .bool: "|b1",
            .bfloat16: "|V2",  // ml_dtypes.bfloat16 saved by NumPy
        ]
        #expect(NPYHeader.descr(for: dtype) == expected[dtype])
        if let descr = expected[dtype] {
            #expect(try NPYHeader.dtype(forDescr: descr) == (dtype, false))
        }
    }

    @Test("bfloat16 is written and read as the 2-byte void |V2, as NumPy with ml_dtypes saves it")
    func bfloat16() throws {
        let header = NPYHeader(dtype: .bfloat16, shape: [2])
        let encoded = try header.encoded()
        #expect(String(decoding: encoded, as: UTF8.self).contains("'descr': '|V2'"))
        #expect(try NPYHeader.dtype(forDescr: "|V2") == (.bfloat16, false))
        #expect(throws: NPYHeader.Problem.self) { try NPYHeader.dtype(forDescr: "|V4") }
    }

    @Test("lenient where NumPy's literal_eval is: key order, quotes, spacing, byte order")
    func acceptedVariants() throws {
        let cases: [(String, NPYHeader)] = [
            ("{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", NPYHeader(dtype: .float32, shape: [2])),
            ("{\"descr\": \">i8\", \"fortran_order\": True, \"shape\": (2, 3,)}", NPYHeader(dtype: .int64, isBigEndian: true, isFortranOrder: true, shape: [2, 3])),
            ("  {'descr':'=u2','fortran_order':False,'shape':( 4 , )}\n   \n", NPYHeader(dtype: .uint16, shape: [4])),
            ("{'descr': '>u1', 'fortran_order': False, 'shape': (), }", NPYHeader(dtype: .uint8, shape: [])),
            ("{'descr': '<b1', 'fortran_order': False, 'shape': (0, 0), }", NPYHeader(dtype: .bool, shape: [0, 0])),
        ]
        for (text, expected) in cases {
            #expect(try NPYHeader(dictionary: Array(text.utf8)[...]) == expected, "\(text)")
        }
    }

    static let rejected: [(String, NPZError.Kind)] = [
        ("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", .unsupportedDType),
        ("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", .unsupportedDType),
        ("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", .unsupportedDType),
        ("{'descr': '<U5', 'fortran_order': False, 'shape': (2,), }", .unsupportedDType),
        ("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,), }", .unsupportedDType),
        ("{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1, }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, }", .invalidHeader),
        ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': false, 'shape': (2,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (5), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': [5], }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (5L,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1_000,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (007,), }", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", .invalidHeader),
        ("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,), }", .invalidHeader),
        ("{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }", .invalidHeader),
        ("{descr: '<f4', 'fortran_order': False, 'shape': (2,), }", .invalidHeader),
        ("", .invalidHeader),
        ("[]", .invalidHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (" + Array(repeating: "1", count: 65).joined(separator: ", ") + "), }", .invalidHeader),
    ]

    @Test("strict about everything else", arguments: rejected)
    func rejectedVariants(_ text: String, _ kind: NPZError.Kind) {
        let error = #expect(throws: NPYHeader.Problem.self) { try NPYHeader(dictionary: Array(text.utf8)[...]) }
        #expect(error?.kind == kind)
    }

    @Test("preambles: magic, versions and header length")
    func preambles() throws {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        #expect(try NPYHeader.preamble(magic + [1, 0, 0x76, 0x00]) == (1, 10, 128))
        #expect(try NPYHeader.preamble(magic + [2, 0, 0x74, 0x00, 0x00, 0x00]) == (2, 12, 128))
        #expect(try NPYHeader.preamble(magic + [3, 0, 0x74, 0x00, 0x00, 0x00]) == (3, 12, 128))
        let bad: [[UInt8]] = [
            Array("hello world!".utf8),
            [0x93] + Array("NUMPZ".utf8) + [1, 0, 0x76, 0],
            magic + [4, 0, 0x76, 0, 0, 0],
            magic + [1, 1, 0x76, 0],
            magic + [1, 0],
            magic + [2, 0, 0x76, 0],
            magic + [2, 0, 0xFF, 0xFF, 0xFF, 0x7F],
        ]
        for prefix in bad {
            #expect(throws: NPYHeader.Problem.self) { try NPYHeader.preamble(prefix) }
        }
    }

    @Test("byte swapping and Fortran-to-C transposition")
    func layouts() {
        var words: [UInt32] = [0x0102_0304, 0xA0B0_C0D0]
        words.withUnsafeMutableBytes { NPYLayout.byteSwap($0, elementSize: 4) }
        #expect(words == [0x0403_0201, 0xD0C0_B0A0])

        // C array [[0, 1, 2], [3, 4, 5]] is stored column by column in Fortran order.
        let fortran: [Int16] = [0, 3, 1, 4, 2, 5]
        var c = [Int16](repeating: -1, count: 6)
        fortran.withUnsafeBytes { source in
            c.withUnsafeMutableBytes { NPYLayout.fortranToC(source, into: $0, shape: [2, 3], elementSize: 2) }
        }
        #expect(c == [0, 1, 2, 3, 4, 5])

        // Rank 3: element (i, j, k) sits at i + 2j + 6k in Fortran order.
        let shape = [2, 3, 4]
        var source = [UInt64](repeating: 0, count: 24)
        for i in 0 ..< 2 { for j in 0 ..< 3 { for k in 0 ..< 4 { source[i + 2 * j + 6 * k] = UInt64(100 * i + 10 * j + k) } } }
        var result = [UInt64](repeating: 0, count: 24)
        source.withUnsafeBytes { raw in
            result.withUnsafeMutableBytes { NPYLayout.fortranToC(raw, into: $0, shape: shape, elementSize: 8) }
        }
        var expected: [UInt64] = []
        for i in 0 ..< 2 { for j in 0 ..< 3 { for k in 0 ..< 4 { expected.append(UInt64(100 * i + 10 * j + k)) } } }
        #expect(result == expected)
    }
}
