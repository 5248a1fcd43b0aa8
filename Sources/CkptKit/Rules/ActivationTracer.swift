/// Finds the activation a layer's output really meets, looking through normalization, dropout,
/// reshaping, pooling and additive merges: Conv2D (linear) → BatchNormalization → Add → ReLU is a
/// ReLU layer.
struct ActivationTracer {
    /// The result of a trace: the activation, and the layers it looked through to find it.
    struct Finding: Equatable {
        var activation: String
        /// Layer names on the path from the traced layer to the one that applies the activation.
        var path: [String]
        /// The layer applying the activation (nil when the output reached the model's output).
        var source: String?
    }

    /// One model and, for a nested model, how to continue into its parent.
    final class Scope {
        let model: KerasModel
        let parent: Scope?
        /// The layer name of this (nested) model in the parent.
        let nameInParent: String?
        let consumers: [String: [String]]
        let outputs: Set<String>
        /// The model's layers by name (the first of a repeated name, as `KerasModel.layer(named:)`).
        let layersByName: [String: KerasLayer]

        init(model: KerasModel, parent: Scope?, nameInParent: String?) {
            self.model = model
            self.layersByName = Dictionary(model.layers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            self.parent = parent
            self.nameInParent = nameInParent
            let graph = model.graph
            var consumers: [String: [String]] = [:]
            for (index, list) in graph.consumers.enumerated() where !list.isEmpty && consumers[graph.names[index]] == nil {
                consumers[graph.names[index]] = list.map { graph.names[$0] }
            }
            self.outputs = Set(graph.outputLayers.map { graph.names[$0] })
            self.consumers = consumers
        }
    }

    /// The activation met by the output of `layerName` in `scope`, given the layer's own one.
    func trace(layer layerName: String, ownActivation: String, in scope: Scope) -> Finding {
        if ownActivation != "linear" {
            return Finding(activation: ownActivation, path: [], source: layerName)
        }
        var findings: [Finding] = []
        var visited: Set<String> = []
        follow(from: layerName, scope: scope, path: [], visited: &visited, into: &findings)
        // Prefer a nonlinearity when branches disagree (a residual stream that is also an output).
        if let nonlinear = findings.first(where: { $0.activation != "linear" }) { return nonlinear }
        return findings.first ?? Finding(activation: "linear", path: [], source: nil)
    }

    private func follow(from name: String, scope: Scope, path: [String], visited: inout Set<String>, into findings: inout [Finding]) {
        let key = ObjectIdentifier(scope).hashValue.description + "/" + name
        guard visited.insert(key).inserted, path.count < 64 else { return }
        let next = scope.consumers[name] ?? []
        if next.isEmpty || scope.outputs.contains(name) {
            if let parent = scope.parent, let nested = scope.nameInParent {
                follow(from: nested, scope: parent, path: path, visited: &visited, into: &findings)
            } else if next.isEmpty {
                findings.append(Finding(activation: "linear", path: path, source: nil))
            }
        }
        for consumerName in next {
            guard let consumer = scope.layersByName[consumerName] else { continue }
            if let activation = ActivationTable.activation(ofLayer: consumer) {
                findings.append(Finding(activation: activation, path: path, source: consumer.name))
            } else if isTransparent(consumer) {
                follow(from: consumer.name, scope: scope, path: path + [consumer.name], visited: &visited, into: &findings)
            } else {
                // A weighted or otherwise mixing layer consumes the output linearly.
                findings.append(Finding(activation: "linear", path: path, source: consumer.name))
            }
        }
    }

    private func isTransparent(_ layer: KerasLayer) -> Bool {
        if layer.isOperation {
            return ActivationTable.transparentOperations.contains(layer.registeredName ?? layer.className)
        }
        return LayerRegistry.kind(of: layer.className).isTransparent
    }
}
