/// A parsed JSON value that keeps object keys in file order.
///
/// Keras configs are read and re-emitted (export, `.keras` archives), so key order is preserved.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, kept as written so integers survive exactly (`Int64` range) and floats round-trip.
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    /// Key–value pairs in file order.
    case object(JSONObject)
}

/// A JSON number: its source text and its value as a `Double`.
public struct JSONNumber: Sendable, Hashable {
    /// The number as written (`3`, `-0.5`, `1e-3`).
    public var text: String
    /// The value as a `Double`.
    public var double: Double

    /// Creates a number from its source text; returns nil when the text is not a number.
    public init?(text: String) {
        guard let value = Double(text) else { return nil }
        self.text = text
        self.double = value
    }

    /// Creates a number from a `Double` (written in Swift's shortest round-trip form).
    public init(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
        self.double = value
    }

    /// Creates a number from an integer.
    public init(_ value: Int) {
        self.text = String(value)
        self.double = Double(value)
    }

    /// The value as an `Int` when it is integral and in range.
    public var int: Int? {
        if let exact = Int(text) { return exact }
        guard double.isFinite, double == double.rounded(), abs(double) < 9.0e18 else { return nil }
        return Int(double)
    }
}

/// An ordered JSON object.
public struct JSONObject: Sendable, Hashable {
    /// The members in file order.
    public var members: [(key: String, value: JSONValue)]

    /// Creates an object from ordered members.
    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// The value of the first member named `key`.
    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.key == key })?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// The member names in order.
    public var keys: [String] { members.map(\.key) }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members {
            hasher.combine(member.key)
            hasher.combine(member.value)
        }
    }
}

extension JSONValue {
    /// The object, when this is one.
    public var object: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    /// The array, when this is one.
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The string, when this is one.
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The number as a `Double`, when this is a number.
    public var double: Double? { if case .number(let n) = self { return n.double } else { return nil } }
    /// The number as an `Int`, when this is an integral number.
    public var int: Int? { if case .number(let n) = self { return n.int } else { return nil } }
    /// The Boolean, when this is one.
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// Whether this is `null`.
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The member `key` of an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? { object?[key] }
}
