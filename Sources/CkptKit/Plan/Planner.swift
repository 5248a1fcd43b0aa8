/// Turns a model into a plan: walks it as Keras' saving code does (for the `.weights.h5` paths),
/// asks the catalog for each layer's variables and the rules for each variable's initializer.
public struct Planner: Sendable {
    /// The options in force.
    public var options: PlanOptions

    /// Creates a planner.
    public init(options: PlanOptions = PlanOptions()) {
        self.options = options
    }

    /// Plans every tensor of `model`.
    public func plan(_ model: KerasModel) throws(ModelError) -> Plan {
        if let profile = options.profile, profile.isHuggingFace {
            throw ModelError("--profile \(profile.rawValue) is for Hugging Face config.json files; a Keras model takes keras, torch or flax")
        }
        var entries: [PlanEntry] = []
        let scope = ActivationTracer.Scope(model: model, parent: nil, nameInParent: nil)
        let rules = rulesState(for: model)
        try walk(model, scope: scope, pathPrefix: "", namePrefix: "", topLevel: nil, inheritedDType: nil, rules: rules, into: &entries)
        // And the whole model's size (parameter and byte totals are sums over the tensors).
        var total = 0
        for entry in entries {
            let (sum, overflow) = total.addingReportingOverflow(ShapeArithmetic.byteCount(entry.shape, elementSize: 8) ?? Int.max)
            guard !overflow else {
                throw ModelError("the model is too large: its tensors' total size in bytes overflows a 64-bit integer (at \(entry.name))")
            }
            total = sum
        }
        var plan = Plan(modelName: model.name, entries: entries, topLevelLayers: model.kerasLayers.map(\.name))
        plan.warnings = rules?.warnings ?? []
        return plan
    }

    /// Keras' `snake_case` of a class name, as `saving_lib` keys layers (`Conv2DTranspose` → `conv2d_transpose`).
    public static func snakeCase(_ name: String) -> String {
        // Mirrors keras.src.utils.naming.to_snake_case.
        let word = String(name.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" })
        var first = ""
        // re.sub("(.)([A-Z][a-z]+)", r"\1_\2")
        let chars = Array(word)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if i > 0, c.isUppercase, i + 1 < chars.count, chars[i + 1].isLowercase {
                var j = i + 1
                while j < chars.count, chars[j].isLowercase { j += 1 }
                first += "_" + String(chars[i..<j])
                i = j
                continue
            }
            first.append(c)
            i += 1
        }
        // re.sub("([a-z])([A-Z])", r"\1_\2")
        var second = ""
        let chars2 = Array(first)
        for (k, c) in chars2.enumerated() {
            if k > 0, c.isUppercase, chars2[k - 1].isLowercase { second += "_" }
            second.append(c)
        }
        return second.lowercased()
    }

    private func walk(
        _ model: KerasModel, scope: ActivationTracer.Scope, pathPrefix: String, namePrefix: String,
        topLevel: String?, inheritedDType: DType?, rules: RulesState?, into entries: inout [PlanEntry]
    ) throws(ModelError) {
        var counters: [String: Int] = [:]
        for layer in model.kerasLayers {
            let base = Self.snakeCase(LayerCatalog.pythonClassName(layer.className))
            let count = counters[base, default: 0]
            counters[base] = count + 1
            let key = count == 0 ? base : "\(base)_\(count)"
            let layerPath = "\(pathPrefix)layers/\(key)"
            let dtype = try variableDType(of: layer) ?? inheritedDType
            if let held = layer.heldModel {
                let inner = ActivationTracer.Scope(model: held.model, parent: scope, nameInParent: layer.name)
                try walk(held.model, scope: inner, pathPrefix: layerPath + "/" + held.pathSegment,
                         namePrefix: namePrefix + layer.name + "/" + held.nameSegment,
                         topLevel: topLevel ?? layer.name, inheritedDType: dtype, rules: rules, into: &entries)
                continue
            }
            let variables = try self.variables(of: layer)
            var indices: [[String]: Int] = [:]
            for variable in variables {
                let index = indices[variable.sublayer, default: 0]
                indices[variable.sublayer] = index + 1
                let ownerPath = ([layerPath] + variable.sublayer).joined(separator: "/")
                // A wrapped layer's initializers live in its nested config; the rules still see the
                // wrapper (its name, class and place in the graph).
                var owner = layer
                if let config = variable.config { owner.config = config }
                // A variable with its own dtype (Normalization's int32 count) ignores --dtype and the policy.
                let entryDType = variable.dtype ?? options.dtype ?? dtype ?? .float32
                entries.append(try planEntry(
                    variable, siblings: variables, index: index, layer: owner, scope: scope, layerPath: ownerPath,
                    namePrefix: namePrefix, topLevel: topLevel ?? layer.name, dtype: entryDType, rules: rules))
            }
        }
    }

    private func planEntry(
        _ variable: VariableSpec, siblings: [VariableSpec], index: Int, layer: KerasLayer, scope: ActivationTracer.Scope,
        layerPath: String, namePrefix: String, topLevel: String, dtype: DType, rules: RulesState?
    ) throws(ModelError) -> PlanEntry {
        let name = namePrefix + layer.name + "/" + variable.nameInLayer
        // Every tensor's size is checked here, once, before any code computes with its shape
        // (fans, plan tables, writers): no later product of its dimensions can overflow.
        guard ShapeArithmetic.byteCount(variable.shape, elementSize: max(dtype.byteSize, 8)) != nil else {
            throw ModelError("tensor \(name) of \(layer.label): shape \(variable.shape) is too large (its size in bytes overflows a 64-bit integer)")
        }
        let convention = options.effectiveFans
        var choice = try choose(variable, siblings: siblings, layer: layer, scope: scope, tensorName: name, convention: convention)
        if let rules {
            choice = try applyRules(choice, variable: variable, layer: layer, scope: scope, tensorName: name,
                                    layerName: namePrefix + layer.name, state: rules)
        }
        let initializer = choice.initializer
        func fail(_ error: InitializerError) -> ModelError {
            ModelError("tensor \(name) of \(layer.label): \(error)")
        }
        var fans: Fans
        var fansDefined = true
        do {
            if let override = choice.fans {
                fans = override
            } else if let axes = initializer.fanAxes {
                // Explicit input_axes/output_axes in an initializer config win under every convention.
                fans = try Fans.keras(shape: variable.shape, inputAxes: axes.input, outputAxes: axes.output)
            } else if let axes = variable.fanAxes, variable.fanSemantics == .shapeOnly,
                      convention == .keras || convention == .semantic(gates: .perGate) || convention == .semantic(gates: .packed) {
                fans = try Fans.keras(shape: variable.shape, inputAxes: axes.input, outputAxes: axes.output)
            } else {
                fans = try Fans.compute(shape: variable.shape, semantics: variable.fanSemantics, convention: convention)
            }
        } catch {
            // A convention that refuses the tensor matters only when the initializer needs fans.
            if initializer.usesFans && choice.fill == nil { throw fail(error) }
            fans = Fans.keras(shape: variable.shape)
            fansDefined = false
        }
        var fill: ValueFill
        do {
            if let override = choice.fill {
                if case .structured(let structured) = override { try structured.validate(shape: variable.shape) }
                fill = override
            } else {
                fill = try initializer.fill(fans: fans, shape: variable.shape)
            }
        } catch {
            throw fail(error)
        }
        if choice.scale != 1 {
            guard let scaled = fill.scaled(by: choice.scale) else {
                throw ModelError("tensor \(name) of \(layer.label): \(fill.summary) cannot be scaled (\(choice.reason))")
            }
            fill = scaled
        }
        // The rules' LSTM bias: the catalog marks unit_forget_bias; --respect-config and profiles
        // decide for themselves (a PyTorch profile has no forget-gate ones).
        if choice.fill == nil, !choice.fromRules, options.profile == nil, !options.respectConfig,
           let units = variable.unitForgetBias, case .elementwise(let base) = fill {
            fill = .structured(.unitForgetBias(units: units, base: base))
        }
        var entry = PlanEntry(
            name: name, kerasPath: "\(layerPath)/vars/\(index)", topLevelLayer: topLevel, layer: layer.name, layerClass: layer.className,
            variable: variable.nameInLayer, shape: variable.shape, dtype: dtype, role: variable.role,
            trainable: variable.trainable, fans: fans, fanSemantics: variable.fanSemantics, initializer: initializer, fill: fill,
            reason: choice.reason)
        entry.fanConvention = choice.fans == nil ? convention : (options.profile?.fanConvention ?? convention)
        entry.fansDefined = fansDefined
        entry.scale = choice.scale
        return entry
    }

    /// One tensor's initializer, why, and the fans or fill a profile fixes for it.
    struct Choice {
        var initializer: Initializer
        var reason: String
        var fans: Fans? = nil
        var fill: ValueFill? = nil
        /// A factor on every value, from rules and schemes.
        var scale: Double = 1
        /// Whether a user rule or scheme set the initializer (no implicit unit_forget_bias then).
        var fromRules = false
    }

    /// The rules, lowest precedence first: role defaults < activation table < `--respect-config`
    /// < profile (docs/initializers.md "Precedence").
    private func choose(
        _ variable: VariableSpec, siblings: [VariableSpec], layer: KerasLayer, scope: ActivationTracer.Scope, tensorName: String,
        convention: FanConvention
    ) throws(ModelError) -> Choice {
        func parse(_ value: JSONValue, _ what: String) throws(ModelError) -> Initializer {
            do {
                return try Initializer.keras(value)
            } catch {
                throw ModelError("tensor \(tensorName) of \(layer.label): \(what): \(error)")
            }
        }
        if let profile = options.profile {
            do {
                if let choice = try profile.choice(for: variable, layer: layer, siblings: siblings, convention: convention) {
                    return Choice(initializer: choice.initializer, reason: choice.reason, fans: choice.fans, fill: choice.fill)
                }
            } catch {
                throw ModelError("tensor \(tensorName) of \(layer.label): profile \(profile.rawValue): \(error)")
            }
        }
        if let (initializer, reason) = variable.ruleDefault {
            return Choice(initializer: initializer, reason: reason)
        }
        if options.respectConfig {
            let initializer: Initializer, reason: String
            if let key = variable.initializerKey, let value = layer.config[key], !value.isNull {
                (initializer, reason) = (try parse(value, "config \"\(key)\""), "config \(key)")
            } else {
                (initializer, reason) = (try parse(variable.kerasDefault, "Keras default"), "Keras default (no initializer in the config)")
            }
            return Choice(initializer: initializer, reason: reason + unitForgetBiasNote(variable, layer: layer, initializer),
                          fill: unitForgetBias(variable, layer: layer, initializer))
        }
        switch variable.role {
        case .bias, .beta, .movingMean, .count:
            let forget = variable.unitForgetBias == nil ? "" : " (unit_forget_bias: forget gate ones)"
            return Choice(initializer: try parse("zeros", "role default"), reason: "role default: \(variable.role.rawValue) → zeros\(forget)")
        case .recurrentKernel:
            return Choice(initializer: try parse("orthogonal", "role default"), reason: "role default: recurrent_kernel → orthogonal (gain 1)")
        case .alpha, .scale:
            // Keras's own default for a Keras-only variable (AdditiveAttention's glorot_uniform
            // scale vector): its fans are Keras's, under every --fans convention.
            return Choice(initializer: try parse(variable.kerasDefault, "role default"),
                          reason: "role default: \(variable.role.rawValue) → Keras' default",
                          fans: Fans.keras(shape: variable.shape))
        case .gamma, .movingVariance:
            return Choice(initializer: try parse("ones", "role default"), reason: "role default: \(variable.role.rawValue) → ones")
        case .embeddings:
            return Choice(initializer: try parse(variable.kerasDefault, "role default"),
                          reason: "role default: embeddings → Keras' Embedding default, uniform ±0.05")
        case .kernel, .depthwiseKernel, .pointwiseKernel:
            let own = variable.innerActivation ?? "linear"
            let finding = ActivationTracer().trace(layer: layer.name, ownActivation: own, in: scope)
            var how = "activation \(finding.activation)"
            if own == "linear" && variable.innerActivation == "linear" && variable.role == .depthwiseKernel
                && LayerRegistry.kind(of: layer.className) == .separableConvolution {
                how = "depthwise output feeds the pointwise kernel linearly"
            } else if finding.source != layer.name {
                if let source = finding.source {
                    let via = finding.path.isEmpty ? "" : " via " + finding.path.joined(separator: " → ")
                    how += " (applied by \"\(source)\"\(via))"
                } else {
                    how += " (the output leaves the model)"
                }
            }
            guard let family = ActivationTable.family(for: finding.activation) else {
                return Choice(initializer: try parse("glorot_uniform", "fallback"),
                              reason: "\(how) is not in the activation table → Glorot (the Keras default)")
            }
            return Choice(initializer: try parse(.string(family.initializer), "activation table"),
                          reason: "\(how) → \(family.rawValue == "he" ? "He" : family.rawValue == "glorot" ? "Glorot" : "LeCun")")
        }
    }

    /// Keras LSTM/ConvLSTM `unit_forget_bias` (default true): the forget gate's slice of the bias is 1
    /// on top of the bias initializer (keras/src/layers/rnn/lstm.py).
    private func unitForgetBias(_ variable: VariableSpec, layer: KerasLayer, _ initializer: Initializer) -> ValueFill? {
        // The layer the config belongs to: a wrapped LSTM's (its config replaces the wrapper's
        // here), else the layer or the one a wrapper holds.
        let (className, config) = Profile.configOwner(of: variable, in: layer)
        guard variable.name == "bias", LayerRegistry.kind(of: className).gates == 4,
              config["unit_forget_bias"]?.bool ?? true,
              let units = config["units"]?.int ?? config["filters"]?.int, variable.shape == [4 * units],
              let base = try? initializer.distribution(fans: Fans.keras(shape: variable.shape))
        else { return nil }
        return .structured(.unitForgetBias(units: units, base: base))
    }

    private func unitForgetBiasNote(_ variable: VariableSpec, layer: KerasLayer, _ initializer: Initializer) -> String {
        unitForgetBias(variable, layer: layer, initializer) == nil ? "" : " with unit_forget_bias (forget gate 1)"
    }

    /// The variable dtype of a layer's dtype policy (`mixed_*` policies keep float32 variables).
    private func variableDType(of layer: KerasLayer) throws(ModelError) -> DType? {
        guard let raw = layer.config["dtype"], !raw.isNull else { return nil }
        let policy = raw.string ?? raw["config"]?["name"]?.string
        guard let policy else { return nil }
        switch policy {
        case "float32", "mixed_float16", "mixed_bfloat16": return .float32
        case "float16": return .float16
        case "bfloat16": return .bfloat16
        case "float64": return .float64
        default:
            // Weightless layers may compute in any dtype (an int32 InputLayer); only variables matter.
            if !LayerCatalog.weightedClasses.contains(layer.className) { return nil }
            throw ModelError("\(layer.label): dtype policy \"\(policy)\" is not supported (float32, float16, bfloat16, float64, mixed_float16, mixed_bfloat16)")
        }
    }
}
