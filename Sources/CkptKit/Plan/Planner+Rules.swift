/// The user's rules on top of the built-in choice: rules file < schemes < `--rule` (docs/rules.md).
extension Planner {
    /// The variables of a layer: a rules file's custom layer first, then the catalog.
    func variables(of layer: KerasLayer) throws(ModelError) -> [VariableSpec] {
        if let custom = options.rules?.customLayers[layer.className], !layer.isOperation, layer.heldModel == nil {
            return try custom.specs(for: layer)
        }
        return try LayerCatalog.variables(of: layer)
    }

    /// What rules need to know about the model, or nil when there are no rules.
    func rulesState(for model: KerasModel) -> RulesState? {
        guard let set = options.rules, !set.isEmpty else { return nil }
        let branches = ResidualBranches(model: model) { layer in (try? self.variables(of: layer)) ?? [] }
        var order: [(name: String, className: String)] = []
        func collect(_ model: KerasModel, prefix: String) {
            for layer in model.kerasLayers {
                if let held = layer.heldModel {
                    collect(held.model, prefix: prefix + layer.name + "/" + held.nameSegment)
                } else if !((try? variables(of: layer)) ?? []).isEmpty {
                    order.append((prefix + layer.name, layer.className))
                }
            }
        }
        collect(model, prefix: "")
        let positions = Dictionary(order.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        let classifier = order.last { LayerRegistry.kind(of: $0.className) == .dense && branches.branches(containing: $0.name).isEmpty }?.name
        let ruleModel = RuleModel(branches: branches, positions: positions, weightedCount: order.count, classifier: classifier)
        return RulesState(set: set, model: ruleModel)
    }

    /// Applies the rules file's rules, the schemes and the `--rule` flags to `base`, in that order.
    func applyRules(
        _ base: Choice, variable: VariableSpec, layer: KerasLayer, scope: ActivationTracer.Scope, tensorName: String,
        layerName: String, state: RulesState
    ) throws(ModelError) -> Choice {
        let tensor = RuleTensor(name: tensorName, layer: layerName, className: layer.className, variable: variable,
                                branches: state.model.branches.branches(containing: layerName))
        var activation: String?
        func tracedActivation() -> String {
            if let activation { return activation }
            let own = variable.innerActivation ?? layer.config["activation"]?.string.map(ActivationTable.normalize) ?? "linear"
            let found = ActivationTracer().trace(layer: layer.name, ownActivation: own, in: scope).activation
            activation = found
            return found
        }
        var choice = base
        func apply(_ index: Int, _ rule: Rule) {
            guard matches(rule.selector, tensor, state: state, activation: tracedActivation) else { return }
            state.ruleMatches[index] += 1
            if let initializer = rule.initializer {
                choice = Choice(initializer: initializer, reason: rule.reason, scale: rule.scale ?? 1, fromRules: true)
            } else if let scale = rule.scale {
                choice.scale *= scale
                choice.reason += "; " + rule.reason
            }
        }
        let fileCount = state.set.fileRules.count
        for (index, rule) in state.set.fileRules.enumerated() { apply(index, rule) }
        for (index, scheme) in state.set.schemes.enumerated() {
            let effect: Scheme.Effect?
            do {
                effect = try scheme.effect(on: tensor, model: state.model)
            } catch {
                throw ModelError("tensor \(tensorName): \(error)")
            }
            guard let effect else { continue }
            state.schemeMatches[index] += 1
            let label = "\(scheme.origin) (\(scheme.kind.rawValue)): \(effect.note)"
            if let initializer = effect.initializer {
                choice = Choice(initializer: initializer, reason: label, scale: effect.scale, fromRules: true)
            } else {
                choice.scale *= effect.scale
                choice.reason += "; " + label
            }
        }
        for (index, rule) in state.set.flagRules.enumerated() { apply(fileCount + index, rule) }
        return choice
    }

    private func matches(_ selector: Rule.Selector, _ tensor: RuleTensor, state: RulesState, activation: () -> String) -> Bool {
        if let glob = selector.name, !glob.matches(tensor.name) { return false }
        if let glob = selector.layer, !glob.matches(tensor.layer) { return false }
        if let glob = selector.className, !glob.matches(tensor.className) { return false }
        if let roles = selector.roles, !roles.contains(tensor.variable.role) { return false }
        if let position = selector.position {
            guard let index = state.model.positions[tensor.layer],
                  position.contains(index, count: state.model.weightedCount) else { return false }
        }
        if let part = selector.residualBranch {
            switch part {
            case .any: if tensor.branches.isEmpty { return false }
            case .none: if !tensor.branches.isEmpty { return false }
            case .last: if !tensor.branches.contains(where: { $0.lastProjection == tensor.layer }) { return false }
            case .lastNorm: if !tensor.branches.contains(where: { $0.lastNorm == tensor.layer }) { return false }
            }
        }
        if let glob = selector.activation, !glob.matches(activation()) { return false }
        return true
    }
}

/// The rules in force while one model is planned, and which of them matched.
final class RulesState {
    let set: RuleSet
    let model: RuleModel
    /// Tensors matched by each rule (file rules, then flags).
    var ruleMatches: [Int]
    /// Tensors changed by each scheme.
    var schemeMatches: [Int]

    init(set: RuleSet, model: RuleModel) {
        self.set = set
        self.model = model
        self.ruleMatches = Array(repeating: 0, count: set.rules.count)
        self.schemeMatches = Array(repeating: 0, count: set.schemes.count)
    }

    /// One line per rule or scheme that touched no tensor.
    var warnings: [String] {
        var lines: [String] = []
        for (rule, count) in zip(set.rules, ruleMatches) where count == 0 {
            switch rule.origin {
            case .file: lines.append("\(rule.origin.label) (\(rule.selectorText)) matches no tensor")
            case .flag: lines.append("\(rule.origin.label) matches no tensor")
            }
        }
        for (scheme, count) in zip(set.schemes, schemeMatches) where count == 0 {
            lines.append("\(scheme.origin) (\(scheme.kind.rawValue)) changes no tensor (\(model.branches.branches.count) residual branches found)")
        }
        return lines
    }
}
