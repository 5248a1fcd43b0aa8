/// Reads Keras model JSON (`model.to_json()`, or the `config.json` of a `.keras` archive) into a
/// `KerasModel`.
///
/// Keras 3 is the dialect this reader targets: `module`/`class_name`/`config` entries,
/// `build_config.input_shape`, and inbound nodes as `{"args": [keras tensors], "kwargs": {}}`.
/// Keras 2 inbound nodes (`[[name, node, tensor, kwargs]]`) and `Model` are accepted too, and so
/// is ckpt's compact spec (docs/spec.md), read through the Keras 3 JSON it stands for.
public struct KerasModelReader: Sendable {
    /// The file name used in error messages.
    public var file: String

    /// Creates a reader; `file` only labels error messages.
    public init(file: String = "") {
        self.file = file
    }

    /// Parses JSON text and reads the model in it.
    public func read(text: String) throws(ModelError) -> KerasModel {
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw ModelError(file: file, "malformed JSON at \(error.description)")
        }
        return try read(json: json)
    }

    /// Reads a model from parsed JSON.
    public func read(json: JSONValue) throws(ModelError) -> KerasModel {
        if CompactSpec.isCompact(json) {
            // The expanded spec is read once for its shapes, exported as Keras writes it (layers in
            // Keras's order), and that JSON is the model: the same graph as the exported file.
            let expanded = try CompactSpec(file: file).expand(json)
            let first = try read(json: expanded)
            var model = try read(json: KerasJSONExporter.export(first))
            let sources = Dictionary(first.layers.map { ($0.name, $0.jsonPath) }, uniquingKeysWith: { first, _ in first })
            for index in model.layers.indices {
                if let jsonPath = sources[model.layers[index].name] { model.layers[index].jsonPath = jsonPath }
            }
            return model
        }
        guard let root = json.object else {
            throw ModelError(file: file, "expected a JSON object with \"class_name\" and \"config\" at the top level")
        }
        var model = try readModel(root, path: "$")
        do {
            try ModelShapes.infer(&model)
        } catch {
            throw ModelError(file: file, error.message)
        }
        return model
    }

    private func fail(_ message: String) -> ModelError {
        ModelError(file: file, message)
    }

    private func readModel(_ object: JSONObject, path: String) throws(ModelError) -> KerasModel {
        guard let rawClass = object["class_name"]?.string else {
            throw fail("\(path): missing \"class_name\"; is this a Keras model JSON (model.to_json())?")
        }
        let className = rawClass == "Model" ? "Functional" : rawClass
        guard className == "Functional" || className == "Sequential" else {
            throw fail("\(path): the top-level class is \"\(rawClass)\", expected a Functional or Sequential model")
        }
        guard let config = object["config"]?.object else {
            throw fail("\(path).config: missing or not an object")
        }
        guard let layerValues = config["layers"]?.array else {
            throw fail("\(path).config.layers: missing or not a list")
        }
        let name = config["name"]?.string ?? object["name"]?.string ?? className.lowercased()
        var layers: [KerasLayer] = []
        var seen: [String: String] = [:]
        for (index, value) in layerValues.enumerated() {
            let layerPath = "\(path).config.layers[\(index)]"
            guard let entry = value.object else { throw fail("\(layerPath): expected a layer object") }
            let layer = try readLayer(entry, path: layerPath, index: index, sequential: className == "Sequential")
            if let previous = seen[layer.name] {
                throw fail("duplicate layer name \"\(layer.name)\" at \(layerPath) and \(previous)")
            }
            seen[layer.name] = layerPath
            layers.append(layer)
        }
        var outputs: [TensorReference] = []
        var inputs: [TensorReference] = []
        if className == "Functional" {
            if let inputValue = config["input_layers"] {
                inputs = try readReferenceList(inputValue, path: "\(path).config.input_layers")
            }
            guard let outputValue = config["output_layers"] else {
                throw fail("\(path).config.output_layers: missing")
            }
            outputs = try readReferenceList(outputValue, path: "\(path).config.output_layers")
            for reference in outputs where seen[reference.layer] == nil {
                throw fail("\(path).config.output_layers names layer \"\(reference.layer)\", which the model does not have")
            }
            for layer in layers {
                for call in layer.calls {
                    for reference in call where seen[reference.layer] == nil {
                        throw fail("\(layer.label) takes its input from layer \"\(reference.layer)\", which the model does not have")
                    }
                }
            }
        }
        var model = KerasModel(name: name, className: className, layers: layers, outputs: outputs)
        model.inputs = inputs
        return model
    }

    private func readLayer(_ entry: JSONObject, path: String, index: Int, sequential: Bool) throws(ModelError) -> KerasLayer {
        guard let rawClass = entry["class_name"]?.string else { throw fail("\(path): missing \"class_name\"") }
        let config = entry["config"]?.object ?? JSONObject()
        guard let name = entry["name"]?.string ?? config["name"]?.string else {
            throw fail("\(path) (\(rawClass)): missing layer \"name\"")
        }
        var layer = KerasLayer(
            name: name,
            className: rawClass == "Model" ? "Functional" : rawClass,
            module: entry["module"]?.string ?? "",
            registeredName: entry["registered_name"]?.string,
            config: config,
            inputShapes: [],
            inputShapeSource: "",
            calls: [],
            submodel: nil,
            // A compact spec's layers carry their place in the spec file, for messages.
            jsonPath: entry["ckpt_source"]?.string ?? path
        )
        if layer.className == "Functional" || layer.className == "Sequential" {
            layer.submodel = try readModel(entry, path: path)
        }
        if let nodes = entry["inbound_nodes"]?.array {
            for (nodeIndex, node) in nodes.enumerated() {
                layer.calls.append(try readCall(node, path: "\(path).inbound_nodes[\(nodeIndex)]"))
                layer.callOptions.append(Self.callOptions(node))
            }
        }
        // Input shapes: build_config is authoritative; else the shapes carried by the inbound tensors.
        if let buildShape = entry["build_config"]?["input_shape"], !buildShape.isNull {
            layer.inputShapes = try readShapes(buildShape, path: "\(path).build_config.input_shape")
            layer.inputShapeSource = "build_config"
        } else if let named = entry["build_config"]?["shapes_dict"]?.object {
            // Attention layers: {"query_shape": [...], "value_shape": [...], "key_shape": [...] or absent}.
            for member in named.members where !member.value.isNull {
                let shapes = try readShapes(member.value, path: "\(path).build_config.shapes_dict.\(member.key)")
                guard shapes.count == 1 else { throw fail("\(path).build_config.shapes_dict.\(member.key): expected one shape") }
                layer.namedInputShapes[member.key] = shapes[0]
                layer.inputShapes.append(shapes[0])
            }
            layer.inputShapeSource = "build_config"
        } else if let nodes = entry["inbound_nodes"]?.array, let first = nodes.first,
                  let shapes = inboundShapes(first), !shapes.isEmpty {
            layer.inputShapes = shapes
            layer.inputShapeSource = "inbound tensor shapes"
        } else if layer.className == "InputLayer" {
            let shape = config["batch_shape"] ?? config["batch_input_shape"]
            if let shape, !shape.isNull {
                layer.inputShapes = try readShapes(shape, path: "\(path).config.batch_shape")
                layer.inputShapeSource = "batch_shape"
            }
        }
        // Keras 2 MultiHeadAttention: build_config.input_shape is the query's shape alone; the
        // config's query_shape/value_shape/key_shape give every input.
        if layer.inputShapes.count == 1, let call = layer.calls.first, call.count > 1,
           let query = config["query_shape"], let value = config["value_shape"], !query.isNull, !value.isNull {
            var named: [(String, JSONValue)] = [("query_shape", query), ("value_shape", value)]
            if call.count > 2, let key = config["key_shape"], !key.isNull { named.append(("key_shape", key)) }
            layer.inputShapes = []
            layer.namedInputShapes = [:]
            for (key, shapeValue) in named {
                let shapes = try readShapes(shapeValue, path: "\(path).config.\(key)")
                guard shapes.count == 1 else { throw fail("\(path).config.\(key): expected one shape") }
                layer.inputShapes.append(shapes[0])
                layer.namedInputShapes[key] = shapes[0]
            }
            layer.inputShapeSource = "config (Keras 2 query_shape, value_shape)"
        }
        layer.wrapped = try readWrapped(layer, path: path)
        return layer
    }

    /// The inner layers of a wrapper, named and shaped as Keras builds them.
    private func readWrapped(_ wrapper: KerasLayer, path: String) throws(ModelError) -> [KerasSubLayer] {
        guard wrapper.className == "Bidirectional" || wrapper.className == "TimeDistributed" else { return [] }
        guard let innerEntry = wrapper.config["layer"]?.object else {
            throw fail("\(wrapper.label): config \"layer\" should be the wrapped layer's {\"class_name\", \"config\"}")
        }
        // The inner layer's input: TimeDistributed drops the time axis; Bidirectional passes it on.
        var innerShape = wrapper.inputShape
        if wrapper.className == "TimeDistributed", let shape = innerShape {
            guard shape.count >= 3 else {
                throw fail("\(wrapper.label): TimeDistributed needs an input of rank 3 or more (batch, time, …), got \(ShapeText.describe(shape))")
            }
            innerShape = [shape[0]] + shape.dropFirst(2)
        }
        func inner(_ entry: JSONObject, key: String, name rename: ((String) -> String)?) throws(ModelError) -> KerasSubLayer {
            var layer = try readLayer(entry, path: "\(path).config.\(key == "backward_layer" ? "backward_layer" : "layer")",
                                      index: 0, sequential: false)
            if let rename {
                layer.name = rename(layer.name)
                var config = layer.config
                config["name"] = .string(layer.name)
                layer.config = config
            }
            if layer.inputShapes.isEmpty, let innerShape {
                layer.inputShapes = [innerShape]
                layer.inputShapeSource = "the input shape of \(wrapper.label)"
            }
            layer.jsonPath = "\(path).config.\(key == "backward_layer" ? "backward_layer" : "layer")"
            return KerasSubLayer(key: key, layer: layer)
        }
        if wrapper.className == "TimeDistributed" {
            return [try inner(innerEntry, key: "layer", name: nil)]
        }
        // keras/src/layers/rnn/bidirectional.py: forward is renamed "forward_<name>"; without a
        // backward_layer the backward one is a copy named "backward_<name>" (go_backwards flipped).
        func strip(_ name: String, _ prefix: String) -> String { name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name }
        let forward = try inner(innerEntry, key: "forward_layer", name: { "forward_" + strip($0, "forward_") })
        let backward: KerasSubLayer
        if let backwardEntry = wrapper.config["backward_layer"]?.object {
            backward = try inner(backwardEntry, key: "backward_layer", name: nil)
        } else {
            backward = try inner(innerEntry, key: "backward_layer", name: { "backward_" + strip($0, "backward_") })
        }
        return [forward, backward]
    }

    /// One call of a layer: Keras 3 `{"args": [...], "kwargs": {...}}` or Keras 2 `[[name, node, tensor, kwargs], ...]`.
    private func readCall(_ node: JSONValue, path: String) throws(ModelError) -> [TensorReference] {
        var references: [TensorReference] = []
        if let object = node.object {
            collectHistories(.array(object["args"]?.array ?? []), into: &references)
            if let kwargs = object["kwargs"] { collectHistories(kwargs, into: &references) }
        } else if let list = node.array {
            for item in list {
                guard let triple = item.array, triple.count >= 3, let layer = triple[0].string,
                      let nodeIndex = triple[1].int, let tensorIndex = triple[2].int else {
                    throw fail("\(path): expected [layer_name, node_index, tensor_index, kwargs] entries")
                }
                references.append(TensorReference(layer: layer, node: nodeIndex, tensor: tensorIndex))
                // Keras 2 passes an attention layer's other inputs as call kwargs:
                // ["query", 0, 0, {"value": ["value", 0, 0], "key": [...]}].
                if triple.count >= 4, let kwargs = triple[3].object {
                    for key in ["value", "key"] {
                        if let other = kwargs[key]?.array, other.count >= 3, let name = other[0].string,
                           let otherNode = other[1].int, let otherTensor = other[2].int {
                            references.append(TensorReference(layer: name, node: otherNode, tensor: otherTensor))
                        }
                    }
                }
            }
        } else {
            throw fail("\(path): expected an inbound node object or list")
        }
        return references
    }

    /// A Keras 3 call's plain keyword arguments (`{"reverse": true}`, `{"training": false}`): the
    /// `kwargs` members that hold no tensor. Keras 2 calls give none.
    static func callOptions(_ node: JSONValue) -> JSONObject {
        var options = JSONObject()
        guard let kwargs = node.object?["kwargs"]?.object else { return options }
        func holdsTensor(_ value: JSONValue) -> Bool {
            switch value {
            case .array(let items): return items.contains(where: holdsTensor)
            case .object(let object):
                return object["class_name"]?.string == "__keras_tensor__" || object.members.contains { holdsTensor($0.value) }
            default: return false
            }
        }
        for member in kwargs.members where !holdsTensor(member.value) { options[member.key] = member.value }
        return options
    }

    /// Finds every `keras_history` in a call's arguments (they can be nested in lists and dicts).
    private func collectHistories(_ value: JSONValue, into references: inout [TensorReference]) {
        switch value {
        case .array(let items):
            for item in items { collectHistories(item, into: &references) }
        case .object(let object):
            if object["class_name"]?.string == "__keras_tensor__",
               let history = object["config"]?["keras_history"]?.array, history.count >= 3,
               let layer = history[0].string, let node = history[1].int, let tensor = history[2].int {
                references.append(TensorReference(layer: layer, node: node, tensor: tensor))
            } else {
                for member in object.members { collectHistories(member.value, into: &references) }
            }
        default:
            break
        }
    }

    private func inboundShapes(_ node: JSONValue) -> [[Int?]]? {
        guard let args = node["args"]?.array else { return nil }
        var shapes: [[Int?]] = []
        func collect(_ value: JSONValue) {
            if let object = value.object, object["class_name"]?.string == "__keras_tensor__",
               let shape = object["config"]?["shape"]?.array {
                shapes.append(shape.map { $0.int })
            } else if let items = value.array {
                items.forEach(collect)
            }
        }
        args.forEach(collect)
        return shapes
    }

    private func readReferenceList(_ value: JSONValue, path: String) throws(ModelError) -> [TensorReference] {
        guard let items = value.array else { throw fail("\(path): expected a list") }
        // Keras 3 writes a bare [name, node, tensor] for a single tensor.
        if items.count >= 3, let name = items[0].string, let node = items[1].int, let tensor = items[2].int {
            return [TensorReference(layer: name, node: node, tensor: tensor)]
        }
        var references: [TensorReference] = []
        for (index, item) in items.enumerated() {
            guard let triple = item.array, triple.count >= 3, let name = triple[0].string,
                  let node = triple[1].int, let tensor = triple[2].int else {
                throw fail("\(path)[\(index)]: expected [layer_name, node_index, tensor_index]")
            }
            references.append(TensorReference(layer: name, node: node, tensor: tensor))
        }
        return references
    }

    /// A shape (`[null, 32, 32, 3]`), a list of shapes, or a dict of shapes (`{"query_shape": ...}`).
    private func readShapes(_ value: JSONValue, path: String) throws(ModelError) -> [[Int?]] {
        func dimension(_ value: JSONValue, _ where_: String) throws(ModelError) -> Int? {
            if value.isNull { return nil }
            guard let size = value.int, size >= 0 else { throw fail("\(where_): expected a non-negative integer or null dimension") }
            return size
        }
        if let object = value.object {
            var shapes: [[Int?]] = []
            for member in object.members {
                shapes.append(contentsOf: try readShapes(member.value, path: "\(path).\(member.key)"))
            }
            return shapes
        }
        guard let items = value.array else { throw fail("\(path): expected a shape list") }
        if items.contains(where: { $0.array != nil || $0.object != nil }) {
            var shapes: [[Int?]] = []
            for (index, item) in items.enumerated() {
                shapes.append(contentsOf: try readShapes(item, path: "\(path)[\(index)]"))
            }
            return shapes
        }
        var shape: [Int?] = []
        for (index, item) in items.enumerated() {
            shape.append(try dimension(item, "\(path)[\(index)]"))
        }
        return [shape]
    }
}
