import ArgumentParser
import CkptKit

/// `--profile`: `keras`, `torch` or `flax`, in any case.
extension Profile: OptionChoice {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    static func unknownValueMessage(_ text: String) -> String {
        "unknown --profile \"\(text)\"; expected one of " + allCases.map(\.rawValue).joined(separator: ", ")
    }
}
