/// JSON forms of `ckpt inspect` and `ckpt diff` (schemas in docs/cli.md).
extension InspectReport {
    /// The report as JSON.
    public var json: JSONValue {
        var root = JSONObject()
        root["path"] = .string(path)
        root["format"] = .string(format.rawValue)
        var meta = JSONObject()
        for (key, value) in metadata { meta[key] = .string(value) }
        root["metadata"] = .object(meta)
        root["model_config"] = modelConfig.map { (try? JSONParser.parse($0)) ?? .string($0) } ?? .null
        if let modelConfigError { root["model_config_error"] = .string(modelConfigError) }
        root["recipe"] = recipe.map { (try? JSONParser.parse($0)) ?? .string($0) } ?? .null
        root["tensors"] = .array(tensors.map { tensor in
            var item = JSONObject()
            item["name"] = .string(tensor.info.name)
            item["location"] = .string(tensor.location)
            item["dtype"] = .string(tensor.info.dtype.rawValue)
            item["shape"] = .array(tensor.info.shape.map { .number(JSONNumber($0)) })
            item["bytes"] = .number(JSONNumber(tensor.info.byteCount))
            if let s = tensor.statistics {
                func number(_ x: Double) -> JSONValue { x.isNaN ? .null : .number(JSONNumber(x)) }
                item["mean"] = number(s.mean)
                item["std"] = number(s.standardDeviation)
                item["min"] = number(s.minimum)
                item["max"] = number(s.maximum)
                item["nan"] = .number(JSONNumber(s.nanCount))
                item["inf"] = .number(JSONNumber(s.infinityCount))
            }
            return .object(item)
        })
        return .object(root)
    }
}

extension DiffReport {
    /// The report as JSON.
    public var json: JSONValue {
        var root = JSONObject()
        root["equal"] = .bool(isEqual)
        root["tensors"] = .array(tensors.map { tensor in
            var item = JSONObject()
            item["name"] = .string(tensor.name)
            item["status"] = .string(tensor.status.rawValue)
            func describe(_ info: TensorInfo?) -> JSONValue {
                guard let info else { return .null }
                var object = JSONObject()
                object["dtype"] = .string(info.dtype.rawValue)
                object["shape"] = .array(info.shape.map { .number(JSONNumber($0)) })
                return .object(object)
            }
            item["a"] = describe(tensor.a)
            item["b"] = describe(tensor.b)
            item["max_abs"] = tensor.maxAbsolute.isFinite ? .number(JSONNumber(tensor.maxAbsolute)) : .string("inf")
            item["max_rel"] = tensor.maxRelative.isFinite ? .number(JSONNumber(tensor.maxRelative)) : .string("inf")
            item["mismatched_elements"] = .number(JSONNumber(tensor.mismatchedElements))
            return .object(item)
        })
        return .object(root)
    }
}
