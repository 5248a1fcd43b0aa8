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
    /// PyTorch `torch.save` (`pytorch_model.bin`, `.pt`): read without running the pickle
    /// (zip and legacy formats, sharded through `.bin.index.json`), written in the zip format.
    case pytorch
    /// A Hugging Face model folder as `save_pretrained` writes it: `config.json`,
    /// `generation_config.json`, `model.safetensors` or shards with `model.safetensors.index.json`.
    case huggingFace = "hf"
    /// GGUF v3 for llama.cpp, from a Hugging Face config (`Formats/GGUF/`, docs/formats/gguf.md).
    case gguf

    /// Its descriptor in the registry (``FormatRegistry``): everything known about it.
    public var descriptor: FormatDescriptor { FormatRegistry.descriptor(self) }

    /// Formats ckpt writes.
    public static var writable: [CheckpointFormat] { FormatRegistry.writable.map(\.format) }

    /// Whether writing this format needs the model's structure (Keras paths, layer names).
    public var needsModel: Bool { descriptor.needsModel }

    /// Whether tensors in this format are keyed by canonical names (rather than Keras paths or positions).
    var isNameKeyed: Bool { descriptor.keying == .name }

    /// The format a file name asks for, by its ending.
    public static func infer(fromPath path: String) -> CheckpointFormat? {
        FormatRegistry.format(forPath: path)
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
        let known = FormatRegistry.writableEndings
        return "cannot tell the output format from the name \"\(name)\"; ckpt writes \(known), or pass --format"
    }
}
