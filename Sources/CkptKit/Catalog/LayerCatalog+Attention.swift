/// MultiHeadAttention, GroupedQueryAttention, Attention and AdditiveAttention.
///
/// The projections are EinsumDense sub-layers saved under `query_dense`, `key_dense`, … (MHA) or
/// `_query_dense`, … (GQA); Keras names their variables `query/kernel`, `key/kernel`,
/// `value/kernel`, `attention_output/kernel` (and `gate/…` with `use_gate`). Rules: the
/// projections are linear inside the layer (activation table: linear → Glorot), the gate's
/// kernel has its sigmoid (→ Glorot).
extension LayerCatalog {
    static func attentionVariables(_ layer: KerasLayer) throws(ModelError) -> [VariableSpec] {
        let reader = ConfigReader(layer: layer)
        let gqa = layer.className != "MultiHeadAttention"
        guard let query = layer.namedInputShapes["query_shape"] ?? layer.inputShapes.first else {
            throw ModelError("\(layer.label) has no input shapes: the JSON has neither build_config.shapes_dict nor inbound tensor shapes (build the model before to_json())")
        }
        let value = layer.namedInputShapes["value_shape"] ?? (layer.inputShapes.count > 1 ? layer.inputShapes[1] : query)
        let key = layer.namedInputShapes["key_shape"] ?? (layer.inputShapes.count > 2 ? layer.inputShapes[2] : value)
        let queryDim = try reader.dimension(query, -1, "the query feature dimension")
        let keyDim = try reader.dimension(key, -1, "the key feature dimension")
        let valueDim = try reader.dimension(value, -1, "the value feature dimension")
        let useBias = try reader.bool("use_bias", default: true)
        let useGate = try reader.bool("use_gate", default: false)

        let queryHeads: Int, keyHeads: Int, headKey: Int, headValue: Int
        var output: [Int]
        if gqa {
            queryHeads = try reader.positiveInt("num_query_heads")
            keyHeads = try reader.positiveInt("num_key_value_heads")
            guard queryHeads % keyHeads == 0 else {
                throw ModelError("\(layer.label): num_query_heads (\(queryHeads)) must be a multiple of num_key_value_heads (\(keyHeads))")
            }
            headKey = try reader.positiveInt("head_dim")
            headValue = headKey
            output = [queryDim]
        } else {
            queryHeads = try reader.positiveInt("num_heads")
            keyHeads = queryHeads
            headKey = try reader.positiveInt("key_dim")
            headValue = try reader.int("value_dim", default: headKey)
            guard headValue > 0 else { throw reader.fail("value_dim", "a positive integer or null") }
            output = [queryDim]
            if let raw = layer.config["output_shape"], !raw.isNull {
                let shape = try outputShape(reader)
                var known: [Int] = []
                for size in shape {
                    guard let size else { throw reader.fail("output_shape", "known sizes") }
                    known.append(size)
                }
                output = known
            }
        }
        let prefix = gqa ? "_" : ""
        func projection(_ name: String, key sublayer: String, kernel: [Int], bias: [Int], semantics: FanSemantics,
                        activation: String = "linear") -> [VariableSpec] {
            var projection = VariableSpec("kernel", kernel, role: .kernel, initializerKey: "kernel_initializer",
                                          kerasDefault: "glorot_uniform", innerActivation: activation).with(semantics)
            // Keras' EinsumDense fans: axis 0 (query/key/value) or axes 0–1 (output) meet the input.
            let inputs = name == "attention_output" ? 2 : 1
            projection.fanAxes = (Array(0..<inputs), Array(inputs..<kernel.count))
            var result = [projection]
            if useBias {
                result.append(VariableSpec("bias", bias, role: .bias, initializerKey: "bias_initializer", kerasDefault: "zeros"))
            }
            return result.map { $0.inSublayer([sublayer], name: name) }
        }
        // Creation order (query, key, [gate], value, output) is Keras' weight order.
        var result = projection("query", key: prefix + "query_dense", kernel: [queryDim, queryHeads, headKey], bias: [queryHeads, headKey],
                                semantics: .attention(modelDim: queryDim, heads: queryHeads, headDim: headKey, isOutput: false))
        result += projection("key", key: prefix + "key_dense", kernel: [keyDim, keyHeads, headKey], bias: [keyHeads, headKey],
                             semantics: .attention(modelDim: keyDim, heads: keyHeads, headDim: headKey, isOutput: false))
        if useGate {
            // keras: `self._gate_dense` (no public property), sigmoid inside.
            result += projection("gate", key: "_gate_dense",
                                 kernel: [queryDim, queryHeads, headValue], bias: [queryHeads, headValue],
                                 semantics: .attention(modelDim: queryDim, heads: queryHeads, headDim: headValue, isOutput: false),
                                 activation: "sigmoid")
        }
        result += projection("value", key: prefix + "value_dense", kernel: [valueDim, keyHeads, headValue], bias: [keyHeads, headValue],
                             semantics: .attention(modelDim: valueDim, heads: keyHeads, headDim: headValue, isOutput: false))
        result += projection("attention_output", key: prefix + "output_dense", kernel: [queryHeads, headValue] + output, bias: output,
                             semantics: .attention(modelDim: ShapeArithmetic.byteCount(output, elementSize: 1) ?? Int.max, heads: queryHeads, headDim: headValue, isOutput: true))
        return result
    }

    /// Attention (`scale`, `concat_score_weight`) and AdditiveAttention (`scale`).
    static func dotAttentionVariables(_ layer: KerasLayer) throws(ModelError) -> [VariableSpec] {
        let reader = ConfigReader(layer: layer)
        if layer.className == "AdditiveAttention" {
            guard try reader.bool("use_scale", default: true) else { return [] }
            guard let query = layer.inputShapes.first else {
                throw ModelError("\(layer.label) has no input shapes: the JSON has neither build_config.input_shape nor inbound tensor shapes (build the model before to_json())")
            }
            let dim = try reader.dimension(query, -1, "the query feature dimension")
            return [VariableSpec("scale", [dim], role: .scale, initializerKey: nil, kerasDefault: "glorot_uniform")]
        }
        var result: [VariableSpec] = []
        if try reader.bool("use_scale", default: false) {
            result.append(VariableSpec("scale", [], role: .scale, initializerKey: nil, kerasDefault: "ones"))
        }
        switch layer.config["score_mode"]?.string ?? "dot" {
        case "dot": break
        case "concat":
            result.append(VariableSpec("concat_score_weight", [], role: .scale, initializerKey: nil, kerasDefault: "ones"))
        default: throw reader.fail("score_mode", "\"dot\" or \"concat\"")
        }
        return result
    }
}
