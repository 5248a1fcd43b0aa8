// The registry entry of NumPy `.npz` (``FormatRegistry``).

extension NPZCheckpointWriter {
    static let descriptor = FormatDescriptor(
        format: .npz, summary: "NumPy archive, one `.npy` member per tensor under its canonical name (`np.load`)",
        extensions: [".npz"], keying: .name, shards: false,
        writer: { request in try NPZCheckpointWriter(path: request.path, layout: request.layout, options: request.options) },
        plannedFiles: nil)
}
