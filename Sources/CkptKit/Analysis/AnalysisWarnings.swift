/// The warnings of `ckpt analyze`, each naming the layer and the rule or scheme that would fix it.
enum AnalysisWarnings {
    /// How far variance may drift over the depth before it is reported.
    static let driftFactor = 10.0

    static func find(_ report: AnalysisReport, executor: AnalysisExecutor, run: AnalysisExecutor.Run, plan: Plan,
                     entryByLayer: [String: [String: PlanEntry]]) -> [AnalysisReport.Warning] {
        var warnings: [AnalysisReport.Warning] = []
        let analysisByName = Dictionary(executor.model.layers.enumerated().map { ($1.name, executor.layers[$0]) }, uniquingKeysWith: { a, _ in a })
        // Drift over the depth, from the first to the last layer with a kernel.
        let weighted = report.layers.filter { layer in analysisByName[layer.name].map { analysis in
            guard !analysis.variables.isEmpty, analysis.variables[0].hasSuffix("kernel") else { return false }
            // One value per sample (a batch of one, a single unit) has no spread to compare.
            guard layer.outputShape.reduce(1, *) >= 2 * max(1, layer.outputShape.first ?? 1) || layer.variance > 0 else { return false }
            // A softmax output is a distribution, not a signal to keep at unit variance.
            if case .softmax = analysis.activation { return false }
            return true
        } ?? false }
        if let first = weighted.first, let last = weighted.last, first.name != last.name {
            let fix = fixFor(weighted.map { analysisByName[$0.name]!.activation })
            let ratio = last.variance / max(first.variance, .leastNormalMagnitude)
            if ratio < 1 / driftFactor || ratio > driftFactor {
                let verb = ratio < 1 ? "shrinks" : "grows"
                warnings.append(.init(kind: ratio < 1 ? "forward_vanishing" : "forward_exploding", layer: last.name,
                                      message: "the activations' variance \(verb) \(short(ratio < 1 ? 1 / ratio : ratio))× from layer \"\(first.name)\" (\(short(first.variance))) to layer \"\(last.name)\" (\(short(last.variance))); \(fix)"))
            }
            if let g0 = first.gradVariance, let g1 = last.gradVariance {
                let back = g0 / max(g1, .leastNormalMagnitude)
                if back < 1 / driftFactor || back > driftFactor {
                    let verb = back < 1 ? "shrinks" : "grows"
                    warnings.append(.init(kind: back < 1 ? "backward_vanishing" : "backward_exploding", layer: first.name,
                                          message: "the gradients' variance \(verb) \(short(back < 1 ? 1 / back : back))× on the way back from layer \"\(last.name)\" (\(short(g1))) to layer \"\(first.name)\" (\(short(g0))); \(fix)"))
                }
            }
        }
        for layer in report.layers {
            if let dead = layer.deadFraction, dead > 0.5 {
                warnings.append(.init(kind: "dead_relu", layer: layer.name,
                                      message: "\(percent(dead)) of the ReLU units of layer \"\(layer.name)\" are dead on the whole batch; initialize its kernel with He (--rule '\(layer.name)/kernel=he_normal') and its bias at zero"))
            }
            if let saturated = layer.saturatedFraction, saturated > 0.5 {
                warnings.append(.init(kind: "saturated", layer: layer.name,
                                      message: "\(percent(saturated)) of the pre-activations of layer \"\(layer.name)\" are beyond ±2, where the activation saturates; use Glorot (--rule '\(layer.name)/kernel=glorot_uniform') or a smaller scale"))
            }
        }
        // Symmetry and zero gradients, per weight.
        for (index, layer) in executor.model.layers.enumerated() {
            let analysis = executor.layers[index]
            for (i, variable) in analysis.variables.enumerated() {
                guard let entry = entryByLayer[layer.name]?[variable], entry.trainable else { continue }
                let w = executor.weights[index][i]
                let allZero = w.values.allSatisfy { $0 == 0 }
                if variable.hasSuffix("kernel") || variable == "embeddings", w.rank >= 2, hasIdenticalUnits(w, variable: variable) {
                    warnings.append(.init(kind: "symmetry", layer: layer.name,
                                          message: "every unit of \(entry.name) has the same weights (\(entry.initializer.name)), so those units can never learn different features; use a random initializer (--rule '\(entry.name)=glorot_uniform', or he_normal before a ReLU)"))
                }
                let grad = run.weightGrads[index][i]
                // Kernels and tables only: a zero bias with a zero first gradient is the usual start.
                if allZero, w.rank >= 2, grad.values.allSatisfy({ $0 == 0 }) {
                    warnings.append(.init(kind: "zero_gradient", layer: layer.name,
                                          message: "\(entry.name) is all zeros and receives a zero gradient, so it never moves (two zero-initialized layers in a row block each other); initialize one of them randomly (--rule '\(entry.name)=glorot_uniform'), as zero-init schemes do for the last layer of a branch only"))
                }
            }
        }
        // NaN or Inf anywhere.
        for (index, layer) in executor.model.layers.enumerated() {
            let traces = run.nodes.filter { $0.key.layer == index }.map(\.value)
            let bad = traces.contains { !$0.output.values.allSatisfy(\.isFinite) || !($0.outputGrad?.values.allSatisfy(\.isFinite) ?? true) }
                || executor.weights[index].contains { !$0.values.allSatisfy(\.isFinite) }
                || run.weightGrads[index].contains { !$0.values.allSatisfy(\.isFinite) }
            if bad {
                warnings.append(.init(kind: "nan_inf", layer: layer.name,
                                      message: "layer \"\(layer.name)\" has NaN or Inf values in its weights, output or gradients; check the weights, and lower the initial scale (a variance-preserving rule such as --rule '*/kernel=glorot_uniform')"))
            }
        }
        return warnings
    }

    /// Whether all output units (the last axis of a kernel; the rows of an embedding) hold the same values.
    static func hasIdenticalUnits(_ w: AnalysisTensor, variable: String) -> Bool {
        if variable == "embeddings" {
            let rows = w.shape[0], width = w.count / max(1, rows)
            guard rows > 1 else { return false }
            for r in 1..<rows { for j in 0..<width where w.values[r * width + j] != w.values[j] { return false } }
            return true
        }
        let units = w.shape[w.rank - 1], fan = w.count / max(1, units)
        guard units > 1 else { return false }
        for f in 0..<fan { for u in 1..<units where w.values[f * units + u] != w.values[f * units] { return false } }
        return true
    }

    /// The initializer family the activations ask for.
    static func fixFor(_ activations: [AnalysisActivation]) -> String {
        if activations.contains(where: { $0.isReLULike }) { return "ReLU layers keep their variance with He (--rule '*/kernel=he_normal')" }
        if activations.contains(.selu) { return "SELU layers keep their variance with LeCun normal (--rule '*/kernel=lecun_normal')" }
        return "keep the variance with Glorot or LeCun (--rule '*/kernel=glorot_uniform'), or orthogonal for deep linear and tanh stacks"
    }

    static func short(_ x: Double) -> String { NumberText.short(x) }
    static func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }
}
