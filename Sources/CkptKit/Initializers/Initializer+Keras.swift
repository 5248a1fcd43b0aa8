/// Reading Keras initializer references (`keras.initializers.get` semantics, Keras 3 and tf-keras 2).
extension Initializer {
    /// Parses a Keras initializer reference as Keras accepts it: a name (`"he_normal"`,
    /// `"HeNormal"`, `"uniform"`, `"zero"`, …), or an object
    /// `{"module": "keras.initializers", "class_name": "HeNormal", "config": {…}, "registered_name": null}`
    /// (Keras 3) or `{"class_name": "HeNormal", "config": {…}}` (Keras 2).
    ///
    /// Names are case-sensitive, as in Keras. Config keys are checked: unknown keys are errors,
    /// except `dtype` (old tf.keras configs), which is ignored. An integer `seed` is kept; a
    /// serialized `SeedGenerator` counts as no seed. `input_axes`/`output_axes` are kept when both
    /// are lists. `Orthogonal` and `Identity` parse, and `distribution(fans:)` rejects them as
    /// not supported yet.
    public static func keras(_ value: JSONValue) throws(InitializerError) -> Initializer {
        switch value {
        case .string(let name):
            return try build(name: name, config: JSONObject())
        case .object(let object):
            guard let className = object["class_name"]?.string else {
                throw .malformedReference("an object without a string \"class_name\"")
            }
            if let module = object["module"]?.string, !module.hasPrefix("keras") {
                throw .notSupportedYet(
                    initializer: "\(module).\(className)", reason: "custom initializer classes cannot be generated")
            }
            if let registered = object["registered_name"]?.string, registered.contains(">") {
                throw .notSupportedYet(initializer: registered, reason: "custom initializer classes cannot be generated")
            }
            let config: JSONObject
            switch object["config"] {
            case .none, .some(.null): config = JSONObject()
            case .some(.object(let c)): config = c
            case .some(let other):
                throw .malformedReference("\"config\" of \(className) is \(describe(other)), expected an object")
            }
            return try build(name: className, config: config)
        default:
            throw .malformedReference("\(describe(value)), expected a name or a class_name/config object")
        }
    }

    /// Every initializer name Keras resolves: class names, their snake_case forms and aliases.
    public static var kerasNames: [String] { kerasTable.map(\.name) }

    /// The kind a Keras name stands for, to group spellings of one initializer in suggestions.
    static func kerasGroup(_ name: String) -> String? {
        kerasTable.first { $0.name == name }.map { "keras.\($0.kind)" }
    }

    private enum KerasClass {
        case zeros, ones, constant, randomUniform, randomNormal, truncatedNormal, varianceScaling
        case glorotUniform, glorotNormal, heUniform, heNormal, lecunUniform, lecunNormal
        case orthogonal, identity, stft
    }

    /// keras/src/initializers/__init__.py: `ALL_OBJECTS_DICT` = class names, `to_snake_case` of
    /// them, and the aliases uniform, normal, one, zero, orthogonal; plus the tf-keras/Keras
    /// export names `OrthogonalInitializer` and `IdentityInitializer`.
    private static let kerasTable: [(name: String, kind: KerasClass)] = [
        ("Zeros", .zeros), ("zeros", .zeros), ("zero", .zeros),
        ("Ones", .ones), ("ones", .ones), ("one", .ones),
        ("Constant", .constant), ("constant", .constant),
        ("RandomUniform", .randomUniform), ("random_uniform", .randomUniform), ("uniform", .randomUniform),
        ("RandomNormal", .randomNormal), ("random_normal", .randomNormal), ("normal", .randomNormal),
        ("TruncatedNormal", .truncatedNormal), ("truncated_normal", .truncatedNormal),
        ("VarianceScaling", .varianceScaling), ("variance_scaling", .varianceScaling),
        ("GlorotUniform", .glorotUniform), ("glorot_uniform", .glorotUniform),
        ("GlorotNormal", .glorotNormal), ("glorot_normal", .glorotNormal),
        ("HeUniform", .heUniform), ("he_uniform", .heUniform),
        ("HeNormal", .heNormal), ("he_normal", .heNormal),
        ("LecunUniform", .lecunUniform), ("lecun_uniform", .lecunUniform),
        ("LecunNormal", .lecunNormal), ("lecun_normal", .lecunNormal),
        ("Orthogonal", .orthogonal), ("orthogonal", .orthogonal),
        ("OrthogonalInitializer", .orthogonal), ("orthogonal_initializer", .orthogonal),
        ("Identity", .identity), ("identity", .identity),
        ("IdentityInitializer", .identity), ("identity_initializer", .identity),
        ("STFT", .stft), ("STFTInitializer", .stft), ("stft_initializer", .stft),
    ]

    /// Whether `name` is a Keras initializer name (case-sensitive, as Keras reads it).
    static func isKerasName(_ name: String) -> Bool { kerasTable.contains { $0.name == name } }

    /// The Keras initializer `name` with `config`; in rule text (`allowsGainNames`) a gain may be
    /// a nonlinearity name.
    static func build(name: String, config: JSONObject, allowsGainNames: Bool = false) throws(InitializerError) -> Initializer {
        guard let kind = kerasTable.first(where: { $0.name == name })?.kind else {
            throw .unknownInitializer(name: name, suggestions: suggestions(for: name))
        }
        var reader = InitializerConfigReader(initializer: name, config: config, allowsGainNames: allowsGainNames)
        let result: Initializer
        switch kind {
        case .zeros:
            result = Initializer(.zeros)
        case .ones:
            result = Initializer(.ones)
        case .constant:
            result = Initializer(.constant(value: try reader.number("value", default: 0)))
        case .randomUniform:
            let minval = try reader.number("minval", default: -0.05)
            let maxval = try reader.number("maxval", default: 0.05)
            result = Initializer(.randomUniform(minval: minval, maxval: maxval), seed: try reader.seed())
        case .randomNormal, .truncatedNormal:
            let mean = try reader.number("mean", default: 0)
            let stddev = try reader.number("stddev", default: 0.05)
            result = Initializer(
                kind == .randomNormal
                    ? .randomNormal(mean: mean, stddev: stddev) : .truncatedNormal(mean: mean, stddev: stddev),
                seed: try reader.seed())
        case .varianceScaling:
            let scale = try reader.number("scale", default: 1)
            let mode = try reader.mode(default: .fanIn)
            let distribution = try reader.distribution(default: .truncatedNormal)
            result = Initializer(
                .varianceScaling(scale: scale, mode: mode, distribution: distribution),
                seed: try reader.seed(), fanAxes: try reader.fanAxes())
        case .glorotUniform, .glorotNormal, .heUniform, .heNormal, .lecunUniform, .lecunNormal:
            let presets: [KerasClass: Kind] = [
                .glorotUniform: .glorotUniform, .glorotNormal: .glorotNormal, .heUniform: .heUniform,
                .heNormal: .heNormal, .lecunUniform: .lecunUniform, .lecunNormal: .lecunNormal,
            ]
            let preset = Initializer(presets[kind] ?? .glorotUniform)
            try reader.requirePresetValues(of: preset)
            result = Initializer(preset.kind, seed: try reader.seed(), fanAxes: try reader.fanAxes())
        case .orthogonal:
            let gain = try reader.gain("gain", default: 1)
            result = Initializer(.orthogonal(gain: gain), seed: try reader.seed())
        case .identity:
            result = Initializer(.identity(gain: try reader.gain("gain", default: 1)))
        case .stft:
            throw .notSupportedYet(initializer: name, reason: "STFT kernels are computed, not drawn; not implemented")
        }
        try reader.rejectUnread()
        do {
            try result.validate()
        } catch .invalidParameter(_, let parameter, let value, let expected) {
            // Name the initializer as the config spelled it.
            throw .invalidParameter(initializer: name, parameter: parameter, value: value, expected: expected)
        }
        return result
    }

    /// The closest known names, one spelling per initializer.
    static func suggestions(for name: String) -> [String] {
        var seen: [KerasClass] = []
        var result: [String] = []
        for candidate in Suggestions.closest(to: name, among: kerasNames, limit: kerasTable.count) {
            guard let kind = kerasTable.first(where: { $0.name == candidate })?.kind, !seen.contains(kind) else {
                continue
            }
            seen.append(kind)
            result.append(candidate)
            if result.count == 3 { break }
        }
        return result
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "the boolean \(b)"
        case .number(let n): return "the number \(n.text)"
        case .string(let s): return "the string \"\(s)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
