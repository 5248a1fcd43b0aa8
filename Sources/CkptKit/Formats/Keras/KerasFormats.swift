// The registry entries of the HDF5-based Keras formats (``FormatRegistry``).

extension KerasWeightsWriter {
    static let descriptor = FormatDescriptor(
        format: .kerasWeights, summary: "Keras 3 weights (`model.save_weights`, `model.load_weights`)",
        extensions: [".weights.h5"], keying: .kerasPath, shards: false,
        writer: { request in
            try KerasWeightsWriter(path: request.path, overwrite: request.options.overwrite, recipe: request.layout.recipe,
                                   directIO: request.options.directIO,
                                   expectedSize: request.layout.tensors.reduce(0) { $0 + $1.info.byteCount })
        },
        plannedFiles: nil)
}

extension KerasArchiveWriter {
    static let descriptor = FormatDescriptor(
        format: .keras, summary: "Keras 3 archive: config.json, model.weights.h5, metadata.json (`model.save`, `keras.saving.load_model`)",
        extensions: [".keras"], keying: .kerasPath, shards: false,
        writer: { request in try KerasArchiveWriter(path: request.path, layout: request.layout, options: request.options) },
        plannedFiles: nil)
}

extension LegacyH5Writer {
    static let descriptor = FormatDescriptor(
        format: .legacyH5, summary: "legacy Keras HDF5: a full model (`model_config` + weights) or tf.keras weights only",
        extensions: [".h5", ".hdf5"], keying: .position, shards: false,
        writer: { request in try LegacyH5Writer(path: request.path, layout: request.layout, options: request.options) },
        plannedFiles: nil)
}

extension HDF5CheckpointReader {
    /// Plain HDF5 files of numeric datasets (h5py's): read, never written.
    static let plainDescriptor = FormatDescriptor(
        format: .hdf5, summary: "plain HDF5 of numeric datasets (h5py files), read only",
        extensions: [], keying: .name, shards: false, writer: nil, plannedFiles: nil)

    /// Every HDF5 file: the signature at offset 0, or after a user block.
    static let family = ReaderFamily(
        name: "HDF5",
        recognizes: { head, _, file in
            head.starts(with: CheckpointReaders.hdf5Signature)
                || (head.count == 8 && CheckpointReaders.hasHDF5SignatureAfterUserBlock(file))
        },
        open: { path, _ in try HDF5CheckpointReader(path: path) })
}
