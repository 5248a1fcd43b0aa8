// The registry entry of PyTorch checkpoints (``FormatRegistry``).

extension TorchCheckpointWriter {
    static let descriptor = FormatDescriptor(
        format: .pytorch,
        summary: "PyTorch `torch.save` state dict (`pytorch_model.bin`), read without running its pickle; legacy and sharded `.bin.index.json` read too",
        extensions: [".bin", ".pt", ".pth"], keying: .name, shards: false,
        writer: { request in try TorchCheckpointWriter(path: request.path, layout: request.layout, options: request.options) },
        plannedFiles: nil)
}

extension TorchCheckpointReader {
    /// A sharded checkpoint's `pytorch_model.bin.index.json` (by its name: it is JSON).
    static let indexFamily = ReaderFamily(
        name: "torch index",
        recognizes: { _, path, _ in isIndex(path) },
        open: { path, options in try TorchCheckpointReader(path: path, options: options) })

    /// The legacy format: a pickle of torch's magic number first.
    static let legacyFamily = ReaderFamily(
        name: "torch legacy",
        recognizes: { head, _, file in head.first == 0x80 && isLegacy(file) },
        open: { path, options in try TorchCheckpointReader(path: path, options: options) })
}
