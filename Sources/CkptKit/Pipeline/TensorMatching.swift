/// Pairs the tensors of a file with the tensors a model plans, by the rule each format needs:
/// Keras 3 files by dataset path, legacy `.h5` by position (the k-th weighted layer is the model's
/// k-th weighted layer, as Keras' legacy loader does), everything else by canonical name.
enum TensorMatching {
    /// One planned tensor and the file's tensor that holds its values.
    struct Pair {
        var entry: PlanEntry
        var source: StoredTensor
    }

    static func match(_ reader: CheckpointReader, plan: Plan) throws -> [Pair] {
        var missing: [String] = []
        var mismatched: [String] = []
        var used = Set<StoredTensor>()
        var pairs: [Pair] = []

        func pair(_ entry: PlanEntry, _ source: StoredTensor?) {
            guard let source else { missing.append(entry.name); return }
            used.insert(source)
            if source.info.shape != entry.shape {
                mismatched.append("\(entry.name): file \(ShapeText.describe(source.info.shape)), model \(ShapeText.describe(entry.shape))")
                return
            }
            pairs.append(Pair(entry: entry, source: source))
        }

        switch reader.format.descriptor.keying {
        case .kerasPath:
            let byPath = Dictionary(reader.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for entry in plan.entries { pair(entry, byPath[entry.kerasPath]) }
        case .position:
            try matchLegacy(reader, plan: plan, pair: pair)
        case .name:
            let byName = Dictionary(reader.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for entry in plan.entries { pair(entry, byName[entry.name] ?? byName[entry.kerasPath]) }
        }
        let extra = reader.tensors.filter { !used.contains($0) }.map(\.name)
        if !missing.isEmpty || !extra.isEmpty || !mismatched.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing (\(list(missing)))") }
            if !extra.isEmpty { parts.append("\(extra.count) extra (\(list(extra)))") }
            if !mismatched.isEmpty { parts.append("\(mismatched.count) with another shape (\(list(mismatched)))") }
            throw CheckpointError(path: reader.path, "the tensors do not match the model \"\(plan.modelName)\": " + parts.joined(separator: "; "))
        }
        // Write in the plan's order whatever the source's order, so outputs do not depend on it.
        let order = Dictionary(uniqueKeysWithValues: plan.entries.enumerated().map { ($1.name, $0) })
        return pairs.sorted { order[$0.entry.name, default: 0] < order[$1.entry.name, default: 0] }
    }

    /// Legacy order: per top-level layer with weights, trainable weights first, then the rest.
    private static func matchLegacy(_ reader: CheckpointReader, plan: Plan, pair: (PlanEntry, StoredTensor?) -> Void) throws {
        var groups: [(layer: String, entries: [PlanEntry])] = []
        for entry in plan.entries {
            if let last = groups.last, last.layer == entry.topLevelLayer {
                groups[groups.count - 1].entries.append(entry)
            } else {
                groups.append((entry.topLevelLayer, [entry]))
            }
        }
        let fileLayers = reader.weightedLegacyLayers
        guard fileLayers.count == groups.count else {
            throw CheckpointError(path: reader.path, "the file has \(fileLayers.count) layers with weights and the model \"\(plan.modelName)\" has \(groups.count); legacy .h5 files are matched by position")
        }
        for (fileLayer, group) in zip(fileLayers, groups) {
            let ordered = group.entries.filter(\.trainable) + group.entries.filter { !$0.trainable }
            let sources = fileLayer.tensorIndices.map { reader.tensors[$0] }
            guard sources.count == ordered.count else {
                throw CheckpointError(path: reader.path, "layer \"\(fileLayer.name)\" has \(sources.count) weights in the file and layer \"\(group.layer)\" of the model has \(ordered.count)")
            }
            for (entry, source) in zip(ordered, sources) { pair(entry, source) }
        }
    }

    private static func list(_ names: [String]) -> String {
        names.count <= 6 ? names.joined(separator: ", ") : names.prefix(6).joined(separator: ", ") + ", …"
    }
}
