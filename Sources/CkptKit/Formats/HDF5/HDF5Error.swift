/// An error from the HDF5 layer: what failed, on which object of which file, and why.
///
/// The description is a single line, for example
/// `HDF5: cannot open dataset '/layers/dense/vars/7' in '/tmp/m.weights.h5': component not found`.
public struct HDF5Error: Error, CustomStringConvertible, Sendable, Hashable {
    /// The operation that failed, as a verb phrase (`open dataset`, `write attribute 'name'`).
    public var operation: String
    /// The HDF5 path of the object involved (`/layers/dense/vars/0`), when there is one.
    public var objectPath: String?
    /// The file system path of the HDF5 file, when known.
    public var filePath: String?
    /// Why it failed: our own check, or the most specific lines of libhdf5's error stack.
    public var reason: String

    /// Creates an error; newlines in any part are replaced so the description stays one line.
    public init(operation: String, objectPath: String? = nil, filePath: String? = nil, reason: String) {
        self.operation = Self.collapsingWhitespace(operation)
        self.objectPath = objectPath.map(Self.withoutLineBreaks)
        self.filePath = filePath.map(Self.withoutLineBreaks)
        self.reason = Self.collapsingWhitespace(reason)
    }

    /// One line: `HDF5: cannot <operation> '<object>' in '<file>': <reason>`, or
    /// `HDF5: cannot <operation> '<file>': <reason>` for operations on the file itself.
    public var description: String {
        var text = "HDF5: cannot \(operation)"
        switch (objectPath, filePath) {
        case let (object?, file?): text += " '\(object)' in '\(file)'"
        case let (object?, nil): text += " '\(object)'"
        case let (nil, file?): text += " '\(file)'"
        case (nil, nil): break
        }
        return text + ": " + reason
    }

    /// Replaces line breaks with spaces and collapses whitespace runs (libhdf5's messages embed
    /// `ctime()` output, which ends in a newline).
    static func collapsingWhitespace(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        for character in text {
            if character.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(character)
            }
        }
        return result
    }

    /// Replaces line breaks with spaces, keeping everything else (paths may contain any spacing).
    static func withoutLineBreaks(_ text: String) -> String {
        ErrorText.oneLine(text)
    }
}
