/// Writes a legacy Keras `.h5` file (docs/formats/keras-hdf5.md): a full model, as Keras 3's
/// `model.save("m.h5")` writes it, or, with `WriterOptions.weightsOnly`, weights only, as tf.keras'
/// `model.save_weights("m.h5")` writes them. Keras loads either by position: the k-th layer with
/// weights in `layer_names` goes to the k-th layer with weights in `model.layers`.
///
/// Everything but the values is written when the writer is created (attributes, groups and
/// empty datasets), so a layout that cannot be written fails before any value is generated;
/// values then stream into their datasets by rows, in layout order (with direct I/O, the values
/// of large datasets after their first row bypass libhdf5, ``HDF5DirectValues``). The file is
/// byte-for-byte reproducible and appears at the target path only in `finish()`.
///
/// bfloat16 tensors are stored as float32 (exact): Keras' legacy loader cannot read the opaque
/// bfloat16 datasets Keras 3 writes ("No cast function available", even with the `dtype`
/// attribute), while float32 loads into bfloat16 variables by cast.
final class LegacyH5Writer: CheckpointWriter {
    /// The `keras_version` attributes: the Keras release whose layout this follows. Keras 3
    /// never acts on it; tf.keras converts weights only for `"1"`.
    static let kerasVersion = "3.15.1"
    /// The `backend` attributes. No Keras converts weights by it (older Keras only for
    /// `"theano"`); the values are NumPy arrays in Keras' channels-last layout, as the numpy
    /// backend saves them.
    static let backend = "numpy"
    /// The group of the model's own (non-layer) weights; Keras writes it, empty for JSON models.
    static let topLevelWeightsGroup = "top_level_model_weights"
    /// The group holding the layers in a full-model file.
    static let modelWeightsGroup = "model_weights"
    /// The suffix tf.keras gives weight names (`dense/kernel:0`).
    static let weightNameSuffix = ":0"

    /// One top-level layer's group: its weight names and the layout tensors behind them.
    struct LayerGroup {
        var name: String
        /// `weight_names`: trainable weights first, then non-trainable, each in layout order.
        var weightNames: [String]
        /// The layout index of each weight, parallel to `weightNames`.
        var tensorIndices: [Int]
    }

    /// The tensor being written.
    private struct OpenTensor {
        var dataset: HDF5Dataset
        var info: TensorInfo
        var rowsWritten = 0
        /// Whether the values go to `directValues`.
        var bypassing = false
    }

    private let output: AtomicOutput
    private var file: HDF5File?
    private let layout: CheckpointLayout
    /// Per layout tensor: the dataset's absolute path.
    private let datasetPaths: [String]
    private var nextIndex = 0
    private var current: OpenTensor?
    /// Reused for bfloat16 → float32.
    private var floats: [Float] = []
    private var directValues: HDF5DirectValues?

    /// Validates the layout, then writes the file's structure to a temporary file beside `path`.
    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        if !options.weightsOnly && layout.modelConfig == nil {
            throw KerasFormatError(
                .missingModel, path: path,
                reason: "a full-model .h5 needs the model's JSON; pass --weights-only or --spec")
        }
        let groups = try Self.layerGroups(layout, weightsOnly: options.weightsOnly, path: path)
        let weightsRoot = options.weightsOnly ? "/" : "/\(Self.modelWeightsGroup)/"
        var datasetPaths = [String](repeating: "", count: layout.tensors.count)
        for group in groups {
            for (weightName, index) in zip(group.weightNames, group.tensorIndices) {
                datasetPaths[index] = weightsRoot + group.name + "/" + weightName
            }
        }
        try Self.checkDatasetPaths(datasetPaths, layout: layout, path: path)

        output = try AtomicOutput(path: path, overwrite: options.overwrite, named: true)
        let file = try HDF5File.create(atPath: output.temporaryPath)
        do {
            try Self.writeStructure(file, layout: layout, groups: groups, weightsOnly: options.weightsOnly, path: path)
        } catch {
            try? file.close()
            output.discard()
            throw error
        }
        self.file = file
        self.layout = layout
        self.datasetPaths = datasetPaths
        do {
            // bfloat16 is stored as float32.
            let size = layout.tensors.reduce(0) { $0 + $1.info.elementCount * ($1.info.dtype == .bfloat16 ? 4 : $1.info.dtype.byteSize) }
            directValues = try HDF5DirectValues.open(path: output.temporaryPath, expectedSize: size, directIO: options.directIO)
        } catch {
            abort()
            throw error
        }
    }

    // MARK: - CheckpointWriter

    func beginTensor(_ tensor: LayoutTensor) throws {
        guard let file else { throw usage(nil, "the writer is closed") }
        guard current == nil else { throw usage(tensor.info.name, "the previous tensor was not ended") }
        guard nextIndex < layout.tensors.count else {
            throw usage(tensor.info.name, "the layout has only \(layout.tensors.count) tensors")
        }
        let expected = layout.tensors[nextIndex].info
        guard tensor.info == expected else {
            throw usage(tensor.info.name, "expected tensor \(nextIndex) of the layout, '\(expected.name)' \(expected.shape) \(expected.dtype.rawValue)")
        }
        let dataset = try file.root.openDataset(datasetPaths[nextIndex])
        current = OpenTensor(dataset: dataset, info: expected)
        nextIndex += 1
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let current else { throw usage(nil, "append without beginTensor") }
        let info = current.info
        let rowsWritten = current.rowsWritten
        let dataset = current.dataset
        let rowCount = info.shape.first ?? 1
        let rowBytes = TensorPieces.rowBytes(info)
        if rowBytes == 0 {
            guard bytes.isEmpty else { throw usage(info.name, "the tensor has no elements but \(bytes.count) bytes arrived") }
            return
        }
        guard bytes.count % rowBytes == 0 else {
            throw usage(info.name, "\(bytes.count) bytes are not whole rows of \(rowBytes) bytes")
        }
        let rows = bytes.count / rowBytes
        guard rows <= rowCount - rowsWritten else {
            throw usage(info.name, "\(rowsWritten + rows) rows arrived; the tensor has \(rowCount)")
        }
        guard rows > 0 else { return }
        let storedRowBytes = info.dtype == .bfloat16 ? rowBytes * 2 : rowBytes
        if directValues != nil, !current.bypassing, rowsWritten == 0, rows > 1, storedRowBytes * rowCount >= HDF5DirectValues.minimumBytes {
            // Only the first row through libhdf5, which allocates the dataset's storage; the rest
            // bypasses it.
            try append(UnsafeRawBufferPointer(rebasing: bytes[0 ..< rowBytes]))
            try append(UnsafeRawBufferPointer(rebasing: bytes[rowBytes...]))
            return
        }
        if info.dtype == .bfloat16 {
            try writeWidened(bytes, to: dataset, scalar: info.shape.isEmpty, offset: rowsWritten, rows: rows, direct: current.bypassing)
        } else if current.bypassing, let directValues {
            try directValues.write(bytes)
        } else if info.shape.isEmpty {
            try dataset.write(bytes)
        } else {
            try dataset.write(bytes, firstAxisOffset: rowsWritten, firstAxisCount: rows)
        }
        self.current?.rowsWritten = rowsWritten + rows
        if let directValues, !current.bypassing, rowsWritten + rows < rowCount, storedRowBytes * rowCount >= HDF5DirectValues.minimumBytes {
            self.current?.bypassing = try directValues.start(dataset, after: (rowsWritten + rows) * storedRowBytes)
        }
    }

    func endTensor() throws {
        guard let current else { throw usage(nil, "endTensor without beginTensor") }
        let rowCount = current.info.shape.first ?? 1
        guard current.rowsWritten == rowCount || current.info.elementCount == 0 else {
            throw usage(current.info.name, "only \(current.rowsWritten) of \(rowCount) rows arrived")
        }
        self.current = nil
    }

    func finish() throws {
        guard let file else { throw usage(nil, "the writer is closed") }
        guard current == nil, nextIndex == layout.tensors.count else {
            throw usage(nil, "finish after \(nextIndex) of \(layout.tensors.count) tensors")
        }
        self.file = nil
        // The values first: libhdf5 may cut the file to its own idea of the end when closing.
        try directValues?.close()
        directValues = nil
        try file.close()
        try output.commit()
    }

    func abort() {
        directValues?.abandon()
        directValues = nil
        try? file?.close()
        file = nil
        current = nil
        output.discard()
    }

    // MARK: - Values

    /// bfloat16 → float32 is exact: the bfloat16 bits are the float's top 16 bits.
    private func writeWidened(
        _ bytes: UnsafeRawBufferPointer, to dataset: HDF5Dataset, scalar: Bool, offset: Int, rows: Int, direct: Bool
    ) throws {
        let count = bytes.count / 2
        if floats.count < count { floats = [Float](repeating: 0, count: count) }
        try floats.withUnsafeMutableBufferPointer { out in
            for index in 0..<count {
                let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
                out[index] = Float(bitPattern: UInt32(bits) << 16)
            }
            let widened = UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: out[0..<count]))
            if direct, let directValues {
                try directValues.write(widened)
            } else if scalar {
                try dataset.write(widened)
            } else {
                try dataset.write(widened, firstAxisOffset: offset, firstAxisCount: rows)
            }
        }
    }

    private func usage(_ tensor: String?, _ reason: String) -> KerasFormatError {
        KerasFormatError(.usage, path: output.targetPath, object: tensor.map { "tensor '\($0)'" }, reason: reason)
    }

    // MARK: - Structure

    /// Groups the layout's tensors by top-level layer, in `topLevelLayers` order, checking that
    /// every name can be an HDF5 path that Keras reads back.
    static func layerGroups(_ layout: CheckpointLayout, weightsOnly: Bool, path: String) throws -> [LayerGroup] {
        func invalid(_ object: String, _ reason: String) -> KerasFormatError {
            KerasFormatError(.invalidLayout, path: path, object: object, reason: reason)
        }
        var position: [String: Int] = [:]
        for (index, layer) in layout.topLevelLayers.enumerated() {
            let object = "layer '\(layer)'"
            guard !layer.isEmpty, layer != ".", !layer.contains("/") else {
                throw invalid(object, "a layer name must be non-empty, not '.', and without '/' (it names an HDF5 group)")
            }
            guard layer != topLevelWeightsGroup else {
                throw invalid(object, "the name is taken by Keras' group of the model's own weights")
            }
            guard position[layer] == nil else { throw invalid(object, "listed twice among the model's layers") }
            position[layer] = index
        }
        var trainable = [[Int]](repeating: [], count: layout.topLevelLayers.count)
        var frozen = [[Int]](repeating: [], count: layout.topLevelLayers.count)
        for (index, tensor) in layout.tensors.enumerated() {
            guard let legacy = tensor.legacy else {
                throw KerasFormatError(
                    .missingModel, path: path, object: "tensor '\(tensor.info.name)'",
                    reason: "no legacy .h5 location; a .h5 file needs the model's structure (pass --spec)")
            }
            guard let layerIndex = position[legacy.layer] else {
                throw invalid("tensor '\(tensor.info.name)'",
                              "its layer '\(legacy.layer)' is not among the model's \(layout.topLevelLayers.count) top-level layers")
            }
            let components = legacy.weightName.split(separator: "/", omittingEmptySubsequences: false)
            guard !components.contains(where: { $0.isEmpty || $0 == "." }) else {
                throw invalid("tensor '\(tensor.info.name)'",
                              "weight name '\(legacy.weightName)' has an empty or '.' component; it must be a relative HDF5 path")
            }
            if legacy.trainable { trainable[layerIndex].append(index) } else { frozen[layerIndex].append(index) }
        }
        return layout.topLevelLayers.enumerated().map { layerIndex, layer in
            // Keras: layer.trainable_weights + layer.non_trainable_weights (docs/formats/keras-hdf5.md).
            let indices = trainable[layerIndex] + frozen[layerIndex]
            let names = indices.map { index in
                let name = layout.tensors[index].legacy?.weightName ?? ""
                return weightsOnly && !name.hasSuffix(weightNameSuffix) ? name + weightNameSuffix : name
            }
            return LayerGroup(name: layer, weightNames: names, tensorIndices: indices)
        }
    }

    /// Rejects two tensors with one dataset path, or a dataset path inside another dataset.
    private static func checkDatasetPaths(_ paths: [String], layout: CheckpointLayout, path: String) throws {
        var owner: [String: Int] = [:]
        for (index, datasetPath) in paths.enumerated() {
            if let other = owner[datasetPath] {
                throw KerasFormatError(
                    .invalidLayout, path: path, object: "tensor '\(layout.tensors[index].info.name)'",
                    reason: "its dataset \(datasetPath) is also tensor '\(layout.tensors[other].info.name)''s")
            }
            owner[datasetPath] = index
        }
        for (index, datasetPath) in paths.enumerated() {
            var prefix = Substring(datasetPath)
            while let slash = prefix.lastIndex(of: "/") {
                prefix = prefix[..<slash]
                if let other = owner[String(prefix)] {
                    throw KerasFormatError(
                        .invalidLayout, path: path, object: "tensor '\(layout.tensors[index].info.name)'",
                        reason: "its dataset \(datasetPath) would be inside tensor '\(layout.tensors[other].info.name)''s dataset \(prefix)")
                }
            }
        }
    }

    /// Attributes, groups and datasets, in the order Keras creates them (`save_model_to_hdf5`,
    /// `save_weights_to_hdf5_group`): root attributes, then each layer group in name order with
    /// its `weight_names` and datasets, then `top_level_model_weights`.
    private static func writeStructure(
        _ file: HDF5File, layout: CheckpointLayout, groups: [LayerGroup], weightsOnly: Bool, path: String
    ) throws {
        if let recipe = layout.recipe { try RecipeAttribute.write(recipe, on: file.root) }
        let weights: HDF5Group
        if weightsOnly {
            weights = file.root
        } else {
            // Keras sets str values (UTF-8) here, and model_config from bytes (ASCII).
            let legacy = layout.legacyModelConfig
            try file.root.setAttribute("keras_version", string: legacy?.kerasVersion ?? kerasVersion, encoding: .utf8)
            try file.root.setAttribute("backend", string: legacy?.backend ?? backend, encoding: .utf8)
            try file.root.setAttribute("model_config", string: legacy?.text ?? layout.modelConfig ?? "", encoding: .ascii)
            weights = try file.root.createGroup(modelWeightsGroup)
        }
        try LegacyAttributes.write(layout.topLevelLayers, as: "layer_names", on: weights, file: path, owner: "the model")
        try weights.setAttribute("backend", string: weightsOnly ? backend : layout.legacyModelConfig?.backend ?? backend, encoding: .ascii)
        try weights.setAttribute("keras_version", string: weightsOnly ? kerasVersion : layout.legacyModelConfig?.kerasVersion ?? kerasVersion, encoding: .ascii)

        // Keras sorts by name "to avoid prefix issues"; Python compares code points.
        let sorted = groups.sorted { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
        for group in sorted {
            let created = try weights.createGroup(group.name)
            try LegacyAttributes.write(group.weightNames, as: "weight_names", on: created, file: path, owner: "layer '\(group.name)'")
            for (weightName, index) in zip(group.weightNames, group.tensorIndices) {
                let info = layout.tensors[index].info
                _ = try created.createDataset(weightName, dtype: info.dtype == .bfloat16 ? .float32 : info.dtype, shape: info.shape)
            }
        }
        let topLevel = try weights.createGroup(topLevelWeightsGroup)
        try LegacyAttributes.write([], as: "weight_names", on: topLevel, file: path, owner: "group \(topLevelWeightsGroup)")
    }
}
