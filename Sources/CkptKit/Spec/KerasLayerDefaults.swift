/// Keras 3.15's `get_config()` of every layer class a compact spec may use, with the default of
/// every optional key, recorded from Keras itself by Fixtures/spec/make_keras_defaults.py (the
/// table is in `KerasLayerDefaults+Table.swift`).
struct KerasLayerDefaults: Sendable {
    /// One class's entry.
    struct Entry: Sendable {
        /// The JSON `module` (`keras.layers`).
        var module: String
        /// The prefix of Keras's automatic names (`dense`, `conv2d_transpose`).
        var snake: String
        /// Keys with no default: the compact spec must give them.
        var required: [String]
        /// The full config (without `name`), in Keras's key order.
        var config: JSONObject
        /// How Keras passes the inputs: `one` tensor, a `list`, or positional `args` (attention).
        var call: String
        /// The kwargs Keras records in a node (`{"training": false}` for Dropout, `{"mask": null}`…).
        var kwargs: JSONObject
        /// Whether Keras writes a `build_config` (only classes that override `build`).
        var builds: Bool
        /// Auto-name prefixes the layer uses for layers it makes inside (MultiHeadAttention's
        /// `dropout` and `softmax`), with how many names each takes.
        var innerNames: [(prefix: String, count: Int)]
    }

    /// Every class, by Keras class name.
    let entries: [String: Entry]

    /// The table, parsed once.
    static let shared = KerasLayerDefaults()

    private init() {
        var entries: [String: Entry] = [:]
        if let table = (try? JSONParser.parse(Self.tableJSON))?.object {
            for member in table.members {
                guard let value = member.value.object else { continue }
                entries[member.key] = Entry(
                    module: value["module"]?.string ?? "keras.layers",
                    snake: value["snake"]?.string ?? member.key.lowercased(),
                    required: value["required"]?.array?.compactMap(\.string) ?? [],
                    config: value["config"]?.object ?? JSONObject(),
                    call: value["call"]?.string ?? "one",
                    kwargs: value["kwargs"]?.object ?? JSONObject(),
                    builds: value["builds"]?.bool ?? true,
                    innerNames: value["inner_names"]?.object?.members.map { ($0.key, $0.value.int ?? 0) } ?? [])
            }
        }
        self.entries = entries
    }

    /// The entry for `className`.
    subscript(className: String) -> Entry? { entries[className] }

    /// Every class name, sorted.
    var classNames: [String] { entries.keys.sorted() }
}
