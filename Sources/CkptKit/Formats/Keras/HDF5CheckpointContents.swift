/// What `HDF5CheckpointReader` finds in a file: the layout, the tensors in order, and the
/// metadata. See the reader for the rules.
struct HDF5CheckpointContents {
    private(set) var format: CheckpointFormat = .hdf5
    private(set) var tensors: [StoredTensor] = []
    private(set) var modelConfig: String?
    /// ckpt's recipe (root attribute `ckpt_recipe`, or its pieces), when ckpt wrote the file.
    private(set) var recipe: String?
    private(set) var metadata: [(key: String, value: String)] = []
    private(set) var legacyLocations: [LegacyLocation] = []
    private(set) var legacyLayers: [LegacyLayer] = []

    private let file: HDF5File
    /// Bytes declared so far by datasets that are compressed or not all written
    /// (``HDF5CheckpointReader/maximumExpandedBytes``).
    private var expandedBytes = 0
    private let tree: HDF5CheckpointTree
    private var path: String { file.path }

    /// Root groups of Keras 3 `.weights.h5` layer variables (the second is tf-keras 2.13's name).
    static let kerasLayerRoots = ["layers", "_layer_checkpoint_dependencies"]
    /// The root group of a compiled model's optimizer state in Keras 3 files (not listed).
    static let kerasOptimizerGroup = "optimizer"
    /// How many ignored or skipped datasets `metadata` names before summarising the rest.
    static let namedInNotes = 5

    init(file: HDF5File, tree: HDF5CheckpointTree) throws {
        self.file = file
        self.tree = tree
        var notes: [(key: String, value: String)] = []
        if try LegacyAttributes.exists("layer_names", on: file.root) {
            format = .legacyH5
            try readLegacy(weightsGroup: "/")
        } else if tree.kinds["/" + LegacyH5Writer.modelWeightsGroup] == .group {
            format = .legacyH5
            try readModelConfig()
            try readLegacy(weightsGroup: "/" + LegacyH5Writer.modelWeightsGroup)
            let optimizer = tree.datasets(under: "/optimizer_weights") { $1 }.count
            if optimizer > 0 { notes.append(("optimizer_weights", "\(optimizer) datasets of optimizer state, not listed")) }
        } else if isKerasLayout() {
            format = .kerasWeights
            notes += try readKeras()
        } else {
            format = .hdf5
            notes += try readPlain()
        }
        recipe = try? RecipeAttribute.read(from: file.root)
        metadata = try rootAttributes() + notes
    }

    // MARK: - Keras 3

    /// Whether the file is a Keras 3 `.weights.h5`: a layer root exists, every dataset under
    /// the layer roots is a variable `…/vars/<i>`, and when they hold none (a weightless model),
    /// neither does the rest of the file hold anything else.
    private func isKerasLayout() -> Bool {
        let roots = Self.kerasLayerRoots.map { "/" + $0 }.filter { tree.kinds[$0] == .group }
        guard !roots.isEmpty else { return false }
        let variables = roots.flatMap { tree.datasets(under: $0) { $1 } }
        guard variables.allSatisfy(Self.isKerasVariable) else { return false }
        guard variables.isEmpty else { return true }
        let elsewhere = tree.datasets(under: "/") { group, members in
            group == "/" ? members.filter { $0 != Self.kerasOptimizerGroup } : members
        }
        return elsewhere.allSatisfy(Self.isKerasVariable)
    }

    /// `…/vars/<decimal>`.
    static func isKerasVariable(_ datasetPath: String) -> Bool {
        let components = datasetPath.split(separator: "/")
        guard components.count >= 2, components[components.count - 2] == "vars" else { return false }
        return isDecimal(components[components.count - 1])
    }

    /// Keras' dataset names: `0`, `1`, … (digits, no leading zero).
    static func isDecimal(_ name: Substring) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && $0.isNumber } && (name == "0" || name.first != "0")
    }

    /// Variables in Keras' save order as far as the file shows it: in every group its own `vars`
    /// first (numerically), then `layers`, then other members in natural order (`dense`,
    /// `dense_1`, `dense_2`, `dense_10`). The `model.layers` order across classes is not in the
    /// file. The optimizer's variables are left out.
    private mutating func readKeras() throws -> [(key: String, value: String)] {
        var notes: [(key: String, value: String)] = []
        let all = tree.datasets(under: "/") { group, members in
            var rest = members
            if group == "/" { rest.removeAll { $0 == Self.kerasOptimizerGroup } }
            if group.hasSuffix("/vars") {
                return rest.sorted(by: HDF5CheckpointTree.naturallyPrecedes)
            }
            let first = ["vars", "layers"].filter(rest.contains)
            return first + rest.filter { !first.contains($0) }.sorted(by: HDF5CheckpointTree.naturallyPrecedes)
        }
        var ignored: [String] = []
        for datasetPath in all {
            guard Self.isKerasVariable(datasetPath) else {
                ignored.append(datasetPath)
                continue
            }
            let (shape, dtype) = try inspectDataset(datasetPath, required: true)
            let name = String(datasetPath.dropFirst())
            tensors.append(StoredTensor(info: TensorInfo(name: name, shape: shape, dtype: dtype), location: datasetPath))
        }
        if tree.kinds["/" + Self.kerasOptimizerGroup] == .group {
            let count = tree.datasets(under: "/" + Self.kerasOptimizerGroup) { $1 }.count
            notes.append(("optimizer", "\(count) variables of optimizer state, not listed"))
        }
        if !ignored.isEmpty {
            notes.append(("ignored", Self.summary(ignored.map { "\($0) (not a Keras variable)" })))
        }
        return notes
    }

    // MARK: - Plain HDF5

    /// Every numeric dataset, depth first in name order; others are skipped and noted.
    private mutating func readPlain() throws -> [(key: String, value: String)] {
        var skipped: [String] = []
        for datasetPath in tree.datasets(under: "/", order: { HDF5CheckpointTree.byteOrder($1) }) {
            do {
                let (shape, dtype) = try inspectDataset(datasetPath, required: false)
                let name = String(datasetPath.dropFirst())
                tensors.append(StoredTensor(info: TensorInfo(name: name, shape: shape, dtype: dtype), location: datasetPath))
            } catch let error as KerasFormatError where error.kind == .unsupportedType {
                skipped.append("\(datasetPath) (\(error.reason))")
            }
        }
        return skipped.isEmpty ? [] : [("skipped", Self.summary(skipped))]
    }

    // MARK: - Legacy

    private mutating func readModelConfig() throws {
        guard try file.root.hasAttribute("model_config") else { return }
        guard let text = try? file.root.stringAttribute("model_config") else {
            throw KerasFormatError(
                .malformedFile, path: path, object: "attribute model_config",
                reason: "is not a single string; Keras stores the model's JSON text there")
        }
        modelConfig = text
    }

    /// Layers in `layer_names` order, each with the datasets its `weight_names` lists, checking
    /// what Keras' loader relies on: a group for every listed layer, a dataset for every weight.
    private mutating func readLegacy(weightsGroup: String) throws {
        let weights = weightsGroup == "/" ? file.root : try file.root.openGroup(weightsGroup)
        let owner = weightsGroup == "/" ? "the root group" : "group \(weightsGroup)"
        guard try LegacyAttributes.exists("layer_names", on: weights) else {
            throw KerasFormatError(.malformedFile, path: path, object: owner, reason: "has no layer_names attribute listing the model's layers")
        }
        let layerNames = try LegacyAttributes.read("layer_names", of: weights, file: path, owner: owner)
        var seenLayers: Set<String> = []
        var names: Set<String> = []  // tensor names so far
        for layer in layerNames {
            let object = "layer '\(layer)'"
            guard seenLayers.insert(layer).inserted else {
                throw KerasFormatError(.malformedFile, path: path, object: object, reason: "listed twice in layer_names")
            }
            guard Self.isRelativePath(layer) else {
                throw KerasFormatError(.malformedFile, path: path, object: object, reason: "the name is not a relative HDF5 path")
            }
            let groupPath = HDF5CheckpointTree.join(weightsGroup, layer)
            guard tree.kinds[groupPath] == .group else {
                let what = tree.kinds[groupPath] == .dataset ? "a dataset, not a group," : "no group"
                throw KerasFormatError(
                    .malformedFile, path: path, object: object,
                    reason: "listed in layer_names but the file has \(what) at \(groupPath)")
            }
            let group = try file.root.openGroup(groupPath)
            let weightNames = try LegacyAttributes.read("weight_names", of: group, file: path, owner: object)
            let first = tensors.count
            let tensorNames = try Self.legacyNames(layer: layer, weightNames: weightNames, file: path)
            for (weightName, name) in zip(weightNames, tensorNames) {
                let datasetPath = HDF5CheckpointTree.join(groupPath, weightName)
                guard Self.isRelativePath(weightName), tree.kinds[datasetPath] == .dataset else {
                    throw KerasFormatError(
                        .malformedFile, path: path, object: object,
                        reason: "weight '\(weightName)' is listed in weight_names but there is no dataset \(datasetPath)")
                }
                guard names.insert(name).inserted else {
                    throw KerasFormatError(
                        .malformedFile, path: path, object: object,
                        reason: "weight '\(weightName)' would be named '\(name)' like a weight of an earlier layer")
                }
                let (shape, dtype) = try inspectDataset(datasetPath, required: true)
                tensors.append(StoredTensor(info: TensorInfo(name: name, shape: shape, dtype: dtype), location: datasetPath))
                legacyLocations.append(LegacyLocation(layer: layer, weightName: weightName, trainable: true))
            }
            legacyLayers.append(LegacyLayer(name: layer, tensorIndices: first..<tensors.count))
        }
    }

    /// The tensor names of one layer group's weights (rule in `HDF5CheckpointReader`'s
    /// documentation): `:0` stripped unless that makes two names equal; the layer's name in
    /// front unless every weight name already starts with it.
    static func legacyNames(layer: String, weightNames: [String], file: String) throws -> [String] {
        let suffix = LegacyH5Writer.weightNameSuffix
        var bare = weightNames.map { $0.hasSuffix(suffix) ? String($0.dropLast(suffix.count)) : $0 }
        if Set(bare).count < bare.count { bare = weightNames }
        var seen: Set<String> = []
        for name in bare where !seen.insert(name).inserted {
            throw KerasFormatError(
                .malformedFile, path: file, object: "layer '\(layer)'", reason: "weight '\(name)' is listed twice in weight_names")
        }
        if bare.allSatisfy({ $0.hasPrefix(layer + "/") }) { return bare }
        return bare.map { layer + "/" + $0 }
    }

    /// Non-empty components, none `.`, no leading slash: a path that stays inside its group.
    static func isRelativePath(_ name: String) -> Bool {
        !name.hasPrefix("/") && !name.split(separator: "/", omittingEmptySubsequences: false)
            .contains { $0.isEmpty || $0 == "." }
    }

    // MARK: - Datasets

    /// A dataset's shape and dtype after the safety checks; for a non-numeric dataset an
    /// `.unsupportedType` error (which `readPlain` notes and skips).
    private mutating func inspectDataset(_ datasetPath: String, required: Bool) throws -> (shape: [Int], dtype: DType) {
        let object = "dataset '\(datasetPath)'"
        let dataset = try file.root.openDataset(datasetPath)
        switch try dataset.foreignStorage() {
        case .externalFiles(let count)?:
            throw KerasFormatError(
                .unsafeFile, path: path, object: object,
                reason: "keeps its values in \(count) external file(s); ckpt reads only data stored in the checkpoint (as Keras)")
        case .virtual?:
            throw KerasFormatError(
                .unsafeFile, path: path, object: object,
                reason: "is a virtual dataset mapping other datasets; ckpt reads only data stored in the checkpoint (as Keras)")
        case nil:
            break
        }
        let dtype: DType
        do {
            dtype = try dataset.dtype
        } catch let error as HDF5Error {
            throw KerasFormatError(
                .unsupportedType, path: path, object: object,
                reason: required ? "\(error.reason); a weight must be numeric" : error.reason)
        }
        guard dataset.unsupportedFilters.isEmpty else {
            throw KerasFormatError(.unsupportedType, path: path, object: object,
                                   reason: Self.unsupportedFilterReason(dataset.unsupportedFilters))
        }
        let (declared, overflow) = dataset.elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        let storage = dataset.storageSize
        if overflow || !dataset.pipeline.filters.isEmpty || storage < declared {
            let limit = HDF5CheckpointReader.maximumExpandedBytes
            let (total, totalOverflow) = expandedBytes.addingReportingOverflow(declared)
            guard !overflow, !totalOverflow, total <= limit else {
                let what = dataset.pipeline.filters.isEmpty ? "stores \(storage) bytes" : "is compressed to \(storage) bytes"
                throw KerasFormatError(
                    .unsafeFile, path: path, object: object,
                    reason: "declares shape \(dataset.shape) (\(overflow ? "over \(Int.max)" : "\(declared)") bytes) but \(what); "
                        + "with the file's other compressed or unwritten datasets that expands past the limit of \(ByteSize.describe(limit)) "
                        + "(raise it with --max-decompressed if the file is trusted)")
            }
            expandedBytes = total
            if !overflow, declared > 0,
               let problem = HDF5ChunkedRows.sizeProblem(shape: dataset.shape, chunkShape: dataset.chunkShape, elementSize: dtype.byteSize) {
                throw KerasFormatError(.unsafeFile, path: path, object: object,
                                       reason: "declares shape \(dataset.shape) but stores \(storage) bytes, and \(problem)")
            }
        }
        if dataset.isChunked {
            // Walks the dataset's whole chunk index once, here (in the HDF5 probe's child when
            // ckpt runs sandboxed), before any value is read.
            let chunks = try dataset.allocatedChunkCount()
            let grid = dataset.chunkGridCount
            guard chunks <= grid else {
                throw KerasFormatError(.malformedFile, path: path, object: object,
                                       reason: "its chunk index lists \(chunks) chunks, more than the \(grid) its shape has room for")
            }
        }
        return (dataset.shape, dtype)
    }

    /// Why a dataset compressed with filters ckpt does not decode is not read.
    static func unsupportedFilterReason(_ filters: [String]) -> String {
        "is compressed with \(filters.joined(separator: ", ")), which ckpt does not decode "
            + "(it decodes \(HDF5ChunkPipeline.decodedNames)); re-save it with gzip or without compression"
    }

    // MARK: - Metadata

    /// Root attributes as text, except the model's JSON (`modelConfig`), `layer_names` and the
    /// recipe (`recipe`).
    private func rootAttributes() throws -> [(key: String, value: String)] {
        try file.root.attributeNames().compactMap { name in
            for listed in ["layer_names", RecipeAttribute.name]
            where name == listed || (name.hasPrefix(listed) && Self.isDecimal(name.dropFirst(listed.count))) {
                return nil
            }
            if name == "model_config" { return nil }
            return (name, Self.attributeText(file.root, name))
        }
    }

    static func attributeText(_ object: some HDF5Object, _ name: String) -> String {
        if let strings = try? object.stringArrayAttribute(name) {
            return strings.joined(separator: ", ")
        }
        if let numbers = try? object.doubleArrayAttribute(name) {
            return numbers.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : "\($0)" }.joined(separator: ", ")
        }
        return "(neither strings nor numbers)"
    }

    /// The first few items and a count of the rest.
    static func summary(_ items: [String]) -> String {
        let named = items.prefix(namedInNotes).joined(separator: "; ")
        return items.count > namedInNotes ? "\(named); and \(items.count - namedInNotes) more" : named
    }
}
