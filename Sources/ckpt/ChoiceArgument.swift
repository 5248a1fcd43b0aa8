import ArgumentParser

/// A closed set of values an option takes (`--format`, `--dtype`, `--fans`, `--profile`,
/// `--keras-dialect`): the spellings `init?(argument:)` accepts, the ones `--help` and shell
/// completion list (`allValueStrings`), and the error line for text that names none of them.
protocol OptionChoice: ExpressibleByArgument, Sendable {
    /// The `ckpt: error:` message for `text`, which names no value.
    static func unknownValueMessage(_ text: String) -> String
}

/// What was given to an option whose values are `Choice`, as typed.
///
/// Parsing takes any text, and ``value()`` refuses an unknown one when the command runs: so a
/// bad value is the option's own one-line message with exit status 1, like every other bad
/// option value. (A failing `init?(argument:)` would get ArgumentParser's words and exit 64; a
/// throwing `transform` would keep the message but hide the values from `--help`.) `--help` and
/// shell completion list `Choice.allValueStrings`.
struct ChoiceArgument<Choice: OptionChoice>: ExpressibleByArgument, Sendable {
    /// The text given.
    var text: String

    init(argument: String) {
        text = argument
    }

    static var allValueStrings: [String] { Choice.allValueStrings }

    static var defaultCompletionKind: CompletionKind { .list(Choice.allValueStrings) }

    /// The value the text names.
    func value() throws(UsageError) -> Choice {
        guard let choice = Choice(argument: text) else { throw UsageError(Choice.unknownValueMessage(text)) }
        return choice
    }
}
