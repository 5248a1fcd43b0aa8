/// Shape inference over a whole model graph: every layer gets input shapes, from its
/// `build_config` when the JSON has one (checked against inference) or inferred from its inputs
/// (Keras 2 JSON, compact specs, hand-written JSON).
///
/// Layers are visited in dependency order; a cycle is an error naming the layers on it. Shapes
/// that cannot be inferred (an op or custom layer ckpt does not know) stay unknown, and only a
/// layer that needs them fails later, with the catalog's "has no input shape" error.
enum ModelShapes {
    typealias Shape = [Int?]

    /// Fills in `model`'s missing input shapes (nested models included) and checks the given
    /// ones; returns the model's output shapes (nil where unknown).
    @discardableResult
    static func infer(_ model: inout KerasModel, inputs: [Shape]? = nil) throws(ModelError) -> [Shape]? {
        model.isSequential ? try sequential(&model, inputs: inputs) : try functional(&model, inputs: inputs)
    }

    // MARK: - Sequential

    private static func sequential(_ model: inout KerasModel, inputs: [Shape]?) throws(ModelError) -> [Shape]? {
        var current: [Shape]? = inputs
        for index in model.layers.indices {
            var layer = model.layers[index]
            if layer.className == "InputLayer" {
                if let own = batchShape(layer) {
                    try agree(own, current, layer, what: "batch_shape")
                    current = [own]
                }
                model.layers[index] = layer
                continue
            }
            if current == nil, let own = batchShape(layer) { current = [own] }  // Keras 2: batch_input_shape on the first layer
            current = try visit(&layer, inputs: current)
            model.layers[index] = layer
        }
        return current
    }

    // MARK: - Functional

    private static func functional(_ model: inout KerasModel, inputs: [Shape]?) throws(ModelError) -> [Shape]? {
        let graph = model.graph
        for layer in model.layers {
            for call in layer.calls {
                for reference in call where graph.indexByName[reference.layer] == nil {
                    throw ModelError("\(layer.label) takes its input from layer \"\(reference.layer)\", which the model does not have")
                }
            }
        }
        let order = try graph.callOrder { [layers = model.layers] in layers[$0].jsonPath }
        // outputs[layer][call] = the call's output shapes (nil: unknown).
        var outputs = graph.calls.map { [[Shape]?](repeating: nil, count: max(1, $0.count)) }
        let inputLayers = model.layers.filter { $0.className == "InputLayer" }.map(\.name)

        func resolve(_ edge: ModelGraph.Edge?) -> Shape? {
            guard let edge, outputs[edge.producer].indices.contains(edge.node), let shapes = outputs[edge.producer][edge.node],
                  shapes.indices.contains(edge.tensor) else { return nil }
            return shapes[edge.tensor]
        }

        for node in order {
            let index = node.layer
            var layer = model.layers[index]
            if layer.className == "InputLayer" {
                var shape = batchShape(layer)
                if let given = inputs, let position = inputLayers.firstIndex(of: layer.name), given.indices.contains(position) {
                    try agree(given[position], shape.map { [$0] }, layer, what: "the shape passed in")
                    shape = shape ?? given[position]
                }
                if layer.inputShapes.isEmpty, let shape {
                    layer.inputShapes = [shape]
                    layer.inputShapeSource = "batch_shape"
                }
                outputs[index][0] = shape.map { [$0] }
            } else if graph.calls[index].indices.contains(node.call) {
                let call = graph.calls[index][node.call]
                var shapes: [Shape] = []
                var known = true
                for edge in call {
                    if let shape = resolve(edge) { shapes.append(shape) } else { known = false }
                }
                if node.call == 0 {
                    outputs[index][0] = try visit(&layer, inputs: known && !call.isEmpty ? shapes : nil)
                } else {
                    outputs[index][node.call] = known ? try outputShapes(of: layer, inputs: shapes, call: node.call) : nil
                }
                if layer.calls.isEmpty && node.call == 0 { _ = try visit(&layer, inputs: nil) }
            } else {
                // A layer the graph never calls: its own build_config only.
                _ = try visit(&layer, inputs: nil)
            }
            model.layers[index] = layer
        }
        guard graph.outputs.count == model.outputs.count else { return nil }
        var result: [Shape] = []
        for edge in graph.outputs {
            guard let shape = resolve(edge) else { return nil }
            result.append(shape)
        }
        return result
    }

    // MARK: - One layer

    /// Records or checks `layer`'s input shapes and returns its output shapes (nil: unknown).
    private static func visit(_ layer: inout KerasLayer, inputs: [Shape]?) throws(ModelError) -> [Shape]? {
        if let inputs {
            if layer.inputShapes.isEmpty {
                layer.inputShapes = inputs
                layer.inputShapeSource = "shape inference"
            } else if layer.inputShapeSource == "build_config" {
                try agree(layer.inputShapes, inputs, layer, what: "build_config.input_shape")
            }
        }
        let effective = layer.inputShapes.isEmpty ? inputs : layer.inputShapes
        // A wrapper's inner layers, and the models and wrappers inside them, at any depth:
        // TimeDistributed drops the time axis, Bidirectional passes its input on.
        if let effective, effective.count == 1, !layer.wrapped.isEmpty {
            let input = effective[0]
            let inner = layer.className == "TimeDistributed" && input.count >= 3 ? [input[0]] + input.dropFirst(2) : input
            for index in layer.wrapped.indices {
                if layer.wrapped[index].layer.inputShapes.isEmpty {
                    layer.wrapped[index].layer.inputShapes = [inner]
                    layer.wrapped[index].layer.inputShapeSource = "the input shape of \(layer.label)"
                }
                if layer.wrapped[index].layer.submodel != nil || !layer.wrapped[index].layer.wrapped.isEmpty {
                    _ = try visit(&layer.wrapped[index].layer, inputs: [inner])
                }
            }
        }
        guard let effective else {
            // A nested model still gets its own inputs' shapes inferred.
            if var submodel = layer.submodel {
                try infer(&submodel)
                layer.submodel = submodel
            }
            for index in layer.wrapped.indices {
                if layer.wrapped[index].layer.submodel != nil || !layer.wrapped[index].layer.wrapped.isEmpty {
                    _ = try visit(&layer.wrapped[index].layer, inputs: nil)
                }
            }
            return nil
        }
        if var submodel = layer.submodel {
            let result = try infer(&submodel, inputs: effective)
            layer.submodel = submodel
            return result
        }
        return try outputShapes(of: layer, inputs: effective)
    }

    /// The layer's output shapes, or nil for a class ckpt cannot infer (an op or custom layer):
    /// errors in a known layer (incompatible shapes at a merge) are thrown.
    private static func outputShapes(of layer: KerasLayer, inputs: [Shape], call: Int = 0) throws(ModelError) -> [Shape]? {
        let options = layer.callOptions.indices.contains(call) ? layer.callOptions[call] : JSONObject()
        if layer.isOperation, elementwiseOperations.contains(layer.className), let first = inputs.first {
            // `x + 3.0`, `ops.relu6(x)`: tensors broadcast; scalar operands do not count.
            var result: Shape? = first
            for other in inputs.dropFirst() { result = result.flatMap { ShapeInference.broadcast($0, other) } }
            return result.map { [$0] }
        }
        guard ShapeInference.isKnown(layer.className) else { return nil }
        // Op layers (`x + y` as keras.src.ops.numpy.Add) share class names with layers but not
        // their config keys; a failure there only means unknown.
        if layer.isOperation { return try? ShapeInference.outputShapes(of: layer, inputs: inputs, options: options) }
        return try ShapeInference.outputShapes(of: layer, inputs: inputs, options: options)
    }

    /// keras.ops functions applied element by element (class names as Keras 3 serialises them).
    static let elementwiseOperations: Set<String> = [
        "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "Maximum", "Minimum", "Power",
        "Relu", "Relu6", "Sigmoid", "HardSigmoid", "HardSilu", "HardSwish", "Silu", "Swish", "Tanh", "Gelu",
        "Exp", "Log", "Sqrt", "Square", "Abs", "Negative", "Softplus", "Elu", "Selu", "LeakyRelu",
    ]

    /// The `batch_shape` (Keras 3) or `batch_input_shape` (Keras 2) of a layer's config.
    private static func batchShape(_ layer: KerasLayer) -> Shape? {
        guard let value = layer.config["batch_shape"] ?? layer.config["batch_input_shape"], let items = value.array else { return nil }
        return items.map { $0.isNull ? nil : $0.int }
    }

    /// Throws when two descriptions of the same input disagree on rank or on a known dimension
    /// (the batch dimension is not compared).
    private static func agree(_ given: [Shape], _ inferred: [Shape]?, _ layer: KerasLayer, what: String) throws(ModelError) {
        // Multi-input layers list build shapes in their own order (MultiHeadAttention's
        // query/value/key dict); only single inputs are compared.
        guard let inferred, given.count == 1, inferred.count == 1 else { return }
        let mismatch = given.count != inferred.count || zip(given, inferred).contains { a, b in
            a.count != b.count || zip(a.dropFirst(), b.dropFirst()).contains { x, y in x != nil && y != nil && x != y }
        }
        if mismatch {
            throw ModelError("\(layer.label): \(what) \(given.map(ShapeText.describe).joined(separator: ", ")) disagrees with the shape its inputs give, \(inferred.map(ShapeText.describe).joined(separator: ", "))")
        }
    }

    private static func agree(_ given: Shape, _ inferred: [Shape]?, _ layer: KerasLayer, what: String) throws(ModelError) {
        try agree([given], inferred, layer, what: what)
    }
}
