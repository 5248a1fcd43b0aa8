import ArgumentParser
import CkptKit

/// `--format` and `--to`: the formats ckpt writes, in any case, with or without a leading dot
/// (`CheckpointFormat(argument:)`).
extension CheckpointFormat: OptionChoice {
    public static var allValueStrings: [String] { writable.map(\.rawValue) }

    static func unknownValueMessage(_ text: String) -> String {
        "unknown --format \"\(text)\"; expected one of \(allValueStrings.joined(separator: ", "))"
    }
}

extension ChoiceArgument<CheckpointFormat> {
    /// The text as a list of formats, `safetensors,npz` (`--to`, and `--format` of a batch).
    func formats() throws(UsageError) -> [CheckpointFormat] {
        try text.split(separator: ",").map { (name) throws(UsageError) in
            let name = String(name).trimmingCharacters(in: .whitespaces)
            guard let format = CheckpointFormat(argument: name) else {
                let known = CheckpointFormat.allValueStrings.joined(separator: ", ")
                throw UsageError("unknown format \"\(name)\"; expected one of \(known)")
            }
            return format
        }
    }
}
