/// ckpt's compact model spec (docs/spec.md): an input shape and a list of layers with Keras class
/// names and config keys, names optional, edges only where the model is not a plain stack.
///
/// `expand` turns it into Keras 3 Functional JSON with every config key filled from Keras's
/// defaults (`KerasLayerDefaults`) and Keras's automatic names; `KerasModelReader` reads that
/// like any `model.to_json()`, and `KerasJSONExporter` writes the final JSON with shapes.
struct CompactSpec {
    /// The file name used in error messages.
    var file: String

    /// Whether `json` is a compact spec rather than Keras JSON: a `ckpt_spec` key, or an object
    /// with `layers` and no `class_name` at the top level.
    static func isCompact(_ json: JSONValue) -> Bool {
        guard let root = json.object else { return false }
        return root["ckpt_spec"] != nil || (root["class_name"] == nil && root["layers"] != nil)
    }

    private func fail(_ message: String) -> ModelError { ModelError(file: file, message) }

    /// Auto names as Keras gives them: `dense`, `dense_1`, … per prefix, in creation order.
    private struct Names {
        var counters: [String: Int] = [:]
        var used: Set<String> = []
        mutating func next(_ prefix: String) -> String {
            while true {
                let count = counters[prefix, default: 0]
                counters[prefix] = count + 1
                let name = count == 0 ? prefix : "\(prefix)_\(count)"
                if !used.contains(name) { used.insert(name); return name }
            }
        }
    }

    private struct Input {
        var name: String
        var shape: [JSONValue]
        var dtype: String
        var path: String
    }

    /// The Keras 3 Functional JSON of a compact spec (configs complete, no shapes yet).
    func expand(_ json: JSONValue) throws(ModelError) -> JSONValue {
        guard let root = json.object else { throw fail("a compact spec is a JSON object") }
        if let version = root["ckpt_spec"], version.int != 1 {
            throw fail("ckpt_spec: this ckpt reads version 1 of the compact spec, found \(JSONWriter.string(version, style: .compact))")
        }
        let known: Set<String> = ["ckpt_spec", "name", "input", "inputs", "layers", "outputs", "description"]
        for key in root.keys where !known.contains(key) {
            throw fail("unknown top-level key \"\(key)\"\(Suggestions.hint(key, among: Array(known))) (expected \(known.sorted().joined(separator: ", ")))")
        }
        guard let layerValues = root["layers"]?.array, !layerValues.isEmpty else {
            throw fail("layers: expected a non-empty list of layers")
        }
        var names = Names()
        // Explicit names are taken first, so auto names skip them.
        let inputs = try readInputs(root, names: &names)
        var seen: [String: String] = [:]
        for input in inputs {
            if let previous = seen[input.name] { throw fail("duplicate name \"\(input.name)\" at \(input.path) and \(previous)") }
            seen[input.name] = input.path
        }
        for (index, value) in layerValues.enumerated() {
            if let name = try parseLayer(value, path: "layers[\(index)]").name {
                if let previous = seen[name] { throw fail("duplicate name \"\(name)\" at layers[\(index)] and \(previous)") }
                seen[name] = "layers[\(index)]"
                names.used.insert(name)
            }
        }
        // Auto-named inputs (Keras names them input_layer, input_layer_1, … as they are created).
        var namedInputs: [Input] = []
        for var input in inputs {
            if input.name.isEmpty { input.name = names.next("input_layer") }
            namedInputs.append(input)
        }

        var entries: [JSONValue] = namedInputs.map { input in
            var config = JSONObject()
            config["batch_shape"] = .array([.null] + input.shape)
            config["dtype"] = .string(input.dtype)
            config["sparse"] = false
            config["ragged"] = false
            config["name"] = .string(input.name)
            config["optional"] = false
            return .object(JSONObject([("module", "keras.layers"), ("class_name", "InputLayer"), ("config", .object(config)),
                                       ("registered_name", .null), ("name", .string(input.name)), ("inbound_nodes", .array([]))]))
        }
        // Every layer: its name, class and inputs; edges checked against the names in the file.
        var layerNames: [String] = []
        var layerEdges: [[String]] = []
        var previous = namedInputs.first?.name ?? ""
        var parsedLayers: [ParsedLayer] = []
        for (index, value) in layerValues.enumerated() {
            let path = "layers[\(index)]"
            var parsed = try parseLayer(value, path: path)
            let entry = try layerEntry(parsed, path: path, names: &names)
            let name = entry["name"]?.string ?? ""
            parsed.name = name
            let sources = parsed.inputs ?? [previous]
            guard !sources.isEmpty else { throw fail("\(label(parsed, path)): \"inputs\" is empty") }
            layerNames.append(name)
            layerEdges.append(sources)
            parsedLayers.append(parsed)
            entries.append(.object(entry))
            previous = name
        }
        let allNames = Set(namedInputs.map(\.name) + layerNames)
        for (index, sources) in layerEdges.enumerated() {
            for source in sources where !allNames.contains(source) {
                throw fail("\(label(parsedLayers[index], "layers[\(index)]")) takes its input from \"\(source)\", which is neither an input nor a layer of the spec\(Suggestions.hint(source, among: Array(allNames)))")
            }
        }
        try checkAcyclic(layerNames: layerNames, edges: layerEdges, parsed: parsedLayers)
        // The inbound nodes (shapes are added by the exporter, after shape inference).
        for (index, sources) in layerEdges.enumerated() {
            var entry = entries[namedInputs.count + index].object ?? JSONObject()
            let args: [JSONValue] = sources.map { source in
                .object(JSONObject([("class_name", "__keras_tensor__"),
                                    ("config", .object(JSONObject([("keras_history", [.string(source), 0, 0])])))]))
            }
            entry["inbound_nodes"] = .array([.object(JSONObject([("args", .array(args)), ("kwargs", .object(JSONObject()))]))])
            entries[namedInputs.count + index] = .object(entry)
        }
        // Outputs: named, or the last layer.
        var outputNames: [String] = [layerNames.last ?? ""]
        if let outputs = root["outputs"] {
            guard let list = outputs.array.map({ $0.compactMap(\.string) }) ?? outputs.string.map({ [$0] }), !list.isEmpty else {
                throw fail("outputs: expected a layer name or a list of layer names")
            }
            for name in list where !allNames.contains(name) {
                throw fail("outputs names \"\(name)\", which is not a layer of the spec\(Suggestions.hint(name, among: Array(allNames)))")
            }
            outputNames = list
        }
        func references(_ names: [String]) -> JSONValue {
            names.count == 1 ? [.string(names[0]), 0, 0] : .array(names.map { [.string($0), 0, 0] })
        }
        var config = JSONObject()
        let modelName = root["name"]?.string ?? "functional"
        config["name"] = .string(modelName)
        config["trainable"] = true
        config["layers"] = .array(entries)
        config["input_layers"] = references(namedInputs.map(\.name))
        config["output_layers"] = references(outputNames)
        return .object(JSONObject([
            ("module", "keras.src.models.functional"), ("class_name", "Functional"), ("config", .object(config)),
            ("registered_name", "Functional"), ("build_config", .object(JSONObject([("input_shape", .null)]))),
            ("compile_config", .object(JSONObject())),
        ]))
    }

    // MARK: - Inputs

    private func readInputs(_ root: JSONObject, names: inout Names) throws(ModelError) -> [Input] {
        if root["input"] != nil && root["inputs"] != nil { throw fail("give \"input\" (one input) or \"inputs\" (named inputs), not both") }
        if let single = root["input"] {
            var input = try readInput(single, name: nil, path: "input")
            if let name = single["name"]?.string { input.name = name; names.used.insert(name) }
            return [input]
        }
        guard let many = root["inputs"] else { throw fail("missing \"input\" (the input shape without the batch dimension, e.g. [28, 28, 1])") }
        if let object = many.object, !object.members.isEmpty {
            var result: [Input] = []
            for member in object.members {
                result.append(try readInput(member.value, name: member.key, path: "inputs.\(member.key)"))
                names.used.insert(member.key)
            }
            return result
        }
        if let list = many.array, !list.isEmpty {
            var result: [Input] = []
            for (index, item) in list.enumerated() {
                var input = try readInput(item, name: nil, path: "inputs[\(index)]")
                if let name = item["name"]?.string { input.name = name; names.used.insert(name) }
                result.append(input)
            }
            return result
        }
        throw fail("inputs: expected {\"name\": shape or {\"shape\": [...], \"dtype\": ...}, …}")
    }

    /// `[28, 28, 1]` or `{"shape": [null], "dtype": "int32", "name": "tokens"}`.
    private func readInput(_ value: JSONValue, name: String?, path: String) throws(ModelError) -> Input {
        let shapeValue = value.object?["shape"] ?? value
        guard let dims = shapeValue.array,
              dims.allSatisfy({ $0.isNull || ($0.int ?? -1) >= 0 }) else {
            throw fail("\(path): expected a shape without the batch dimension, like [28, 28, 1] or [null] (null: any length)")
        }
        let dtype = value.object?["dtype"]?.string ?? "float32"
        return Input(name: name ?? "", shape: dims, dtype: dtype, path: path)
    }

    // MARK: - Layers

    private struct ParsedLayer {
        var className: String
        var config: JSONObject
        var name: String?
        var inputs: [String]?
    }

    private func label(_ layer: ParsedLayer, _ path: String) -> String {
        "layer \(layer.name.map { "\"\($0)\" " } ?? "")(\(layer.className)) at \(path)"
    }

    /// `{"Dense": {"units": 8}}` (class as the one key; `name`/`inputs` inside or beside it) or
    /// `{"class": "Dense", "units": 8}`.
    private func parseLayer(_ value: JSONValue, path: String) throws(ModelError) -> ParsedLayer {
        guard let object = value.object else {
            throw fail("\(path): expected a layer like {\"Dense\": {\"units\": 8}} or {\"class\": \"Dense\", \"units\": 8}")
        }
        var className: String
        var config: JSONObject
        var outer = JSONObject()
        if let explicit = object["class"] {
            guard let name = explicit.string else { throw fail("\(path).class: expected a Keras class name") }
            className = name
            config = object
            config["class"] = nil
        } else {
            let classKeys = object.keys.filter { $0 != "name" && $0 != "inputs" }
            guard classKeys.count == 1, let key = classKeys.first else {
                throw fail("\(path): expected one Keras class name as the key (like {\"Dense\": {...}}), found \(classKeys.isEmpty ? "none" : classKeys.joined(separator: ", "))")
            }
            className = key
            guard let inner = object[key]?.object ?? (object[key]?.isNull == true ? JSONObject() : nil) else {
                throw fail("\(path).\(key): expected the layer's config as an object ({} for none)")
            }
            config = inner
            outer["name"] = object["name"]
            outer["inputs"] = object["inputs"]
        }
        var parsed = ParsedLayer(className: className, config: config)
        for key in ["name", "inputs"] {
            let value = config[key] ?? outer[key]
            parsed.config[key] = nil
            guard let value else { continue }
            if key == "name" {
                guard let name = value.string, !name.isEmpty else { throw fail("\(path).name: expected a non-empty string") }
                parsed.name = name
            } else if let single = value.string {
                parsed.inputs = [single]
            } else if let list = value.array, list.allSatisfy({ $0.string != nil }) {
                parsed.inputs = list.compactMap(\.string)
            } else {
                throw fail("\(path).inputs: expected a name or a list of names of earlier layers or inputs")
            }
        }
        return parsed
    }

    /// A full Keras 3 layer entry for a parsed layer, named (`names` is updated as Keras would).
    private func layerEntry(_ layer: ParsedLayer, path: String, names: inout Names) throws(ModelError) -> JSONObject {
        let defaults = KerasLayerDefaults.shared
        guard let entry = defaults[layer.className] else {
            throw fail("\(path): unknown layer class \"\(layer.className)\"\(Suggestions.hint(layer.className, among: defaults.classNames))")
        }
        var config = JSONObject()
        let given = layer.config
        for key in given.keys where entry.config[key] == nil {
            throw fail("\(label(layer, path)): unknown config key \"\(key)\"\(Suggestions.hint(key, among: entry.config.keys)) (\(layer.className) takes \(entry.config.keys.joined(separator: ", ")))")
        }
        for key in entry.required where given[key] == nil || given[key]?.isNull == true {
            throw fail("\(label(layer, path)): missing config key \"\(key)\" (\(layer.className) needs \(entry.required.joined(separator: ", ")))")
        }
        // Wrapped layers (a wrapper's `layer`, Bidirectional's `backward_layer`) are made, and so
        // named, before their wrapper, as in Keras code.
        var wrappedLayers: [String: JSONObject] = [:]
        for key in ["layer", "backward_layer"] {
            guard let inner = given[key], !inner.isNull else { continue }
            let parsed = try parseLayer(inner, path: "\(path).\(key)")
            var innerEntry = try layerEntry(parsed, path: "\(path).\(key)", names: &names)
            innerEntry["inbound_nodes"] = nil
            innerEntry["name"] = nil
            innerEntry["ckpt_source"] = nil
            wrappedLayers[key] = innerEntry
        }
        let name = layer.name ?? names.next(entry.snake)
        // Layers the layer makes inside (MultiHeadAttention's dropout, softmax) take names too.
        for inner in entry.innerNames {
            for _ in 0..<max(inner.count, 0) { _ = names.next(inner.prefix) }
        }
        config["name"] = .string(name)
        let rank = Int(String(layer.className.filter(\.isNumber)))
        for member in entry.config.members {
            var value = given[member.key].map(Self.pythonNumbers) ?? member.value
            if let wrapped = wrappedLayers[member.key] { value = .object(wrapped) }
            // `kernel_size: 3` → [3, 3], as Keras' get_config writes tuples.
            if let rank, ["kernel_size", "strides", "dilation_rate", "pool_size", "size", "output_padding"].contains(member.key),
               let single = value.int, member.value.array?.count ?? rank == rank || member.value.isNull {
                value = .array(Array(repeating: .number(JSONNumber(single)), count: rank))
            }
            config[member.key] = value
        }
        return JSONObject([("module", .string(entry.module)), ("class_name", .string(layer.className)),
                           ("config", .object(config)), ("registered_name", .null), ("name", .string(name)),
                           ("ckpt_source", .string(path))])
    }

    /// Throws when the edges have a cycle, naming the layers on it and where the first is.
    private func checkAcyclic(layerNames: [String], edges: [[String]], parsed: [ParsedLayer]) throws(ModelError) {
        let index = Dictionary(layerNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var state = [Int](repeating: 0, count: layerNames.count)
        func visit(_ i: Int, chain: [Int]) throws(ModelError) {
            if state[i] == 2 { return }
            if state[i] == 1 {
                let cycle = chain.drop { $0 != i } + [i]
                let text = cycle.map { layerNames[$0] }.joined(separator: " → ")
                throw fail("\(label(parsed[i], "layers[\(i)]")) is on a cycle: \(text)")
            }
            state[i] = 1
            for source in edges[i] {
                if let j = index[source] { try visit(j, chain: chain + [i]) }
            }
            state[i] = 2
        }
        for i in layerNames.indices { try visit(i, chain: []) }
    }

    /// Floats written as Python's `repr` writes them (`1e-06`, `0.5`), as Keras's JSON has them;
    /// integers stay integers.
    static func pythonNumbers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .number(let number) where number.text.contains(where: { ".eE".contains($0) }):
            let text = "\(number.double)"
            return .number(JSONNumber(text: text) ?? number)
        case .array(let items): return .array(items.map(pythonNumbers))
        case .object(let object): return .object(JSONObject(object.members.map { ($0.key, pythonNumbers($0.value)) }))
        default: return value
        }
    }
}
