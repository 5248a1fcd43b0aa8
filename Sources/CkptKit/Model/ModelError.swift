/// An error in a model architecture file: what is wrong, and where.
public struct ModelError: LocatedError {
    /// The file the architecture came from (empty when read from memory).
    public var file: String
    /// What is wrong, naming the layer and its place in the file.
    public var message: String

    /// Creates an error.
    public init(file: String = "", _ message: String) {
        self.file = file
        self.message = message
    }

    public var location: String { file }
}
