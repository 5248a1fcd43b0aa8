/// A model's graph, decoded in one place: which layer call consumes which tensor, who feeds
/// whom, the outputs, and the dependency order. Shape inference (``ModelShapes``), activation
/// tracing (``ActivationTracer``), residual branches (``ResidualBranches``) and the Keras 3
/// exporter (``KerasJSONExporter``) walk this instead of `layer.calls`; the forward pass will
/// execute it. Nested models have their own graphs (``KerasModel/graph``).
///
/// Keras 2 numbers a nested model's calls from 1 (its node 0 is the model's own inner graph)
/// where Keras 3 numbers them from 0: ``node(of:)`` turns both into Keras 3's numbering, and is
/// the only code that knows.
public struct ModelGraph: Sendable {
    /// One tensor a call consumes: call `node` of layer `producer`, its output `tensor`.
    public struct Edge: Hashable, Sendable {
        /// The producing layer's index in `model.layers`.
        public var producer: Int
        /// Which call of the producer, in Keras 3 numbering.
        public var node: Int
        /// Which output of that call.
        public var tensor: Int
    }

    /// The layers' names, in `model.layers` order.
    public let names: [String]
    /// Each layer's index by name (the first of a repeated name).
    public let indexByName: [String: Int]
    /// For each layer, each call's inputs (nil where the producer is not in the model). A
    /// Sequential's layers each have one call on the previous layer (an InputLayer none).
    public let calls: [[[Edge?]]]
    /// For each layer, the layers that consume its outputs, each once, in file order.
    public let consumers: [[Int]]
    /// For each layer, the layers it consumes, each once, in the order of its calls.
    public let producers: [[Int]]
    /// The model's output tensors (a Sequential: its last layer's).
    public let outputs: [Edge]
    /// The model's input layers (`config.input_layers`, else its InputLayers).
    public let inputs: [Int]
    /// Whether the model is a Sequential stack.
    public let isSequential: Bool

    /// Decodes `model`'s graph. References to layers the model does not have become nil edges
    /// (the reader has already refused them in a model it read).
    public init(_ model: KerasModel) {
        names = model.layers.map(\.name)
        let indexByName = Dictionary(model.layers.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.indexByName = indexByName
        isSequential = model.isSequential
        func edge(_ reference: TensorReference) -> Edge? {
            guard let producer = indexByName[reference.layer] else { return nil }
            return Edge(producer: producer, node: Self.node(of: reference, producer: model.layers[producer]),
                        tensor: reference.tensor)
        }
        var calls: [[[Edge?]]] = []
        if model.isSequential {
            for index in model.layers.indices {
                calls.append(index == 0 || model.layers[index].className == "InputLayer"
                             ? [] : [[Edge(producer: index - 1, node: 0, tensor: 0)]])
            }
            outputs = model.layers.isEmpty ? [] : [Edge(producer: model.layers.count - 1, node: 0, tensor: 0)]
        } else {
            calls = model.layers.map { layer in layer.calls.map { $0.map(edge) } }
            outputs = model.outputs.compactMap(edge)
        }
        self.calls = calls
        var consumers = [[Int]](repeating: [], count: model.layers.count)
        var producers = [[Int]](repeating: [], count: model.layers.count)
        for (index, layerCalls) in calls.enumerated() {
            for call in layerCalls {
                for case let input? in call {
                    if !consumers[input.producer].contains(index) { consumers[input.producer].append(index) }
                    if !producers[index].contains(input.producer) { producers[index].append(input.producer) }
                }
            }
        }
        self.consumers = consumers
        self.producers = producers
        inputs = model.inputs.isEmpty
            ? model.layers.indices.filter { model.layers[$0].className == "InputLayer" }
            : model.inputs.compactMap { indexByName[$0.layer] }
    }

    /// The Keras 3 number of the call `reference` names: Keras 2 numbers a nested model's calls
    /// from 1, so a node past its calls is one too high.
    public static func node(of reference: TensorReference, producer: KerasLayer) -> Int {
        if producer.submodel != nil, reference.node > 0, reference.node >= producer.calls.count {
            return reference.node - 1
        }
        return reference.node
    }

    /// The layers whose outputs are the model's outputs.
    public var outputLayers: Set<Int> { Set(outputs.map(\.producer)) }

    /// One call of one layer: the unit the graph is ordered and (next) executed by. A layer
    /// called twice (a shared layer; a ReversibleEmbedding called forward, then in reverse on
    /// what came of its first call) is two nodes.
    public struct CallNode: Hashable, Sendable {
        /// The layer's index in `model.layers`.
        public var layer: Int
        /// Which of its calls (0 for a layer the graph never calls: an InputLayer, a
        /// Sequential's first layer).
        public var call: Int
    }

    /// Every call after the calls whose outputs it consumes (depth first, from the first
    /// layer's first call, as the file lists them), or an error naming the layers on a cycle.
    /// Each layer has at least one node.
    public func callOrder(label: (Int) -> String) throws(ModelError) -> [CallNode] {
        var state: [CallNode: UInt8] = [:]  // absent new, 1 visiting, 2 done
        var order: [CallNode] = []
        func visit(_ node: CallNode, chain: [CallNode]) throws(ModelError) {
            switch state[node] {
            case 2?: return
            case 1?:
                let cycle = (chain.drop { $0 != node } + [node]).map { names[$0.layer] }.joined(separator: " → ")
                throw ModelError("the model's graph has a cycle: \(cycle) (at \(label(node.layer)))")
            default: break
            }
            state[node] = 1
            if calls[node.layer].indices.contains(node.call) {
                for case let input? in calls[node.layer][node.call] where calls[input.producer].indices.contains(input.node)
                    || (calls[input.producer].isEmpty && input.node == 0) {
                    try visit(CallNode(layer: input.producer, call: input.node), chain: chain + [node])
                }
            }
            state[node] = 2
            order.append(node)
        }
        for layer in names.indices {
            for call in 0..<max(1, calls[layer].count) { try visit(CallNode(layer: layer, call: call), chain: []) }
        }
        return order
    }
}

extension KerasModel {
    /// The model's graph (``ModelGraph``).
    public var graph: ModelGraph { ModelGraph(self) }
}
