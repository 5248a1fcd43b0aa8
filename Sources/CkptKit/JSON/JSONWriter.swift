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
        var out = ""
        write(value, style: style, ascii: escapeNonASCII, indent: 0, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, style: Style, ascii: Bool, indent: Int, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += numberText(n)
        case .string(let s): writeString(s, ascii: ascii, to: &out)
        case .array(let elements):
            if elements.isEmpty { out += "[]"; return }
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += style == .python ? ", " : "," }
                if style == .pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                write(element, style: style, ascii: ascii, indent: indent + 1, to: &out)
            }
            if style == .pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let object):
            if object.members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, member) in object.members.enumerated() {
                if i > 0 { out += style == .python ? ", " : "," }
                if style == .pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                writeString(member.key, ascii: ascii, to: &out)
                out += style == .compact ? ":" : ": "
                write(member.value, style: style, ascii: ascii, indent: indent + 1, to: &out)
            }
            if style == .pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    private static func numberText(_ number: JSONNumber) -> String {
        // Python's json writes non-finite floats as NaN / Infinity; keep that for Keras configs.
        if number.double.isNaN { return "NaN" }
        if number.double.isInfinite { return number.double < 0 ? "-Infinity" : "Infinity" }
        return number.text
    }

    private static func writeString(_ s: String, ascii: Bool, to out: inout String) {
        out += "\""
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
                // Python's ensure_ascii escapes everything outside ' '...'~', as UTF-16 units.
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
        out += "\""
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
