/// An error reading or writing a Keras or HDF5 checkpoint (`.weights.h5`, legacy `.h5`, plain
/// HDF5): a file whose structure is not what Keras writes or reads, a file that is unsafe to
/// read, or a layout that cannot be written in the format.
///
/// The description is one line naming the file, the layer, tensor or HDF5 object, and what was
/// expected, for example
/// `/tmp/m.h5: layer 'dense': listed in layer_names but the file has no group at /model_weights/dense`.
public struct KerasFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Kind: String, Sendable, Hashable {
        /// Writing needs something the layout does not have (the model's JSON, legacy locations).
        case missingModel
        /// The layout cannot be written in this format (names that clash or cannot be HDF5 paths).
        case invalidLayout
        /// The file's structure contradicts itself or the format (a listed layer without a group,
        /// a weight name without a dataset, a scalar `layer_names`).
        case malformedFile
        /// The file holds something ckpt refuses to follow or allocate for: soft or external
        /// links, data stored outside the file, a dataset far larger than its stored bytes.
        case unsafeFile
        /// A dataset's element type has no tensor dtype (strings, compound types).
        case unsupportedType
        /// libhdf5 crashed, did not finish or failed in the child process that reads the file's
        /// structure before ckpt opens it (`HDF5Sandbox`), so ckpt did not open it itself.
        case unreadableFile
        /// The API was used against its contract (tensor order, byte counts, call order).
        case usage
    }

    /// What kind of problem this is.
    public var kind: Kind
    /// The file's path.
    public var path: String
    /// The layer, tensor or HDF5 object the problem is in (`layer 'dense'`, `dataset
    /// '/model_weights/dense/dense/kernel'`), if any.
    public var object: String?
    /// What was wrong or expected.
    public var reason: String

    /// Creates an error.
    public init(_ kind: Kind, path: String, object: String? = nil, reason: String) {
        self.kind = kind
        self.path = path
        self.object = object
        self.reason = reason
    }

    /// `<path>: <object>: <reason>` on one line.
    public var description: String {
        let text = object.map { "\(path): \($0): \(reason)" } ?? "\(path): \(reason)"
        // Names come from the file; keep the message on one line.
        return ErrorText.oneLine(text)
    }
}
