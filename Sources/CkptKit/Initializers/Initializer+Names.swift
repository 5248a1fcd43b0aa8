import Foundation

/// The catalog of names beyond Keras (PyTorch, JAX/Flax, ZerO) and the `--rule` text syntax
/// `INITIALIZER[:key=value,...]` (docs/initializers.md, docs/cli.md).
extension Initializer {
    /// A non-Keras initializer name and what it builds.
    private enum Entry: CaseIterable {
        // PyTorch torch.nn.init (names without the trailing underscore).
        case torchZeros, torchOnes, torchConstant, torchEye, torchDirac, torchUniform, torchNormal, torchTruncNormal
        case torchXavierUniform, torchXavierNormal, torchKaimingUniform, torchKaimingNormal, torchOrthogonal, torchSparse
        // JAX jax.nn.initializers (Flax re-exports them).
        case jaxZeros, jaxOnes, jaxConstant, jaxUniform, jaxNormal, jaxTruncatedNormal, jaxVarianceScaling
        case jaxGlorotUniform, jaxGlorotNormal, jaxHeUniform, jaxHeNormal, jaxLecunUniform, jaxLecunNormal
        case jaxOrthogonal, jaxDeltaOrthogonal
        // ZerO (Zhao et al. 2022), in no framework.
        case zerO

        var dialect: Dialect {
            switch self {
            case .torchZeros, .torchOnes, .torchConstant, .torchEye, .torchDirac, .torchUniform, .torchNormal,
                 .torchTruncNormal, .torchXavierUniform, .torchXavierNormal, .torchKaimingUniform,
                 .torchKaimingNormal, .torchOrthogonal, .torchSparse:
                return .torch
            case .zerO: return .keras
            default: return .jax
            }
        }

        /// The names, without PyTorch's trailing underscore or a `torch.`/`jax.` prefix.
        var names: [String] {
            switch self {
            case .torchZeros: return ["zeros"]
            case .torchOnes: return ["ones"]
            case .torchConstant: return ["constant"]
            case .torchEye: return ["eye"]
            case .torchDirac: return ["dirac"]
            case .torchUniform: return ["uniform"]
            case .torchNormal: return ["normal"]
            case .torchTruncNormal: return ["trunc_normal"]
            case .torchXavierUniform: return ["xavier_uniform"]
            case .torchXavierNormal: return ["xavier_normal"]
            case .torchKaimingUniform: return ["kaiming_uniform"]
            case .torchKaimingNormal: return ["kaiming_normal"]
            case .torchOrthogonal: return ["orthogonal"]
            case .torchSparse: return ["sparse"]
            case .jaxZeros: return ["zeros", "zeros_init"]
            case .jaxOnes: return ["ones", "ones_init"]
            case .jaxConstant: return ["constant"]
            case .jaxUniform: return ["uniform"]
            case .jaxNormal: return ["normal"]
            case .jaxTruncatedNormal: return ["truncated_normal"]
            case .jaxVarianceScaling: return ["variance_scaling"]
            case .jaxGlorotUniform: return ["glorot_uniform", "xavier_uniform"]
            case .jaxGlorotNormal: return ["glorot_normal", "xavier_normal"]
            case .jaxHeUniform: return ["he_uniform", "kaiming_uniform"]
            case .jaxHeNormal: return ["he_normal", "kaiming_normal"]
            case .jaxLecunUniform: return ["lecun_uniform"]
            case .jaxLecunNormal: return ["lecun_normal"]
            case .jaxOrthogonal: return ["orthogonal"]
            case .jaxDeltaOrthogonal: return ["delta_orthogonal"]
            case .zerO: return ["zer_o", "ZerO", "zero_init"]
            }
        }

        /// The canonical spelling used in suggestions and docs.
        var display: String {
            switch dialect {
            case .torch: return names[0] + "_"
            case .jax:
                // Names that mean the same in Keras are listed under their Keras spelling.
                return ["delta_orthogonal", "zeros_init", "ones_init"].contains(names[0]) ? names[0] : "jax." + names[0]
            case .keras: return names[0]
            }
        }

        func build(_ r: inout InitializerConfigReader) throws(InitializerError) -> Kind {
            switch self {
            case .torchZeros, .jaxZeros: return .zeros
            case .torchOnes, .jaxOnes: return .ones
            case .torchConstant: return .constant(value: try r.requiredNumber("val"))
            case .jaxConstant: return .constant(value: try r.requiredNumber("value"))
            case .torchEye: return .identity(gain: 1)
            case .torchDirac: return .dirac(groups: try r.int("groups", default: 1))
            case .torchUniform: return .randomUniform(minval: try r.number("a", default: 0), maxval: try r.number("b", default: 1))
            case .torchNormal: return .randomNormal(mean: try r.number("mean", default: 0), stddev: try r.number("std", default: 1))
            case .torchTruncNormal:
                return .truncatedNormalRange(
                    mean: try r.number("mean", default: 0), stddev: try r.number("std", default: 1),
                    low: try r.number("a", default: -2), high: try r.number("b", default: 2))
            case .torchXavierUniform: return .xavierUniform(gain: try r.gain("gain", default: 1))
            case .torchXavierNormal: return .xavierNormal(gain: try r.gain("gain", default: 1))
            case .torchKaimingUniform, .torchKaimingNormal:
                let a = try r.number("a", default: 0)
                let mode = try r.mode(default: .fanIn, allowed: [.fanIn, .fanOut])
                let nonlinearity = try r.nonlinearity("nonlinearity", default: .leakyRelu)
                return self == .torchKaimingUniform
                    ? .kaimingUniform(a: a, mode: mode, nonlinearity: nonlinearity)
                    : .kaimingNormal(a: a, mode: mode, nonlinearity: nonlinearity)
            case .torchOrthogonal: return .orthogonal(gain: try r.gain("gain", default: 1), flattening: .torch)
            case .torchSparse: return .sparse(sparsity: try r.requiredNumber("sparsity"), std: try r.number("std", default: 0.01))
            case .jaxUniform:
                let scale = try r.number("scale", default: 1e-2)
                return .randomUniform(minval: 0, maxval: scale)
            case .jaxNormal: return .randomNormal(mean: 0, stddev: try r.number("stddev", default: 1e-2))
            case .jaxTruncatedNormal:
                let stddev = try r.number("stddev", default: 1e-2)
                let lower = try r.number("lower", default: -2), upper = try r.number("upper", default: 2)
                return .truncatedNormalRange(mean: 0, stddev: stddev, low: lower * stddev, high: upper * stddev)
            case .jaxVarianceScaling:
                let scale = try r.requiredNumber("scale")
                if r.config["mode"] == nil {
                    throw .invalidParameter(initializer: r.initializer, parameter: "mode", value: "missing",
                                            expected: "\"fan_in\", \"fan_out\", \"fan_avg\" or \"fan_geo_avg\" (it has no default)")
                }
                let mode = try r.mode(default: .fanIn, allowed: FanMode.allCases)
                return .varianceScaling(scale: scale, mode: mode, distribution: try r.jaxDistribution())
            case .jaxGlorotUniform: return .glorotUniform
            case .jaxGlorotNormal: return .glorotNormal
            case .jaxHeUniform: return .heUniform
            case .jaxHeNormal: return .heNormal
            case .jaxLecunUniform: return .lecunUniform
            case .jaxLecunNormal: return .lecunNormal
            case .jaxOrthogonal:
                return .orthogonal(gain: try r.gain("scale", default: 1), flattening: .columnAxis(try r.int("column_axis", default: -1)))
            case .jaxDeltaOrthogonal:
                let gain = try r.gain("scale", default: 1)
                let axis = try r.int("column_axis", default: -1)
                guard axis == -1 else {
                    throw .notSupportedYet(initializer: "delta_orthogonal", reason: "column_axis other than -1")
                }
                return .deltaOrthogonal(gain: gain)
            case .zerO: return .zerO
            }
        }
    }

    /// Every name `parse(ruleText:)` accepts in its canonical spelling: Keras names as Keras
    /// spells them, PyTorch names with their trailing underscore, JAX names that mean something
    /// else in Keras with a `jax.` prefix.
    public static var allNames: [String] {
        var result = kerasNames
        for entry in Entry.allCases {
            for name in entry.names {
                let spelled = entry.dialect == .torch ? name + "_" : (entry.display.hasPrefix("jax.") ? "jax." + name : name)
                if !result.contains(spelled) { result.append(spelled) }
            }
        }
        return result
    }

    /// Parses `--rule` text: `INITIALIZER[:key=value,...]`.
    ///
    /// The name may carry a framework prefix (`torch.`, `torch.nn.init.`, `jax.`,
    /// `jax.nn.initializers.`, `flax.`, `keras.`, `keras.initializers.`); a trailing underscore
    /// means PyTorch. Without a prefix a name is looked up in Keras first, then PyTorch, then JAX,
    /// so `uniform` is Keras's `RandomUniform(minval, maxval)`, `kaiming_normal` is PyTorch's and
    /// `delta_orthogonal` is JAX's. Values are numbers, `true`/`false`, `null` or bare words;
    /// a gain may be a nonlinearity name (`gain=tanh`, `gain=leaky_relu(0.2)`). `seed=N` gives the
    /// tensor its own stream, as a Keras config seed does.
    public static func parse(ruleText: String) throws(InitializerError) -> Initializer {
        let text = ruleText.trimmingCharacters(in: .whitespaces)
        let (rawName, config) = try splitRule(text)
        return try parse(name: rawName, config: config)
    }

    /// An initializer named as in `--rule` text, with its parameters already split into `config`
    /// (a rules file's `{"name": "orthogonal", "gain": 1.5}`).
    public static func parse(name rawName: String, config: JSONObject) throws(InitializerError) -> Initializer {
        var name = rawName
        var dialect: Dialect?
        let prefixes: [(String, Dialect)] = [
            ("torch.nn.init.", .torch), ("nn.init.", .torch), ("torch.", .torch),
            ("jax.nn.initializers.", .jax), ("flax.linen.initializers.", .jax), ("nn.initializers.", .jax),
            ("jax.", .jax), ("flax.", .jax), ("keras.initializers.", .keras), ("keras.", .keras),
        ]
        for (prefix, prefixDialect) in prefixes where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count))
            dialect = prefixDialect
            break
        }
        if name.hasSuffix("_"), name.count > 1, dialect == nil || dialect == .torch {
            name = String(name.dropLast())
            dialect = .torch
        }
        func unknown() -> InitializerError {
            .unknownInitializer(name: rawName, suggestions: nameSuggestions(for: rawName))
        }
        if dialect == nil || dialect == .keras, isKerasName(name) {
            return try build(name: name, config: config, allowsGainNames: true)
        }
        if dialect == .keras { throw unknown() }
        let order: [Dialect] = dialect.map { [$0] } ?? [.torch, .jax, .keras]
        for candidateDialect in order {
            guard let entry = Entry.allCases.first(where: { $0.dialect == candidateDialect && $0.names.contains(name) })
            else { continue }
            var reader = InitializerConfigReader(initializer: rawName, config: config, allowsGainNames: true)
            let kind = try entry.build(&reader)
            let seed = try reader.seed()
            try reader.rejectUnread()
            let result = Initializer(kind, seed: seed, dialect: entry.dialect)
            do {
                try result.validate()
            } catch .invalidParameter(_, let parameter, let value, let expected) {
                throw .invalidParameter(initializer: rawName, parameter: parameter, value: value, expected: expected)
            }
            return result
        }
        throw unknown()
    }

    /// The closest known names to `name`, across Keras, PyTorch and JAX, one spelling per initializer.
    static func nameSuggestions(for name: String) -> [String] {
        var candidates: [(spelling: String, group: String)] = kerasNames.map { ($0, kerasGroup($0) ?? $0) }
        for entry in Entry.allCases {
            for base in entry.names {
                let spelling = entry.dialect == .torch ? base + "_" : (entry.display.hasPrefix("jax.") ? "jax." + base : base)
                candidates.append((spelling, "\(entry)"))
                if entry.dialect == .torch { candidates.append((base, "\(entry)")) }
            }
        }
        var seen: Set<String> = []
        var result: [String] = []
        for candidate in Suggestions.closest(to: name, among: candidates.map(\.spelling), limit: candidates.count) {
            guard let group = candidates.first(where: { $0.spelling == candidate })?.group, seen.insert(group).inserted else {
                continue
            }
            result.append(candidate)
            if result.count == 3 { break }
        }
        return result
    }

    /// Splits `name:key=value,...` into the name and a config object (commas inside parentheses
    /// belong to the value).
    private static func splitRule(_ text: String) throws(InitializerError) -> (String, JSONObject) {
        guard !text.isEmpty else { throw .malformedRule(text: text, reason: "it is empty") }
        let name: String, rest: Substring?
        if let colon = text.firstIndex(of: ":") {
            name = text[..<colon].trimmingCharacters(in: .whitespaces)
            rest = text[text.index(after: colon)...]
        } else {
            name = text
            rest = nil
        }
        guard !name.isEmpty, !name.contains(where: { $0 == "=" || $0 == "," || $0 == " " }) else {
            throw .malformedRule(text: text, reason: "\"\(name)\" is not an initializer name")
        }
        var config = JSONObject()
        guard let rest, !rest.trimmingCharacters(in: .whitespaces).isEmpty else { return (name, config) }
        var items: [String] = []
        var depth = 0, current = ""
        for character in rest {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw .malformedRule(text: text, reason: "\"\(item.trimmingCharacters(in: .whitespaces))\" is not key=value")
            }
            guard config[parts[0]] == nil else {
                throw .malformedRule(text: text, reason: "parameter \"\(parts[0])\" is given twice")
            }
            config[parts[0]] = ruleValue(parts[1])
        }
        return (name, config)
    }

    /// A rule value as JSON: a number, a boolean, null, or a string.
    private static func ruleValue(_ text: String) -> JSONValue {
        switch text {
        case "true", "True": return .bool(true)
        case "false", "False": return .bool(false)
        case "null", "None": return .null
        default:
            if let number = JSONNumber(text: text) { return .number(number) }
            var unquoted = text
            if unquoted.count >= 2, let first = unquoted.first, first == unquoted.last, first == "\"" || first == "'" {
                unquoted = String(unquoted.dropFirst().dropLast())
            }
            return .string(unquoted)
        }
    }
}
