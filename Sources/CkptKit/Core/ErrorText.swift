/// How error messages are made printable, in one place.
public enum ErrorText {
    /// `text` on one line: every line break (names and reasons can carry a file's content)
    /// becomes a space, everything else is kept (paths may contain any spacing).
    public static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}

/// The shape most of ckpt's error types share: where (a file, a rule's place) and what is
/// wrong, printed as `where: what` on one line. Each area keeps its own type (``ModelError``,
/// ``CheckpointError``, ``OutputError``, ``RuleError``, ``GenerationError``), so a caller can
/// tell them apart; this gives them one description.
public protocol LocatedError: Error, Sendable, CustomStringConvertible {
    /// Where: a file path, a rule's place, or empty.
    var location: String { get }
    /// What is wrong.
    var message: String { get }
}

extension LocatedError {
    public var description: String { ErrorText.oneLine(location.isEmpty ? message : "\(location): \(message)") }
}
