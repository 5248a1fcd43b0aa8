/// Serialises `JSONValue`s: compact (Keras' `json.dumps` style, `", "` and `": "`) or indented.
public enum JSONWriter {
    /// The output layout.
    public enum Style: Sendable {
        /// One line with `", "` and `": "` separators, as Python's `json.dumps` writes.
        case python
        /// One line, no spaces.
        case compact
        /// Indented by two spaces per level.
        case pretty
    }

    /// The JSON text of a value. `escapeNonASCII` writes every character outside printable ASCII
    /// as `\uXXXX` (UTF-16 units), as Python's `json.dumps` does by default (`ensure_ascii`).
    public static func string(_ value: JSONValue, style: Style = .pretty, escapeNonASCII: Bool = false) -> String {
        String(decoding: utf8(value, style: style, escapeNonASCII: escapeNonASCII), as: UTF8.self)
    }

    /// The JSON text of a value as UTF-8 bytes (what file headers embed), without building a `String`.
    public static func utf8(_ value: JSONValue, style: Style = .pretty, escapeNonASCII: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, style: style, ascii: escapeNonASCII, indent: 0, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, style: Style, ascii: Bool, indent: Int, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: numberText(n).utf8)
        case .string(let s): writeString(s, ascii: ascii, to: &out)
        case .array(let elements):
            if elements.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { separator(style, to: &out) }
                if style == .pretty { newline(indent + 1, to: &out) }
                write(element, style: style, ascii: ascii, indent: indent + 1, to: &out)
            }
            if style == .pretty { newline(indent, to: &out) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.members.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { separator(style, to: &out) }
                if style == .pretty { newline(indent + 1, to: &out) }
                writeString(member.key, ascii: ascii, to: &out)
                out.append(UInt8(ascii: ":"))
                if style != .compact { out.append(UInt8(ascii: " ")) }
                write(member.value, style: style, ascii: ascii, indent: indent + 1, to: &out)
            }
            if style == .pretty { newline(indent, to: &out) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func separator(_ style: Style, to out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        if style == .python { out.append(UInt8(ascii: " ")) }
    }

    private static func newline(_ indent: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    private static func numberText(_ number: JSONNumber) -> String {
        // Python's json writes non-finite floats as NaN / Infinity; keep that for Keras configs.
        if number.double.isNaN { return "NaN" }
        if number.double.isInfinite { return number.double < 0 ? "-Infinity" : "Infinity" }
        return number.text
    }

    /// Whether a UTF-8 byte is written as it is: printable ASCII other than `"` and `\`, and, unless
    /// escaping non-ASCII, every byte of a multi-byte character.
    @inline(__always)
    private static func isPlain(_ byte: UInt8, ascii: Bool) -> Bool {
        byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && (byte < 0x7F || (!ascii && byte >= 0x7F))
    }

    private static func writeString(_ s: String, ascii: Bool, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            // Copy runs of plain bytes at once; escape the rest one character at a time.
            var runStart = 0
            var i = 0
            while i < bytes.count {
                if isPlain(bytes[i], ascii: ascii) { i += 1; continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                if bytes[i] < 0x80 {
                    writeEscaped(ascii: bytes[i], to: &out)
                    i += 1
                    runStart = i
                    continue
                }
                let length = bytes[i] < 0x80 ? 1 : bytes[i] >= 0xF0 ? 4 : bytes[i] >= 0xE0 ? 3 : 2
                let end = min(i + length, bytes.count)
                writeEscaped(String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self), ascii: ascii, to: &out)
                i = end
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// An ASCII byte that is not written as it is: `"`, `\\`, a control character, or DEL when escaping.
    private static func writeEscaped(ascii byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)]])
        }
    }

    /// One character that is not written as it is: a JSON escape, or `\uXXXX` UTF-16 units.
    private static func writeEscaped(_ character: String, ascii: Bool, to out: inout [UInt8]) {
        for scalar in character.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: "\\\"".utf8)
            case "\\": out.append(contentsOf: "\\\\".utf8)
            case "\n": out.append(contentsOf: "\\n".utf8)
            case "\r": out.append(contentsOf: "\\r".utf8)
            case "\t": out.append(contentsOf: "\\t".utf8)
            case "\u{08}": out.append(contentsOf: "\\b".utf8)
            case "\u{0C}": out.append(contentsOf: "\\f".utf8)
            default:
                // Python's ensure_ascii escapes everything outside ' '...'~', as UTF-16 units.
                if scalar.value < 0x20 || (ascii && scalar.value > 0x7E) {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                    }
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
}
