/// An initializer that cannot be parsed, has a parameter out of range, or is not supported yet.
public enum InitializerError: Error, CustomStringConvertible, Hashable {
    /// The name is not a known initializer; `suggestions` are the closest known names.
    case unknownInitializer(name: String, suggestions: [String])
    /// A config key the initializer does not take; `suggestions` are the closest parameter names.
    case unknownParameter(initializer: String, parameter: String, suggestions: [String])
    /// A parameter with a value out of range or of the wrong type.
    case invalidParameter(initializer: String, parameter: String, value: String, expected: String)
    /// A Keras initializer that ckpt does not generate yet.
    case notSupportedYet(initializer: String, reason: String)
    /// JSON that is not an initializer reference (a string or a `class_name`/`config` object).
    case malformedReference(String)
    /// A fan convention that computes no fans for this tensor (PyTorch below 2-D, JAX at 1-D).
    case fansUndefined(convention: String, shape: [Int], reason: String)
    /// A `--rule` text that is not `INITIALIZER[:key=value,...]`.
    case malformedRule(text: String, reason: String)
    /// A library the initializer needs (OpenBLAS, for a QR) could not be loaded.
    case libraryUnavailable(initializer: String, library: String, reason: String)

    /// One line naming the initializer or parameter and what was expected.
    public var description: String {
        switch self {
        case .unknownInitializer(let name, let suggestions):
            return "unknown initializer \"\(name)\"" + InitializerError.didYouMean(suggestions)
        case .unknownParameter(let initializer, let parameter, let suggestions):
            return "initializer \(initializer) has no parameter \"\(parameter)\""
                + InitializerError.didYouMean(suggestions)
        case .invalidParameter(let initializer, let parameter, let value, let expected):
            return "initializer \(initializer): parameter \"\(parameter)\" is \(value); expected \(expected)"
        case .notSupportedYet(let initializer, let reason):
            return "initializer \(initializer) is not supported yet: \(reason)"
        case .malformedReference(let what):
            return "not an initializer reference: \(what)"
        case .fansUndefined(let convention, let shape, let reason):
            return "--fans \(convention) cannot compute fans for shape \(shape): \(reason); "
                + "use an initializer that needs no fans, or another --fans convention"
        case .malformedRule(let text, let reason):
            return "rule \"\(text)\": \(reason); expected INITIALIZER[:key=value,...], e.g. kaiming_normal:a=0.2,mode=fan_out"
        case .libraryUnavailable(let initializer, let library, let reason):
            return "initializer \(initializer) needs \(library), which could not be loaded (\(reason)); "
                + "install it (Debian: apt-get install libopenblas0)"
        }
    }

    private static func didYouMean(_ suggestions: [String]) -> String {
        guard !suggestions.isEmpty else { return "" }
        return "; did you mean " + suggestions.map { "\"\($0)\"" }.joined(separator: " or ") + "?"
    }
}
