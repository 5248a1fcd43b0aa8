/// A Keras model's tensors as the `state_dict` of the equivalent `torch.nn` modules, and back
/// (`ckpt convert --layout torch|keras`): each layer with variables is one module named by its
/// layer's name (nested models' names joined with dots, `encoder.block1.conv1`), whose entries
/// (`conv1.weight`, `lstm.bias_hh_l0`, `mha.in_proj_weight`) are ``LayoutExpression``s of the
/// layer's Keras variables; the way back is the inverse expressions.
struct LayoutTranslation: Sendable {
    /// One module: the layer, its plan entries and its mapping.
    struct Module: Sendable {
        /// The torch module name (`block.conv1`).
        var path: String
        var layer: KerasLayer
        var entries: [PlanEntry]
        var torch: TorchModule
    }

    /// One tensor of the target layout and how it is made from the source's tensors.
    struct Target: Sendable {
        var info: TensorInfo
        /// The plan entry it is (Keras targets), for its Keras path.
        var entry: PlanEntry?
        var expression: LayoutExpression
        /// The source tensor each name of `expression` reads.
        var sources: [String: StoredTensor]
    }

    var modules: [Module]
    /// One line per module whose torch defaults differ from the Keras config (`eps`, `momentum`).
    var notes: [String]

    /// The modules of `plan`'s model; an error names each layer with variables and no mapping.
    init(model: KerasModel, plan: Plan, file: String) throws(LayoutError) {
        var layers: [String: KerasLayer] = [:]
        func collect(_ model: KerasModel, prefix: String) {
            for layer in model.kerasLayers {
                if let held = layer.heldModel {
                    collect(held.model, prefix: prefix + layer.name + "/" + held.nameSegment)
                } else {
                    layers[prefix + layer.name] = layer
                }
            }
        }
        collect(model, prefix: "")
        // The planner writes each layer's variables together, named `<layer chain>/<variable>`.
        var groups: [(key: String, entries: [PlanEntry])] = []
        for entry in plan.entries {
            let key = String(entry.name.dropLast(entry.variable.count + 1))
            if let last = groups.last, last.key == key {
                groups[groups.count - 1].entries.append(entry)
            } else {
                groups.append((key, [entry]))
            }
        }
        var modules: [Module] = []
        var notes: [String] = []
        var problems: [String] = []
        for (key, entries) in groups {
            guard let layer = layers[key] else {
                throw LayoutError(path: file, "tensor \(entries[0].name) belongs to no layer of the model")
            }
            let path = key.split(separator: "/").joined(separator: ".")
            guard let mapping = LayerLayouts.layout(for: layer.className) else {
                problems.append("layer \"\(key)\" (\(layer.className)) has no faithful torch.nn equivalent")
                continue
            }
            let view = LayoutLayer(layer: layer, variables: entries.map { ($0.variable, $0.shape) })
            do throws(LayoutProblem) {
                let torch = try mapping.module(for: view)
                // Every Keras variable is made from torch's entries, and only those.
                let made = Set(torch.variables.map(\.name))
                let owned = Set(entries.map(\.variable))
                guard made == owned else {
                    throw LayoutProblem("the mapping to \(torch.className) covers \(made.sorted().joined(separator: ", ")), not its variables \(owned.sorted().joined(separator: ", "))")
                }
                notes += torch.notes.map { "\(path) (\(torch.className)): \($0)" }
                modules.append(Module(path: path, layer: layer, entries: entries, torch: torch))
            } catch {
                problems.append("layer \"\(key)\" (\(layer.className)) has no faithful torch.nn equivalent: \(error.message)")
            }
        }
        guard problems.isEmpty else {
            throw LayoutError(path: file, problems.joined(separator: "; ") + " (nothing was written)")
        }
        self.modules = modules
        self.notes = notes
    }

    /// The torch `state_dict` entries, in module order, from the source tensors `sources`
    /// holds for each plan entry (by its canonical name).
    func torchTargets(sources: [String: StoredTensor], file: String) throws(LayoutError) -> [Target] {
        var targets: [Target] = []
        for module in modules {
            var local: [String: StoredTensor] = [:]
            for entry in module.entries { local[entry.variable] = sources[entry.name] }
            for (name, expression) in module.torch.parameters {
                let fullName = module.path + "." + name
                let info: (shape: [Int], dtype: DType)
                do {
                    info = try expression.info { local[$0].map { ($0.info.shape, $0.info.dtype) } }
                } catch {
                    throw LayoutError(path: file, "\(fullName) (\(module.torch.className)): \(error.message)")
                }
                targets.append(Target(info: TensorInfo(name: fullName, shape: info.shape, dtype: info.dtype), entry: nil,
                                      expression: expression, sources: local))
            }
        }
        return targets
    }

    /// The torch entries the modules expect, with their shapes (from the plan's Keras shapes).
    func expectedTorchTensors() throws(LayoutError) -> [(name: String, shape: [Int], module: Module)] {
        var result: [(String, [Int], Module)] = []
        for module in modules {
            let shapes = Dictionary(uniqueKeysWithValues: module.entries.map { ($0.variable, ($0.shape, $0.dtype)) })
            for (name, expression) in module.torch.parameters {
                do {
                    result.append((module.path + "." + name, try expression.info { shapes[$0] }.shape, module))
                } catch {
                    throw LayoutError(path: "", "\(module.path).\(name) (\(module.torch.className)): \(error.message)")
                }
            }
        }
        return result
    }

    /// The Keras tensors, in the plan's order, from a torch-layout file's tensors: each module's
    /// entries must all be there with the shapes the model gives, and nothing else.
    func kerasTargets(reader: CheckpointReader) throws(LayoutError) -> [Target] {
        let expected = try expectedTorchTensors()
        let byName = Dictionary(reader.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var missing: [String] = [], mismatched: [String] = []
        for (name, shape, module) in expected {
            // A counter no Keras variable reads (BatchNorm's num_batches_tracked) may be absent, as
            // in state dicts of torch < 0.4.1, which torch's own loader accepts too.
            let unread = !module.torch.variables.contains { $0.value.sources.contains(String(name.dropFirst(module.path.count + 1))) }
            guard let stored = byName[name] else {
                if !unread { missing.append("\(name) (\(module.torch.className))") }
                continue
            }
            if stored.info.shape != shape {
                mismatched.append("\(name): file \(ShapeText.describe(stored.info.shape)), \(module.torch.className) of layer \"\(module.layer.name)\" \(ShapeText.describe(shape))")
            }
            if name.hasSuffix(".num_batches_tracked"), stored.info.dtype.isFloatingPoint || stored.info.dtype == .bool {
                mismatched.append("\(name): \(stored.info.dtype.rawValue), not an integer")
            }
        }
        let wanted = Set(expected.map(\.name))
        let extra = reader.tensors.map(\.name).filter { !wanted.contains($0) }
        if !missing.isEmpty || !extra.isEmpty || !mismatched.isEmpty {
            func list(_ names: [String]) -> String {
                names.count <= 6 ? names.joined(separator: ", ") : names.prefix(6).joined(separator: ", ") + ", …"
            }
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing (\(list(missing)))") }
            if !extra.isEmpty { parts.append("\(extra.count) extra (\(list(extra)))") }
            if !mismatched.isEmpty { parts.append("\(mismatched.count) with another shape or dtype (\(list(mismatched)))") }
            throw LayoutError(path: reader.path, "the tensors are not the torch state_dict of the model's modules: " + parts.joined(separator: "; "))
        }
        var targets: [Target] = []
        for module in modules {
            var local: [String: StoredTensor] = [:]
            for (name, _) in module.torch.parameters { local[name] = byName[module.path + "." + name] }
            let expressions = Dictionary(uniqueKeysWithValues: module.torch.variables.map { ($0.name, $0.value) })
            for entry in module.entries {
                guard let expression = expressions[entry.variable] else { continue }
                let info: (shape: [Int], dtype: DType)
                do {
                    info = try expression.info { local[$0].map { ($0.info.shape, $0.info.dtype) } }
                } catch {
                    throw LayoutError(path: reader.path, "\(entry.name) from \(module.torch.className) \"\(module.path)\": \(error.message)")
                }
                guard info.shape == entry.shape else {
                    throw LayoutError(path: reader.path, "\(entry.name) from \(module.torch.className) \"\(module.path)\" has shape \(ShapeText.describe(info.shape)), the model \(ShapeText.describe(entry.shape))")
                }
                targets.append(Target(info: TensorInfo(name: entry.name, shape: info.shape, dtype: info.dtype), entry: entry,
                                      expression: expression, sources: local))
            }
        }
        return targets
    }
}
