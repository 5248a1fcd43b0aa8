/// An error in a Hugging Face `config.json`: what is wrong, and in which file.
public struct HFConfigError: LocatedError {
    /// The config file (empty when read from memory).
    public var file: String
    /// What is wrong, naming the field and what was expected.
    public var message: String

    /// Creates an error.
    public init(file: String = "", _ message: String) {
        self.file = file
        self.message = message
    }

    public var location: String { file }
}
