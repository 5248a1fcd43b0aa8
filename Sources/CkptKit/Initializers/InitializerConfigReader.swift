/// Reads initializer parameters from a config object (Keras JSON, or `--rule` text turned into
/// one), remembering which members were read, so the rest can be rejected.
struct InitializerConfigReader {
    let initializer: String
    let config: JSONObject
    var read: Set<String> = ["dtype"]
    /// Whether a gain may be written as a nonlinearity name (`gain=tanh`): rule text, not Keras JSON.
    var allowsGainNames = false

    init(initializer: String, config: JSONObject, allowsGainNames: Bool = false) {
        self.initializer = initializer
        self.config = config
        self.allowsGainNames = allowsGainNames
    }

    func invalid(_ key: String, _ value: JSONValue, _ expected: String) -> InitializerError {
        .invalidParameter(initializer: initializer, parameter: key, value: Initializer.describe(value), expected: expected)
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

    mutating func mode(default fallback: Initializer.FanMode, allowed: [Initializer.FanMode] = [.fanIn, .fanOut, .fanAvg]) throws(InitializerError) -> Initializer.FanMode {
        read.insert("mode")
        guard let value = config["mode"] else { return fallback }
        // Keras, PyTorch and JAX compare the mode as written (case-sensitive).
        guard let text = value.string, let mode = Initializer.FanMode(rawValue: text), allowed.contains(mode) else {
            throw invalid("mode", value, "one of " + allowed.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        return mode
    }

    /// A number the config must have (PyTorch `constant_(val)`, `sparse_(sparsity)`, JAX `constant(value)`).
    mutating func requiredNumber(_ key: String) throws(InitializerError) -> Double {
        guard config[key] != nil else {
            throw .invalidParameter(initializer: initializer, parameter: key, value: "missing", expected: "a number (it has no default)")
        }
        return try number(key, default: 0)
    }

    /// An integer parameter (`groups`, `column_axis`).
    mutating func int(_ key: String, default fallback: Int) throws(InitializerError) -> Int {
        read.insert(key)
        guard let value = config[key] else { return fallback }
        guard let integer = value.int else { throw invalid(key, value, "an integer") }
        return integer
    }

    /// A gain: a number, or in rule text a nonlinearity name of PyTorch's gain table (`tanh`,
    /// `leaky_relu(0.2)`).
    mutating func gain(_ key: String, default fallback: Double) throws(InitializerError) -> Double {
        if allowsGainNames, let name = config[key]?.string {
            read.insert(key)
            return try Nonlinearity.gain(named: name, initializer: initializer, parameter: key)
        }
        return try number(key, default: fallback)
    }

    /// A PyTorch nonlinearity name (`kaiming_*_(nonlinearity=)`).
    mutating func nonlinearity(_ key: String, default fallback: Nonlinearity) throws(InitializerError) -> Nonlinearity {
        read.insert(key)
        guard let value = config[key] else { return fallback }
        guard let text = value.string else { throw invalid(key, value, "a nonlinearity name such as \"relu\"") }
        return try Nonlinearity.named(text, initializer: initializer, parameter: key)
    }

    /// A JAX variance-scaling distribution: "truncated_normal", "normal" (untruncated) or "uniform".
    mutating func jaxDistribution() throws(InitializerError) -> Initializer.VarianceScalingDistribution {
        read.insert("distribution")
        let expected = "one of \"truncated_normal\", \"normal\" (untruncated in JAX), \"uniform\""
        guard let value = config["distribution"] else {
            throw .invalidParameter(initializer: initializer, parameter: "distribution", value: "missing", expected: expected)
        }
        switch value.string {
        case "truncated_normal": return .truncatedNormal
        case "normal": return .untruncatedNormal
        case "uniform": return .uniform
        default: throw invalid("distribution", value, expected)
        }
    }

    mutating func distribution(default fallback: Initializer.VarianceScalingDistribution) throws(InitializerError)
        -> Initializer.VarianceScalingDistribution
    {
        read.insert("distribution")
        guard let value = config["distribution"] else { return fallback }
        // Keras lower-cases the distribution and reads "normal" as "truncated_normal".
        let expected = "one of \"truncated_normal\", \"untruncated_normal\", \"uniform\" (or \"normal\")"
        guard let text = value.string?.lowercased() else { throw invalid("distribution", value, expected) }
        if text == "normal" { return .truncatedNormal }
        guard let distribution = Initializer.VarianceScalingDistribution(rawValue: text) else {
            throw invalid("distribution", value, expected)
        }
        return distribution
    }

    mutating func fanAxes() throws(InitializerError) -> Initializer.FanAxes? {
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
        return Initializer.FanAxes(input: input, output: output)
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
                suggestions: Suggestions.closest(to: key, among: known))
        }
    }
}
