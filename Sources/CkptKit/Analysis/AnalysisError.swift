/// An error of `ckpt analyze`: a layer the pass cannot execute, an input that does not fit the
/// model, a checkpoint that does not match it.
public struct AnalysisError: LocatedError {
    /// The file concerned (the spec, an input, the weights); empty when none.
    public var file: String
    /// What is wrong, naming the layer and its class where one is concerned.
    public var message: String

    /// Creates an error.
    public init(file: String = "", _ message: String) {
        self.file = file
        self.message = message
    }

    public var location: String { file }

    /// A layer the pass cannot execute.
    static func unsupported(_ layer: KerasLayer, _ why: String) -> AnalysisError {
        AnalysisError("cannot analyze layer \"\(layer.name)\" (\(layer.className)): \(why)")
    }
}
