/// The forward and backward pass over a model graph: every layer call in dependency order, then
/// the gradients of L = Σ(output ⊙ G) in reverse. All activations are kept for the backward pass.
struct AnalysisExecutor {
    /// What one layer call saw and produced.
    struct NodeTrace {
        var inputs: [AnalysisTensor]
        /// The op's output before the layer's own activation (nil when the activation is linear).
        var preActivation: AnalysisTensor?
        var output: AnalysisTensor
        var outputGrad: AnalysisTensor?
    }

    /// A model input: the layer that takes it, its shape (batch first) and whether it holds ids.
    struct ModelInput {
        var layer: Int
        var name: String
        var shape: [Int?]
        var isInteger: Bool
        /// For ids: the smallest vocabulary of the Embedding layers it feeds.
        var vocabulary: Int?
    }

    let model: KerasModel
    let graph: ModelGraph
    let order: [ModelGraph.CallNode]
    let layers: [AnalysisLayer]
    /// Per layer, its weights in the op's order.
    let weights: [[AnalysisTensor]]
    let inputs: [ModelInput]

    init(model: KerasModel, weights lookup: (KerasLayer, String) throws -> AnalysisTensor?,
         batchNorm: AnalysisLayer.BatchNormMode) throws {
        self.model = model
        graph = model.graph
        order = try graph.callOrder { model.layers[$0].label }
        var layers: [AnalysisLayer] = [], weights: [[AnalysisTensor]] = []
        for layer in model.layers {
            let analysis = try AnalysisLayer.make(layer, batchNorm: batchNorm)
            var values: [AnalysisTensor] = []
            for variable in analysis.variables {
                guard let tensor = try lookup(layer, variable) else {
                    throw AnalysisError("layer \"\(layer.name)\" (\(layer.className)) has no weight \"\(variable)\" in the checkpoint")
                }
                values.append(tensor)
            }
            layers.append(analysis)
            weights.append(values)
        }
        self.layers = layers
        self.weights = weights
        // The model's inputs: its InputLayers, or a Sequential's first layer when it has none.
        var inputs: [ModelInput] = []
        var inputLayers = graph.inputs
        if inputLayers.isEmpty, model.isSequential, !model.layers.isEmpty { inputLayers = [0] }
        for index in inputLayers {
            let layer = model.layers[index]
            var shape: [Int?]?
            if let items = (layer.config["batch_shape"] ?? layer.config["batch_input_shape"])?.array {
                shape = items.map { $0.isNull ? nil : $0.int }
            }
            shape = shape ?? layer.inputShapes.first
            guard let shape, shape.count >= 1 else {
                throw AnalysisError("the input \"\(layer.name)\" has no known shape (give the InputLayer a batch_shape)")
            }
            let dtype = layer.config["dtype"]?.string ?? layer.config["dtype"]?["config"]?["name"]?.string ?? "float32"
            var feeds = graph.consumers[index].map { model.layers[$0] }
            if layer.className != "InputLayer" { feeds = [layer] }
            let embeddings = feeds.filter { $0.className == "Embedding" }
            let vocabulary = embeddings.compactMap { $0.config["input_dim"]?.int }.min()
            inputs.append(ModelInput(layer: index, name: layer.name, shape: shape,
                                     isInteger: dtype.contains("int") || !embeddings.isEmpty, vocabulary: vocabulary))
        }
        self.inputs = inputs
    }

    /// The result of a run: each call's trace, and each layer's weight gradients (summed over its calls).
    struct Run {
        var nodes: [ModelGraph.CallNode: NodeTrace]
        var weightGrads: [[AnalysisTensor]]
        var outputs: [AnalysisTensor]
    }

    private func located(_ layer: Int, _ error: AnalysisError) -> AnalysisError {
        let l = model.layers[layer]
        return error.message.contains("\"\(l.name)\"") ? error
            : AnalysisError(file: error.file, "layer \"\(l.name)\" (\(l.className)): \(error.message)")
    }

    /// The inputs of call `node`.
    private func inputs(of node: ModelGraph.CallNode, traces: [ModelGraph.CallNode: NodeTrace],
                        modelInputs: [Int: AnalysisTensor]) throws(AnalysisError) -> [AnalysisTensor] {
        let calls = graph.calls[node.layer]
        guard calls.indices.contains(node.call) else {
            guard let given = modelInputs[node.layer] else {
                throw AnalysisError("layer \"\(model.layers[node.layer].name)\" (\(model.layers[node.layer].className)) has no input")
            }
            return [given]
        }
        var result: [AnalysisTensor] = []
        for edge in calls[node.call] {
            guard let edge, let trace = traces[ModelGraph.CallNode(layer: edge.producer, call: edge.node)], edge.tensor == 0 else {
                throw AnalysisError("layer \"\(model.layers[node.layer].name)\" (\(model.layers[node.layer].className)): an input comes from an output the pass does not have")
            }
            result.append(trace.output)
        }
        return result
    }

    /// Runs forward on `modelInputs` (one per ``inputs``), then backward from `outputGrads`
    /// (one per model output; nil: `makeGrad` makes them from the outputs' shapes).
    func run(_ modelInputs: [AnalysisTensor], outputGrad makeGrad: ([AnalysisTensor]) throws -> [AnalysisTensor]) throws -> Run {
        let given = Dictionary(uniqueKeysWithValues: zip(inputs.map(\.layer), modelInputs))
        var traces: [ModelGraph.CallNode: NodeTrace] = [:]
        for node in order {
            let layer = layers[node.layer]
            do {
                let x = try inputs(of: node, traces: traces, modelInputs: given)
                let pre = try layer.op.forward(x, weights[node.layer])
                let out = layer.activation.apply(pre)
                traces[node] = NodeTrace(inputs: x, preActivation: layer.activation.isLinear ? nil : pre, output: out)
            } catch {
                throw located(node.layer, error)
            }
        }
        let outputs = try graph.outputs.map { edge throws(AnalysisError) -> AnalysisTensor in
            guard let trace = traces[ModelGraph.CallNode(layer: edge.producer, call: edge.node)] else {
                throw AnalysisError("the model's output \"\(model.layers[edge.producer].name)\" was not computed")
            }
            return trace.output
        }
        let grads = try makeGrad(outputs)
        for (edge, grad) in zip(graph.outputs, grads) {
            let node = ModelGraph.CallNode(layer: edge.producer, call: edge.node)
            traces[node]!.outputGrad = traces[node]!.outputGrad.map { $0 + grad } ?? grad
        }
        var weightGrads = weights.map { $0.map { AnalysisTensor(zeros: $0.shape) } }
        for node in order.reversed() {
            guard let trace = traces[node], let grad = trace.outputGrad else { continue }
            let layer = layers[node.layer]
            do {
                let preGrad = trace.preActivation.map { layer.activation.backward($0, trace.output, grad) } ?? grad
                let result = try layer.op.backward(trace.inputs, weights[node.layer], output: trace.preActivation ?? trace.output, grad: preGrad)
                for (i, g) in result.weights.enumerated() { weightGrads[node.layer][i] = weightGrads[node.layer][i] + g }
                let calls = graph.calls[node.layer]
                guard calls.indices.contains(node.call) else { continue }
                for (edge, g) in zip(calls[node.call], result.inputs) {
                    guard let edge, let g else { continue }
                    let source = ModelGraph.CallNode(layer: edge.producer, call: edge.node)
                    traces[source]!.outputGrad = traces[source]!.outputGrad.map { $0 + g } ?? g
                }
            } catch {
                throw located(node.layer, error)
            }
        }
        return Run(nodes: traces, weightGrads: weightGrads, outputs: outputs)
    }
}
