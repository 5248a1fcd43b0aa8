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

    private static func build(name: String, config: JSONObject) throws(InitializerError) -> Initializer {
        guard let kind = kerasTable.first(where: { $0.name == name })?.kind else {
            throw .unknownInitializer(name: name, suggestions: suggestions(for: name))
        }
        var reader = InitializerConfigReader(initializer: name, config: config)
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
            let gain = try reader.number("gain", default: 1)
            result = Initializer(.orthogonal(gain: gain), seed: try reader.seed())
        case .identity:
            result = Initializer(.identity(gain: try reader.number("gain", default: 1)))
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
    private static func suggestions(for name: String) -> [String] {
        var seen: [KerasClass] = []
        var result: [String] = []
        for candidate in InitializerError.closest(to: name, among: kerasNames, limit: kerasTable.count) {
            guard let kind = kerasTable.first(where: { $0.name == candidate })?.kind, !seen.contains(kind) else {
                continue
            }
            seen.append(kind)
            result.append(candidate)
            if result.count == 3 { break }
        }
        return result
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "the boolean \(b)"
        case .number(let n): return "the number \(n.text)"
        case .string(let s): return "the string \"\(s)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Reads config members, remembering which ones were read, so the rest can be rejected.
    private struct InitializerConfigReader {
        let initializer: String
        let config: JSONObject
        var read: Set<String> = ["dtype"]

        init(initializer: String, config: JSONObject) {
            self.initializer = initializer
            self.config = config
        }

        private func invalid(_ key: String, _ value: JSONValue, _ expected: String) -> InitializerError {
            .invalidParameter(initializer: initializer, parameter: key, value: describe(value), expected: expected)
        }

        mutating func number(_ key: String, default fallback: Double) throws(InitializerError) -> Double {
            read.insert(key)
            switch config[key] {
            case .none: return fallback
            case .some(.number(let n)): return n.double
            // Keras 3 serialises NumPy scalars as {"class_name": "__numpy__", "config": {"value": …}}.
            case .some(let other):
                if case .object(let wrapped) = other, let inner = wrapped["config"]?["value"]?.double,
                   ["__numpy__", "__tensor__"].contains(wrapped["class_name"]?.string ?? "") {
                    return inner
                }
                throw invalid(key, other, "a number")
            }
        }

        mutating func seed() throws(InitializerError) -> Int? {
            read.insert("seed")
            switch config["seed"] {
            case .none, .some(.null): return nil
            case .some(.object): return nil  // a serialized SeedGenerator: stateful, no fixed seed to keep
            case .some(let other):
                guard let seed = other.int else { throw invalid("seed", other, "an integer or null") }
                return seed
            }
        }

        mutating func mode(default fallback: FanMode) throws(InitializerError) -> FanMode {
            read.insert("mode")
            guard let value = config["mode"] else { return fallback }
            // Keras compares the mode as written (case-sensitive).
            guard let text = value.string, let mode = FanMode(rawValue: text) else {
                throw invalid("mode", value, "one of " + FanMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
            }
            return mode
        }

        mutating func distribution(default fallback: VarianceScalingDistribution) throws(InitializerError)
            -> VarianceScalingDistribution
        {
            read.insert("distribution")
            guard let value = config["distribution"] else { return fallback }
            // Keras lower-cases the distribution and reads "normal" as "truncated_normal".
            let expected = "one of \"truncated_normal\", \"untruncated_normal\", \"uniform\" (or \"normal\")"
            guard let text = value.string?.lowercased() else { throw invalid("distribution", value, expected) }
            if text == "normal" { return .truncatedNormal }
            guard let distribution = VarianceScalingDistribution(rawValue: text) else {
                throw invalid("distribution", value, expected)
            }
            return distribution
        }

        mutating func fanAxes() throws(InitializerError) -> FanAxes? {
            func axes(_ key: String) throws(InitializerError) -> [Int]? {
                switch config[key] {
                case .none, .some(.null): return nil
                case .some(.array(let items)):
                    var result: [Int] = []
                    for item in items {
                        guard let axis = item.int else { throw invalid(key, .array(items), "a list of integers or null") }
                        result.append(axis)
                    }
                    return result
                case .some(let other): throw invalid(key, other, "a list of integers or null")
                }
            }
            read.formUnion(["input_axes", "output_axes"])
            guard let input = try axes("input_axes"), let output = try axes("output_axes") else { return nil }
            return FanAxes(input: input, output: output)
        }

        /// Presets take only `seed` (and fan axes) in Keras 3; some older configs also carry the
        /// variance-scaling parameters. Those are accepted when they match the preset.
        mutating func requirePresetValues(of preset: Initializer) throws(InitializerError) {
            guard let vs = preset.varianceScaling else { return }
            if config["scale"] != nil, try number("scale", default: vs.scale) != vs.scale, let value = config["scale"] {
                throw invalid("scale", value, "\(vs.scale) for \(initializer) (or no scale)")
            }
            if config["mode"] != nil, try mode(default: vs.mode) != vs.mode, let value = config["mode"] {
                throw invalid("mode", value, "\"\(vs.mode.rawValue)\" for \(initializer) (or no mode)")
            }
            if config["distribution"] != nil, try distribution(default: vs.distribution) != vs.distribution,
               let value = config["distribution"]
            {
                throw invalid("distribution", value, "\"\(vs.distribution.rawValue)\" for \(initializer) (or none)")
            }
        }

        func rejectUnread() throws(InitializerError) {
            let known = Array(read.subtracting(["dtype"])).sorted()
            for key in config.keys where !read.contains(key) {
                throw .unknownParameter(
                    initializer: initializer, parameter: key,
                    suggestions: InitializerError.closest(to: key, among: known))
            }
        }
    }
}
