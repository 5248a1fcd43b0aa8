/// Turns a Hugging Face model description into a plan: one entry per saved tensor, under its
/// state-dict name, with the profile's values (`hf`: the family's `_init_weights`; `vllm-dummy`:
/// vLLM's dummy weights) and the user's rules on top (`--rules`, `--rule`), matched on HF names.
struct HFPlanner: Sendable {
    /// vLLM's `initialize_dummy_weights` bounds (vllm/model_executor/model_loader/utils.py): every
    /// floating-point parameter uniform in [−1e-3, 1e-3].
    static let dummyBound = 1e-3

    var options: PlanOptions
    /// The config file, for messages.
    var file: String

    func plan(_ model: HFModel) throws(HFConfigError) -> Plan {
        let profile = options.profile ?? .hf
        guard profile == .hf || profile == .vllmDummy else {
            throw HFConfigError(file: file, "--profile \(profile.rawValue) is for Keras models; a Hugging Face config takes --profile hf (the default, the family's own init) or vllm-dummy")
        }
        if let rules = options.rules {
            if !rules.schemes.isEmpty {
                throw HFConfigError(file: file, "schemes (--scheme, a rules file's \"schemes\") work on Keras models; for a Hugging Face config use --rule on the tensor names")
            }
            if !rules.customLayers.isEmpty {
                throw HFConfigError(file: file, "a rules file's custom layers describe Keras layers; a Hugging Face config has none")
            }
            for rule in rules.fileRules + rules.flagRules {
                let s = rule.selector
                if s.activation != nil || s.position != nil || s.residualBranch != nil {
                    throw HFConfigError(file: file, "\(rule.origin.label): a Hugging Face config's tensors are selected by name, layer (module path), class or role; activation, position and residual selectors need a Keras model")
                }
            }
        }
        let dtype = options.dtype ?? model.dtype ?? .float32
        var matches = Array(repeating: 0, count: (options.rules?.fileRules.count ?? 0) + (options.rules?.flagRules.count ?? 0))
        var entries: [PlanEntry] = []
        entries.reserveCapacity(model.tensors.count)
        for tensor in model.tensors {
            entries.append(try entry(tensor, profile: profile, dtype: dtype, matches: &matches))
        }
        var plan = Plan(modelName: model.architecture, entries: entries, topLevelLayers: [])
        if let rules = options.rules {
            for (rule, count) in zip(rules.fileRules + rules.flagRules, matches) where count == 0 {
                plan.warnings.append("\(rule.origin.label) matches no tensor")
            }
        }
        return plan
    }

    private func entry(_ tensor: HFTensor, profile: Profile, dtype: DType, matches: inout [Int]) throws(HFConfigError) -> PlanEntry {
        let role: TensorRole
        switch tensor.kind {
        case .linearWeight: role = .kernel
        case .bias: role = .bias
        case .embedding: role = .embeddings
        case .normWeight: role = .gamma
        case .normBias: role = .beta
        }
        var initializer: Initializer
        var reason: String
        var zeroRows = tensor.zeroRows
        if profile == .vllmDummy {
            initializer = Initializer(.randomUniform(minval: -Self.dummyBound, maxval: Self.dummyBound), dialect: .torch)
            reason = "profile vllm-dummy: every tensor uniform ±1e-3 (vLLM --load-format dummy)"
            zeroRows = []
        } else {
            switch tensor.value {
            case .normal(let std):
                initializer = Initializer(.randomNormal(mean: 0, stddev: std), dialect: .torch)
                reason = "profile hf: \(tensor.module) \(tensor.kind.rawValue) → normal(0, \(NumberText.short(std)))"
            case .truncatedNormal(let std):
                initializer = Initializer(.truncatedNormalRange(mean: 0, stddev: std, low: -2, high: 2), dialect: .torch)
                reason = "profile hf: \(tensor.module) \(tensor.kind.rawValue) → trunc_normal(0, \(NumberText.short(std)), ±2)"
            case .constant(let value):
                initializer = Initializer(value == 0 ? .zeros : value == 1 ? .ones : .constant(value: value), dialect: .torch)
                reason = "profile hf: \(tensor.module) \(tensor.kind.rawValue) → \(NumberText.short(value))"
            }
            if let row = zeroRows.first { reason += ", padding row \(row) zeroed" }
        }
        var scale = 1.0
        if let rules = options.rules {
            for (index, rule) in (rules.fileRules + rules.flagRules).enumerated() where Self.selects(rule.selector, tensor, role: role) {
                matches[index] += 1
                if let chosen = rule.initializer {
                    initializer = chosen
                    reason = rule.reason
                    scale = rule.scale ?? 1
                    zeroRows = []
                } else if let factor = rule.scale {
                    scale *= factor
                    reason += "; " + rule.reason
                }
            }
        }
        // PyTorch's fan rule on the tensor as stored (torch.nn.init._calculate_fan_in_and_fan_out).
        var fans = Fans.keras(shape: tensor.shape)
        var fansDefined = false
        if tensor.shape.count >= 2 {
            let field = tensor.shape.dropFirst(2).reduce(1.0) { $0 * Double($1) }
            fans = Fans(fanIn: Double(tensor.shape[1]) * field, fanOut: Double(tensor.shape[0]) * field)
            fansDefined = true
        }
        func fail(_ message: String) -> HFConfigError { HFConfigError(file: file, "tensor \(tensor.name): \(message)") }
        guard ShapeArithmetic.byteCount(tensor.shape, elementSize: 8) != nil else {
            throw fail("shape \(tensor.shape) is too large (its size in bytes overflows a 64-bit integer)")
        }
        if initializer.usesFans && !fansDefined {
            throw fail("\(initializer.name) needs fans, and PyTorch computes none for a tensor of shape \(tensor.shape)")
        }
        var fill: ValueFill
        do {
            fill = try initializer.fill(fans: fans, shape: tensor.shape)
            if case .structured(let structured) = fill { try structured.validate(shape: tensor.shape) }
        } catch {
            throw fail("\(error)")
        }
        if scale != 1 {
            guard let scaled = fill.scaled(by: scale) else { throw fail("\(fill.summary) cannot be scaled (\(reason))") }
            fill = scaled
        }
        var entry = PlanEntry(
            name: tensor.name, kerasPath: tensor.name, topLevelLayer: tensor.modulePath, layer: tensor.modulePath,
            layerClass: tensor.module, variable: String(tensor.name.split(separator: ".").last ?? ""), shape: tensor.shape,
            dtype: dtype, role: role, trainable: true, fans: fans, initializer: initializer, fill: fill, reason: reason)
        entry.fanConvention = .torch
        entry.fansDefined = fansDefined
        entry.scale = scale
        entry.zeroRows = zeroRows
        entry.hasKerasAddress = false
        return entry
    }

    private static func selects(_ selector: Rule.Selector, _ tensor: HFTensor, role: TensorRole) -> Bool {
        if let glob = selector.name, !glob.matches(tensor.name) { return false }
        if let glob = selector.layer, !glob.matches(tensor.modulePath) { return false }
        if let glob = selector.className, !glob.matches(tensor.module) { return false }
        if let roles = selector.roles, !roles.contains(role) { return false }
        return true
    }
}
