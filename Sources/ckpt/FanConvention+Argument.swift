import ArgumentParser
import CkptKit

/// `--fans`: `FanConvention(name:)`, in any case, with `pytorch` and `flax` as aliases.
extension FanConvention: OptionChoice {
    public init?(argument: String) {
        self.init(name: argument)
    }

    public static var allValueStrings: [String] { names }

    static func unknownValueMessage(_ text: String) -> String {
        "unknown --fans \"\(text)\"; expected one of " + names.joined(separator: ", ")
    }
}
