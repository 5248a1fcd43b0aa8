/// Writes a model graph as the Keras 3 JSON `model.to_json()` gives: used for compact specs
/// (`ckpt export-keras`) and for Keras 2 JSON, whose dialect Keras 3 rejects
/// (docs/formats/keras-weights.md, "Keras 2 and Keras 3 model JSON"), wherever a Keras target
/// (`.keras`, a full `.h5`) embeds the model's config.
///
/// Layers come out in Keras's own order (`keras.src.ops.function.map_graph`: by depth from the
/// outputs, ties in depth-first order), which is the order `model.layers` and so the
/// `.weights.h5` paths follow; configs are Keras 3 configs (Keras 2 keys Keras 3 rejects are
/// dropped, missing keys get Keras's defaults); `build_config` and the tensors' shapes come from
/// ckpt's shape inference.
public enum KerasJSONExporter {
    typealias Shape = [Int?]

    /// The Keras 3 JSON of `model`.
    public static func export(_ model: KerasModel) -> JSONValue {
        .object(modelEntry(model, asLayer: nil))
    }

    /// The Keras 3 JSON text of `model`, spaced as Python's `json.dumps` writes it.
    public static func exportText(_ model: KerasModel) -> String {
        JSONWriter.string(export(model), style: .python)
    }

    // MARK: - Models

    private static let dtypePolicyFloat32 = policy("float32")

    private static func policy(_ name: String) -> JSONValue {
        .object(JSONObject([("module", "keras"), ("class_name", "DTypePolicy"),
                            ("config", .object(JSONObject([("name", .string(name))]))), ("registered_name", .null)]))
    }

    /// A model's entry: the top level (`layer` nil) or a nested model inside another.
    private static func modelEntry(_ model: KerasModel, asLayer layer: KerasLayer?, in outer: KerasModel? = nil) -> JSONObject {
        var entry = JSONObject()
        if model.isSequential {
            var config = JSONObject()
            config["name"] = .string(model.name)
            config["trainable"] = true
            config["dtype"] = dtypePolicyFloat32
            var layers: [JSONValue] = []
            let inputShape = sequentialInputShape(model)
            let body = model.layers.filter { $0.className != "InputLayer" }
            let inputLayer = model.layers.first { $0.className == "InputLayer" }
            if let inputShape {
                let name = inputLayer?.name ?? uniqueName("input_layer", avoiding: Set(model.layers.map(\.name)))
                let dtype = inputLayer.flatMap { dtypeName($0.config["dtype"]) } ?? "float32"
                layers.append(.object(inputLayerEntry(name: name, shape: inputShape, dtype: dtype, sparse: inputLayer?.config["sparse"]?.bool ?? false, withNodes: false)))
            }
            for inner in body {
                var item = layerEntry(inner, in: model)
                item["name"] = nil
                item["inbound_nodes"] = nil
                layers.append(.object(item))
            }
            config["layers"] = .array(layers)
            if let inputShape { config["build_input_shape"] = shapeJSON(inputShape) }
            entry["module"] = "keras"
            entry["class_name"] = "Sequential"
            entry["config"] = .object(config)
            entry["registered_name"] = .null
            entry["build_config"] = .object(JSONObject([("input_shape", inputShape.map(shapeJSON) ?? .null)]))
            entry["compile_config"] = .object(JSONObject())
        } else {
            var config = JSONObject()
            config["name"] = .string(model.name)
            config["trainable"] = true
            let order = kerasOrder(model)
            config["layers"] = .array(order.map { .object(layerEntry(model.layers[$0], in: model)) })
            let inputs = model.inputs.isEmpty
                ? model.layers.filter { $0.className == "InputLayer" }.map { TensorReference(layer: $0.name, node: 0, tensor: 0) }
                : model.inputs
            config["input_layers"] = references(inputs.map { normalized($0, in: model) })
            config["output_layers"] = references(model.outputs.map { normalized($0, in: model) })
            entry["module"] = "keras.src.models.functional"
            entry["class_name"] = "Functional"
            entry["config"] = .object(config)
            entry["registered_name"] = "Functional"
            entry["build_config"] = .object(JSONObject([("input_shape", .null)]))
            entry["compile_config"] = .object(JSONObject())
        }
        if let layer, let outer {
            entry["name"] = .string(layer.name)
            entry["inbound_nodes"] = inboundNodes(layer, in: outer)
        }
        return entry
    }

    /// Keras 3 writes one input or output as a bare `[name, node, tensor]`, several as a list.
    private static func references(_ list: [TensorReference]) -> JSONValue {
        func triple(_ r: TensorReference) -> JSONValue { [.string(r.layer), .number(JSONNumber(r.node)), .number(JSONNumber(r.tensor))] }
        return list.count == 1 ? triple(list[0]) : .array(list.map(triple))
    }

    private static func sequentialInputShape(_ model: KerasModel) -> Shape? {
        if let input = model.layers.first(where: { $0.className == "InputLayer" }),
           let shape = (input.config["batch_shape"] ?? input.config["batch_input_shape"])?.array {
            return shape.map(\.int)
        }
        return model.layers.first { $0.className != "InputLayer" }?.inputShape
    }

    private static func uniqueName(_ prefix: String, avoiding used: Set<String>) -> String {
        var name = prefix
        var count = 0
        while used.contains(name) { count += 1; name = "\(prefix)_\(count)" }
        return name
    }

    // MARK: - Layers

    private static func inputLayerEntry(name: String, shape: Shape, dtype: String, sparse: Bool, withNodes: Bool) -> JSONObject {
        let config = JSONObject([("batch_shape", shapeJSON(shape)), ("dtype", .string(dtype)), ("sparse", .bool(sparse)),
                                 ("ragged", false), ("name", .string(name)), ("optional", false)])
        var entry = JSONObject([("module", "keras.layers"), ("class_name", "InputLayer"), ("config", .object(config)),
                                ("registered_name", .null)])
        if withNodes {
            entry["name"] = .string(name)
            entry["inbound_nodes"] = .array([])
        }
        return entry
    }

    /// One entry of a Functional's `layers` (a Sequential drops `name` and `inbound_nodes`).
    private static func layerEntry(_ layer: KerasLayer, in model: KerasModel) -> JSONObject {
        if let submodel = layer.submodel {
            return modelEntry(submodel, asLayer: layer, in: model)
        }
        if layer.className == "InputLayer" {
            let shape = (layer.config["batch_shape"] ?? layer.config["batch_input_shape"])?.array?.map(\.int) ?? layer.inputShape ?? [nil]
            return inputLayerEntry(name: layer.name, shape: shape, dtype: dtypeName(layer.config["dtype"]) ?? "float32",
                                   sparse: layer.config["sparse"]?.bool ?? false, withNodes: true)
        }
        var entry = JSONObject()
        entry["module"] = .string(layer.module.isEmpty ? (KerasLayerDefaults.shared[layer.className]?.module ?? "keras.layers") : layer.module)
        entry["class_name"] = .string(layer.className)
        var config = keras3Config(className: layer.className, layer.config)
        config["name"] = .string(layer.name)
        derive(&config, layer)
        entry["config"] = .object(nameFirst(config))
        entry["registered_name"] = layer.registeredName.map { .string($0) } ?? .null
        if let build = buildConfig(layer) { entry["build_config"] = build }
        entry["name"] = .string(layer.name)
        entry["inbound_nodes"] = inboundNodes(layer, in: model)
        return entry
    }

    private static func nameFirst(_ config: JSONObject) -> JSONObject {
        guard let name = config["name"] else { return config }
        var rest = config
        rest["name"] = nil
        return JSONObject([("name", name)] + rest.members)
    }

    /// Values Keras fills in when it makes or builds a layer, which its JSON then carries.
    private static func derive(_ config: inout JSONObject, _ layer: KerasLayer) {
        // A wrapper's inner layers are written built (their build_config inside the wrapper's).
        // A wrapped Sequential or Functional model is written as a model (Keras 3's form).
        if layer.className == "TimeDistributed", let sub = layer.wrapped.first, let submodel = sub.layer.submodel {
            config["layer"] = .object(modelEntry(submodel, asLayer: nil))
        } else if layer.className == "TimeDistributed", let sub = layer.wrapped.first, var inner = config["layer"]?.object,
           let build = buildConfig(sub.layer) {
            inner["build_config"] = build
            config["layer"] = .object(inner)
        }
        switch layer.className {
        case "LayerNormalization":
            // layer_normalization.py: build() turns an int axis into [axis] (a list is sorted).
            if let axis = config["axis"]?.int {
                config["axis"] = [.number(JSONNumber(axis))]
            } else if let list = config["axis"]?.array, list.allSatisfy({ $0.int != nil }) {
                config["axis"] = .array(list.sorted { ($0.int ?? 0) < ($1.int ?? 0) })
            }
        case "MultiHeadAttention":
            // keras/src/layers/attention/multi_head_attention.py: value_dim defaults to key_dim;
            // attention_axes to every axis between batch and features of the query.
            if config["value_dim"]?.isNull ?? true, let key = config["key_dim"] { config["value_dim"] = key }
            if config["attention_axes"]?.isNull ?? true, let query = layer.inputShapes.first, query.count >= 3 {
                config["attention_axes"] = .array((1..<(query.count - 1)).map { .number(JSONNumber($0)) })
            }
        case "Bidirectional":
            // get_config writes the forward copy as `layer` and the backward one as `backward_layer`
            // (bidirectional.py), named forward_<name> / backward_<name>.
            guard layer.wrapped.count == 2 else { return }
            for (key, sub) in zip(["layer", "backward_layer"], layer.wrapped) {
                guard var inner = config[key]?.object ?? config["layer"]?.object else { continue }
                var innerConfig = keras3Config(className: sub.layer.className, sub.layer.config)
                innerConfig["name"] = .string(sub.layer.name)
                if key == "backward_layer", layer.config["backward_layer"]?.object == nil {
                    innerConfig["go_backwards"] = .bool(!(innerConfig["go_backwards"]?.bool ?? false))
                }
                // bidirectional.py forces zero_output_for_mask = return_sequences on both copies.
                if innerConfig["zero_output_for_mask"] != nil {
                    innerConfig["zero_output_for_mask"] = .bool(innerConfig["return_sequences"]?.bool ?? false)
                }
                inner["config"] = .object(nameFirst(innerConfig))
                if let build = buildConfig(sub.layer) { inner["build_config"] = build }
                config[key] = .object(inner)
            }
        default:
            break
        }
    }

    /// Keras 3's `build_config`: `shapes_dict` for attention layers, else `input_shape` (one
    /// shape, or a list for several inputs).
    private static func buildConfig(_ layer: KerasLayer) -> JSONValue? {
        guard !layer.inputShapes.isEmpty, !layer.isOperation, KerasLayerDefaults.shared[layer.className]?.builds ?? true else { return nil }
        if KerasLayerDefaults.shared[layer.className]?.call == "args" || (LayerRegistry.kind(of: layer.className) == .attention) {
            var shapes = JSONObject()
            for (key, shape) in zip(["query_shape", "value_shape", "key_shape"], layer.inputShapes) { shapes[key] = shapeJSON(shape) }
            return .object(JSONObject([("shapes_dict", .object(shapes))]))
        }
        let shape = layer.inputShapes.count == 1 ? shapeJSON(layer.inputShapes[0]) : .array(layer.inputShapes.map(shapeJSON))
        return .object(JSONObject([("input_shape", shape)]))
    }

    private static func shapeJSON(_ shape: Shape) -> JSONValue {
        .array(shape.map { $0.map { .number(JSONNumber($0)) } ?? .null })
    }

    /// Keras 2 numbers a nested model's calls from 1 (node 0 is its own graph); Keras 3 from 0.
    private static func normalized(_ reference: TensorReference, in model: KerasModel) -> TensorReference {
        var result = reference
        if let producer = model.layer(named: reference.layer) { result.node = ModelGraph.node(of: reference, producer: producer) }
        return result
    }

    /// `inbound_nodes` as Keras 3 writes them: `{"args": [keras tensors], "kwargs": {}}` per call.
    private static func inboundNodes(_ layer: KerasLayer, in model: KerasModel) -> JSONValue {
        var nodes: [JSONValue] = []
        for (callIndex, call) in layer.calls.enumerated() {
            let tensors: [JSONValue] = call.enumerated().map { position, reference in
                let shape: Shape = callIndex == 0 && layer.inputShapes.count == call.count
                    ? layer.inputShapes[position] : (outputShape(of: reference, in: model) ?? [nil])
                let producer = model.layer(named: reference.layer)
                let dtype = producer?.className == "InputLayer" ? (dtypeName(producer?.config["dtype"]) ?? "float32") : "float32"
                let normal = normalized(reference, in: model)
                let config = JSONObject([("shape", shapeJSON(shape)), ("dtype", .string(dtype)),
                                         ("keras_history", [.string(normal.layer), .number(JSONNumber(normal.node)), .number(JSONNumber(normal.tensor))])])
                return .object(JSONObject([("class_name", "__keras_tensor__"), ("config", .object(config))]))
            }
            // Attention layers take (query, value, key) positionally; merges and other
            // multi-input layers take one list.
            let style = KerasLayerDefaults.shared[layer.className]?.call ?? ((LayerRegistry.kind(of: layer.className) == .attention) ? "args" : "one")
            let args: [JSONValue] = style == "args" || (style == "one" && tensors.count == 1) ? tensors : [.array(tensors)]
            nodes.append(.object(JSONObject([("args", .array(args)), ("kwargs", .object(callKwargs(layer, args: args)))])))
        }
        return .array(nodes)
    }

    /// The kwargs Keras records in a node (`training`, `mask`; per class, from
    /// Fixtures/spec/make_keras_defaults.py); a nested model records `mask`.
    private static func callKwargs(_ layer: KerasLayer, args: [JSONValue]) -> JSONObject {
        if layer.submodel != nil {
            guard args.count == 1 else { return JSONObject() }
            return JSONObject([("mask", args[0].array.map { .array(Array(repeating: .null, count: $0.count)) } ?? .null)])
        }
        return KerasLayerDefaults.shared[layer.className]?.kwargs ?? JSONObject()
    }

    /// The shape of a tensor, as some consumer's first call recorded it.
    private static func outputShape(of reference: TensorReference, in model: KerasModel) -> Shape? {
        for layer in model.layers {
            guard let call = layer.calls.first, layer.inputShapes.count == call.count else { continue }
            if let position = call.firstIndex(of: reference) { return layer.inputShapes[position] }
        }
        return nil
    }

    // MARK: - Keras 2 → Keras 3 configs

    private static func dtypeName(_ value: JSONValue?) -> String? {
        if let name = value?.string { return name }
        return value?["config"]?["name"]?.string
    }

    /// A layer config as Keras 3 takes it: keys Keras 3's class does not have are dropped (Keras 2's
    /// `batch_input_shape`, `time_major`, MultiHeadAttention's `query_shape`, …), missing keys get
    /// Keras 3's defaults, dtypes become `DTypePolicy`s, `axis: [3]` an int for BatchNormalization,
    /// and initializer/regularizer/constraint dicts get their `module`.
    static func keras3Config(className: String, _ config: JSONObject) -> JSONObject {
        let defaults = KerasLayerDefaults.shared[className]
        var result = JSONObject()
        if let defaults {
            result["name"] = config["name"]
            for member in defaults.config.members {
                result[member.key] = config[member.key] ?? member.value
            }
        } else {
            result = config
            for key in ["batch_input_shape", "batch_size", "time_major"] { result[key] = nil }
        }
        for member in result.members {
            let key = member.key, value = member.value
            if key == "dtype" {
                if let name = dtypeName(value), value.string != nil || value["module"] == nil { result[key] = policy(name) }
            } else if key == "axis", className == "BatchNormalization", let list = value.array, list.count == 1 {
                result[key] = list[0]
            } else if key.hasSuffix("_initializer") || key.hasSuffix("_regularizer") || key.hasSuffix("_constraint") {
                let module = key.hasSuffix("_initializer") ? "keras.initializers" : key.hasSuffix("_regularizer") ? "keras.regularizers" : "keras.constraints"
                if var object = value.object, object["module"] == nil, let name = object["class_name"] {
                    object = JSONObject([("module", .string(module)), ("class_name", name),
                                         ("config", object["config"] ?? .object(JSONObject())), ("registered_name", .null)])
                    result[key] = .object(object)
                }
            } else if key == "layer" || key == "backward_layer", let inner = value.object, let innerClass = inner["class_name"]?.string {
                var converted = keras3Config(className: innerClass, inner["config"]?.object ?? JSONObject())
                converted = nameFirst(converted)
                result[key] = .object(JSONObject([
                    ("module", inner["module"] ?? .string(KerasLayerDefaults.shared[innerClass]?.module ?? "keras.layers")),
                    ("class_name", .string(innerClass)), ("config", .object(converted)), ("registered_name", inner["registered_name"] ?? .null),
                ]))
            }
        }
        return result
    }

    // MARK: - Keras's layer order

    /// The indices of `model.layers` in the order Keras 3's `map_graph` puts them (and so
    /// `model.layers`): operations by decreasing depth from the outputs, ties by the order a
    /// depth-first walk from the outputs first meets them. Layers off the graph are left out,
    /// as Keras does; a model whose outputs are unknown keeps file order.
    static func kerasOrder(_ model: KerasModel) -> [Int] {
        let graph = model.graph
        struct Node: Hashable { var layer: Int; var call: Int }
        func parents(_ n: Node) -> [Node] {
            let calls = graph.calls[n.layer]
            guard calls.indices.contains(n.call) else { return [] }
            return calls[n.call].compactMap { $0.map { Node(layer: $0.producer, call: $0.node) } }
        }
        var finished: Set<Node> = []
        var inProgress: Set<Node> = []
        var decreasing: [Node] = []
        var operationIndex: [Int: Int] = [:]
        func build(_ n: Node) {
            if finished.contains(n) || inProgress.contains(n) { return }
            if operationIndex[n.layer] == nil { operationIndex[n.layer] = operationIndex.count }
            inProgress.insert(n)
            for parent in parents(n) { build(parent) }
            finished.insert(n)
            inProgress.remove(n)
            decreasing.append(n)
        }
        let outputs = graph.outputs.map { Node(layer: $0.producer, call: $0.node) }
        guard !outputs.isEmpty else { return Array(model.layers.indices) }
        for output in outputs { build(output) }
        var nodeDepth: [Node: Int] = [:]
        var layerDepth: [Int: Int] = [:]
        for n in decreasing.reversed() {
            let depth = max(nodeDepth[n] ?? 0, layerDepth[n.layer] ?? 0)
            layerDepth[n.layer] = depth
            nodeDepth[n] = depth
            for parent in parents(n) { nodeDepth[parent] = max(depth + 1, nodeDepth[parent] ?? 0) }
        }
        for input in graph.inputs where layerDepth[input] == nil {
            layerDepth[input] = 0
            operationIndex[input] = -1
        }
        let depths = Set(layerDepth.values).sorted(by: >)
        var order: [Int] = []
        for depth in depths {
            let atDepth = layerDepth.filter { $0.value == depth }.map(\.key)
            order += atDepth.sorted { (operationIndex[$0] ?? 0, $0) < (operationIndex[$1] ?? 0, $1) }
        }
        return order
    }
}
