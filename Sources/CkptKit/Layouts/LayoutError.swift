/// An error changing a checkpoint's layout (`ckpt convert --layout`): the file, and the layer,
/// module or tensor that does not map.
public struct LayoutError: LocatedError {
    /// The file concerned (empty when none).
    public var path: String
    /// What is wrong, naming the layer and its class, or the tensor.
    public var message: String

    /// Creates an error.
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var location: String { path }
}
