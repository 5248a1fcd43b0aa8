/// A checkpoint file format ckpt writes.
public enum CheckpointFormat: String, Sendable, CaseIterable {
    /// Keras 3 `.weights.h5` (`model.load_weights`).
    case kerasWeights = "weights.h5"
    /// NumPy `.npz`, one `.npy` member per tensor under its canonical name.
    case npz

    /// The format a file name asks for, by its ending.
    public static func infer(fromPath path: String) -> CheckpointFormat? {
        let name = path.split(separator: "/").last.map(String.init)?.lowercased() ?? ""
        if name.hasSuffix(".weights.h5") { return .kerasWeights }
        if name.hasSuffix(".npz") { return .npz }
        return nil
    }

    /// Parses a `--format` value (`weights.h5`, `npz`; a leading dot is allowed).
    public init?(argument: String) {
        var text = argument.lowercased()
        if text.hasPrefix(".") { text.removeFirst() }
        self.init(rawValue: text)
    }

    /// The error for a path whose ending names no format ckpt writes.
    static func unknownExtensionMessage(for path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var hint = ""
        if name.hasSuffix(".h5") || name.hasSuffix(".hdf5") {
            hint = " (legacy Keras .h5 is not written yet; name the file *.weights.h5 for Keras 3's load_weights)"
        }
        let known = allCases.map { ".\($0.rawValue)" }.joined(separator: ", ")
        return "cannot tell the output format from the name \"\(name)\"\(hint); ckpt writes \(known), or pass --format"
    }
}
