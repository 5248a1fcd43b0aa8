/// The residual branches of a model, found in its graph (docs/rules.md "Residual branches").
///
/// For every `Add` (the layer or the `x + y` op layer) whose inputs share an ancestor, the fork is
/// the latest shared ancestor; the branch of one input is every layer between the fork and that
/// input (descendants of the fork that feed the input). An input with no weighted layer on its
/// branch is the identity path. When every input has weighted layers (a ResNet projection
/// shortcut), the input with the fewest is the shortcut and the others are residual branches.
struct ResidualBranches {
    /// One residual branch.
    struct Branch {
        /// The canonical name of the `Add` that closes it.
        var add: String
        /// Canonical layer names on the branch, in file order.
        var layers: [String]
        /// Layers with a kernel (Dense, EinsumDense, Conv*, attention, …), in file order.
        var kernelLayers: [String]
        /// The kernel layer closest to the `Add` (the branch's output projection).
        var lastProjection: String? { kernelLayers.last }
        /// The normalization layer closest to the `Add`.
        var lastNorm: String?
        /// Canonical names of the attention layers on the branch.
        var attentionLayers: [String]
    }

    /// Whether a layer of `className` is multi-head or grouped-query attention.
    static func isAttention(_ className: String) -> Bool { LayerRegistry.kind(of: className) == .attention }

    private(set) var branches: [Branch] = []
    /// Canonical layer name → indices of the branches it is on.
    private(set) var membership: [String: [Int]] = [:]

    /// Finds the branches of `model` and of every model nested in it; `variables` says which
    /// variables a layer owns.
    init(model: KerasModel, variables: (KerasLayer) -> [VariableSpec]) {
        collect(model, prefix: "", variables: variables)
        for (index, branch) in branches.enumerated() {
            for layer in branch.layers { membership[layer, default: []].append(index) }
        }
    }

    /// The branches a layer (canonical name) is on, directly or inside a nested model on the branch.
    func branches(containing layer: String) -> [Branch] {
        var result: [Int] = membership[layer] ?? []
        var path = layer
        while let slash = path.lastIndex(of: "/") {
            path = String(path[..<slash])
            result += membership[path] ?? []
        }
        return result.map { branches[$0] }
    }

    private mutating func collect(_ model: KerasModel, prefix: String, variables: (KerasLayer) -> [VariableSpec]) {
        for layer in model.layers {
            if let held = layer.heldModel {
                collect(held.model, prefix: prefix + layer.name + "/" + held.nameSegment, variables: variables)
            }
        }
        guard !model.isSequential else { return }
        let graph = model.graph
        let index = graph.indexByName
        var parents: [String: Set<String>] = [:], children: [String: Set<String>] = [:]
        for (layer, producers) in graph.producers.enumerated() {
            for producer in producers {
                parents[graph.names[layer], default: []].insert(graph.names[producer])
                children[graph.names[producer], default: []].insert(graph.names[layer])
            }
        }
        func closure(_ start: String, _ edges: [String: Set<String>]) -> Set<String> {
            var seen: Set<String> = [start], stack = [start]
            while let next = stack.popLast() {
                for other in edges[next] ?? [] where seen.insert(other).inserted { stack.append(other) }
            }
            return seen
        }
        var weightCache: [String: [VariableSpec]] = [:]
        func owned(_ name: String) -> [VariableSpec] {
            if let cached = weightCache[name] { return cached }
            guard let layer = model.layer(named: name) else { return [] }
            let result = layer.heldModel != nil ? [] : variables(layer)
            weightCache[name] = result
            return result
        }
        func isWeighted(_ name: String) -> Bool { !owned(name).isEmpty || model.layer(named: name)?.heldModel != nil }
        for add in model.layers where add.className == "Add" {
            guard let call = add.calls.first else { continue }
            var inputs: [String] = []
            for reference in call where !inputs.contains(reference.layer) { inputs.append(reference.layer) }
            guard inputs.count >= 2 else { continue }
            let ancestors = inputs.map { closure($0, parents) }
            let common = ancestors.dropFirst().reduce(ancestors[0]) { $0.intersection($1) }
            guard let fork = common.max(by: { (index[$0] ?? -1) < (index[$1] ?? -1) }) else { continue }
            let below = closure(fork, children).subtracting([fork])
            let paths = ancestors.map { $0.intersection(below).sorted { (index[$0] ?? 0) < (index[$1] ?? 0) } }
            let weights = paths.map { $0.filter(isWeighted).count }
            var residual = weights.indices.filter { weights[$0] > 0 }
            if residual.count == inputs.count, let shortcut = weights.indices.min(by: { weights[$0] < weights[$1] }) {
                residual.removeAll { $0 == shortcut }
            }
            for i in residual {
                let path = paths[i]
                let kernels = path.filter { name in
                    model.layer(named: name)?.heldModel == nil && owned(name).contains { $0.role.isKernel }
                }
                let norms = path.filter { name in
                    owned(name).contains { $0.role == .gamma } || (model.layer(named: name)?.className.hasSuffix("Normalization") ?? false)
                }
                let attention = path.filter { Self.isAttention(model.layer(named: $0)?.className ?? "") }
                branches.append(Branch(
                    add: prefix + add.name, layers: path.map { prefix + $0 }, kernelLayers: kernels.map { prefix + $0 },
                    lastNorm: norms.last.map { prefix + $0 }, attentionLayers: attention.map { prefix + $0 }))
            }
        }
    }

    /// Whether `variable` of a layer of `className` is the layer's output projection: an attention
    /// layer's `attention_output/kernel`, a separable convolution's pointwise kernel, otherwise the kernel.
    static func isOutputProjection(_ variable: VariableSpec, className: String) -> Bool {
        if isAttention(className) { return variable.nameInLayer == "attention_output/kernel" }
        if LayerRegistry.kind(of: className) == .separableConvolution { return variable.role == .pointwiseKernel }
        return variable.role == .kernel
    }

    /// Whether `variable` of an attention layer is its value or output projection kernel.
    static func isValueOrOutput(_ variable: VariableSpec) -> Bool {
        variable.nameInLayer == "value/kernel" || variable.nameInLayer == "attention_output/kernel"
    }
}
