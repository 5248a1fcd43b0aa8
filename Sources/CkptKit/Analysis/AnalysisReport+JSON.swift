/// The JSON form of `ckpt analyze --json` (schema in docs/analyze.md). A figure that does not
/// apply to a layer is absent; a non-finite figure is null.
extension AnalysisReport {
    /// The report as JSON.
    public var json: JSONValue {
        func number(_ x: Double) -> JSONValue { x.isFinite ? .number(JSONNumber(x)) : .null }
        func shape(_ s: [Int]) -> JSONValue { .array(s.map { .number(JSONNumber($0)) }) }
        var root = JSONObject()
        root["model"] = .string(model)
        var input = JSONObject()
        input["weights"] = .string(weights)
        input["seed"] = .number(JSONNumber(Int(truncatingIfNeeded: seed)))
        input["batch_norm"] = .string(batchNorm)
        input["output_grad"] = .string(outputGrad)
        input["tensors"] = .array(inputs.map { item in
            var o = JSONObject()
            o["name"] = .string(item.name)
            o["shape"] = shape(item.shape)
            o["dtype"] = .string(item.dtype)
            o["source"] = .string(item.source)
            return .object(o)
        })
        root["input"] = .object(input)
        root["layers"] = .array(layers.map { layer in
            var o = JSONObject()
            o["name"] = .string(layer.name)
            o["class"] = .string(layer.className)
            o["output_shape"] = shape(layer.outputShape)
            var forward = JSONObject()
            forward["mean"] = number(layer.mean)
            forward["var"] = number(layer.variance)
            forward["avg_sq_ch_mean"] = number(layer.averageChannelSquaredMean)
            forward["avg_ch_var"] = number(layer.averageChannelVariance)
            if let d = layer.deadFraction { forward["dead_fraction"] = number(d) }
            if let s = layer.saturatedFraction { forward["saturated_fraction"] = number(s) }
            o["forward"] = .object(forward)
            if let g = layer.gradVariance {
                var backward = JSONObject()
                backward["var"] = number(g)
                o["backward"] = .object(backward)
            }
            if !layer.weights.isEmpty {
                o["weights"] = .array(layer.weights.map { w in
                    var item = JSONObject()
                    item["name"] = .string(w.name)
                    item["grad_var"] = number(w.gradVariance)
                    return .object(item)
                })
            }
            if let v = layer.predictedVariance, let chi = layer.predictedChi {
                var predicted = JSONObject()
                predicted["var"] = number(v)
                predicted["chi"] = number(chi)
                o["predicted"] = .object(predicted)
            }
            if let r = layer.residualBranch {
                var residual = JSONObject()
                residual["branch"] = .string(r.layer)
                residual["var"] = number(r.variance)
                residual["avg_ch_var"] = number(r.averageChannelVariance)
                o["residual"] = .object(residual)
            }
            return .object(o)
        })
        if let chiProduct { root["predicted_chi_product"] = number(chiProduct) }
        root["warnings"] = .array(warnings.map { w in
            var o = JSONObject()
            o["kind"] = .string(w.kind)
            o["layer"] = .string(w.layer)
            o["message"] = .string(w.message)
            return .object(o)
        })
        return .object(root)
    }

    private var chiProduct: Double? { predictedChiProduct }
}
