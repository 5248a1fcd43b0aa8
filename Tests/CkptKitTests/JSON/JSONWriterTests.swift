import Testing
@testable import CkptKit

/// The byte-oriented writer and the parser's fast string path against a reference written the
/// simple way (one Unicode scalar at a time, as Python's `json.dumps` escapes).
@Suite("JSON writer and string escapes")
struct JSONWriterTests {
    /// Python's `json.dumps` string escaping, scalar by scalar.
    static func reference(_ s: String, ascii: Bool) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (ascii && scalar.value > 0x7E) {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "/", ":", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1F}",
        "\u{7E}", "\u{7F}", "\u{80}", "é", "ß", "\u{2028}", "€", "\u{FFFD}", "😀", "\u{10FFFF}",
    ]

    @Test func fixedCases() {
        #expect(JSONWriter.string(.string("a\"b\\c\nd\u{7F}é😀"), style: .compact)
                == "\"a\\\"b\\\\c\\nd\u{7F}é😀\"")
        #expect(JSONWriter.string(.string("a\"b\\c\nd\u{7F}é😀"), style: .compact, escapeNonASCII: true)
                == "\"a\\\"b\\\\c\\nd\\u007f\\u00e9\\ud83d\\ude00\"")
        #expect(JSONWriter.string(.string("\u{01}\u{1F}"), style: .compact) == "\"\\u0001\\u001f\"")
        #expect(JSONWriter.string(.string(""), style: .compact) == "\"\"")
    }

    @Test(arguments: [false, true])
    func randomStringsMatchTheReference(ascii: Bool) throws {
        var generator = SplitMix(ascii ? 7 : 11)
        for _ in 0..<2000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int(generator.next() % 24) {
                s.append(Self.alphabet[Int(generator.next() % UInt64(Self.alphabet.count))])
            }
            let string = String(s)
            let written = JSONWriter.string(.string(string), style: .compact, escapeNonASCII: ascii)
            #expect(written == Self.reference(string, ascii: ascii), "\(Array(string.unicodeScalars))")
            // And the parser reads it back, through its escape path or its fast path.
            #expect(try JSONParser.parse(written).string == string)
            #expect(try JSONParser.parse(Self.reference(string, ascii: !ascii)).string == string)
        }
    }

    @Test func keysAndNestedValuesAreEscapedToo() throws {
        let value = JSONValue.object(JSONObject([("k\"ey", .array([.string("v\u{01}"), .number(JSONNumber(2))]))]))
        let text = JSONWriter.string(value, style: .python)
        #expect(text == "{\"k\\\"ey\": [\"v\\u0001\", 2]}")
        #expect(try JSONParser.parse(text) == value)
        #expect(JSONWriter.utf8(value, style: .python) == Array(text.utf8))
    }

    @Test func parserEscapesAtEveryPosition() throws {
        #expect(try JSONParser.parse(#""\n""#).string == "\n")
        #expect(try JSONParser.parse(#""ab\u00e9""#).string == "abé")
        #expect(try JSONParser.parse(#""\"ab""#).string == "\"ab")
        #expect(try JSONParser.parse(#""a\/b\\""#).string == "a/b\\")
        #expect(try JSONParser.parse(#""\ud83d\ude00x""#).string == "😀x")
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#""\ud83dx""#) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#""\q""#) }
    }
}
