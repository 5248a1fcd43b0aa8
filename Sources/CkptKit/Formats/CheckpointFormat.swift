/// A checkpoint file format ckpt reads or writes.
public enum CheckpointFormat: String, Sendable, CaseIterable {
    /// Keras 3 `.weights.h5` (`model.save_weights` / `model.load_weights`).
    case kerasWeights = "weights.h5"
    /// Keras 3 `.keras` archive: `config.json`, `model.weights.h5`, `metadata.json`.
    case keras
    /// Legacy Keras `.h5`: a full model (`model_config` + `model_weights`) or tf.keras weights only.
    case legacyH5 = "h5"
    /// NumPy `.npz`, one `.npy` member per tensor under its canonical name.
    case npz
    /// safetensors, optionally sharded with a `.safetensors.index.json`.
    case safetensors
    /// A plain HDF5 file of numeric datasets (read only; h5py files).
    case hdf5

    /// Formats ckpt writes.
    public static let writable: [CheckpointFormat] = [.kerasWeights, .keras, .legacyH5, .npz, .safetensors]

    /// Whether writing this format needs the model's structure (Keras paths, layer names).
    public var needsModel: Bool {
        switch self {
        case .kerasWeights, .keras, .legacyH5: return true
        case .npz, .safetensors, .hdf5: return false
        }
    }

    /// The format a file name asks for, by its ending.
    public static func infer(fromPath path: String) -> CheckpointFormat? {
        let name = path.split(separator: "/").last.map(String.init)?.lowercased() ?? ""
        if name.hasSuffix(".weights.h5") { return .kerasWeights }
        if name.hasSuffix(".keras") { return .keras }
        if name.hasSuffix(".h5") || name.hasSuffix(".hdf5") { return .legacyH5 }
        if name.hasSuffix(".npz") { return .npz }
        if name.hasSuffix(".safetensors") || name.hasSuffix(".safetensors.index.json") { return .safetensors }
        return nil
    }

    /// Parses a `--format` / `--to` value (`weights.h5`, `keras`, `h5`, `npz`, `safetensors`; a leading dot is allowed).
    public init?(argument: String) {
        var text = argument.lowercased()
        if text.hasPrefix(".") { text.removeFirst() }
        guard let format = CheckpointFormat(rawValue: text), CheckpointFormat.writable.contains(format) else { return nil }
        self = format
    }

    /// The error for a path whose ending names no format ckpt writes.
    static func unknownExtensionMessage(for path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let known = writable.map { ".\($0.rawValue)" }.joined(separator: ", ")
        return "cannot tell the output format from the name \"\(name)\"; ckpt writes \(known), or pass --format"
    }
}
