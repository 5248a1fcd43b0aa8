import Foundation

/// The plan as JSON, the schema of `ckpt plan --json` (documented in docs/cli.md).
extension Plan {
    /// The JSON document describing every tensor and the totals.
    public func json(seed: UInt64? = nil, options: PlanOptions? = nil) -> JSONValue {
        var root = JSONObject()
        root["ckpt_version"] = .string(CkptVersion.current)
        root["model"] = .string(modelName)
        if let seed { root["seed"] = .number(JSONNumber(text: String(seed)) ?? JSONNumber(0)) }
        if let options {
            root["fans"] = .string(options.effectiveFans.name)
            root["profile"] = options.profile.map { .string($0.rawValue) } ?? .null
            if let rules = options.rules, !rules.isEmpty { root["rules"] = rules.recipeJSON }
        }
        root["tensors"] = .array(entries.map { $0.json })
        if !warnings.isEmpty { root["warnings"] = .array(warnings.map(JSONValue.string)) }
        var totals = JSONObject()
        totals["tensors"] = .number(JSONNumber(entries.count))
        totals["parameters"] = .number(JSONNumber(parameterCount))
        totals["bytes"] = .number(JSONNumber(byteCount))
        root["totals"] = .object(totals)
        return .object(root)
    }
}

extension PlanEntry {
    /// One tensor of `ckpt plan --json`.
    public var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(name)
        object["keras_path"] = .string(kerasPath)
        object["layer"] = .string(layer)
        object["layer_class"] = .string(layerClass)
        object["variable"] = .string(variable)
        object["shape"] = .array(shape.map { .number(JSONNumber($0)) })
        object["dtype"] = .string(dtype.rawValue)
        object["role"] = .string(role.rawValue)
        object["trainable"] = .bool(trainable)
        object["fan_in"] = fansDefined ? .number(JSONNumber(fans.fanIn)) : .null
        object["fan_out"] = fansDefined ? .number(JSONNumber(fans.fanOut)) : .null
        object["fan_convention"] = .string(fanConvention.name)
        var initializerObject = JSONObject()
        initializerObject["name"] = .string(initializer.name)
        var parameters = JSONObject()
        for (key, value) in initializer.parameterList { parameters[key] = value }
        initializerObject["parameters"] = .object(parameters)
        initializerObject["dialect"] = .string(initializer.dialect.rawValue)
        object["initializer"] = .object(initializerObject)
        object["distribution"] = .string(fill.summary)
        object["scale"] = .number(JSONNumber(scale))
        if let moments = fill.expectedMoments(shape: shape) {
            object["expected_mean"] = .number(JSONNumber(moments.mean))
            object["expected_std"] = .number(JSONNumber(moments.std))
        } else {
            object["expected_mean"] = .null
            object["expected_std"] = .null
        }
        object["whole_tensor"] = .bool(fill.needsWholeTensor)
        if let bounds = fill.bounds {
            object["bounds"] = .array([.number(JSONNumber(bounds.lower)), .number(JSONNumber(bounds.upper))])
        } else {
            object["bounds"] = .null
        }
        object["reason"] = .string(reason)
        return .object(object)
    }
}

extension Distribution {
    /// The closed interval every value lies in, for bounded distributions.
    public var bounds: (lower: Double, upper: Double)? {
        switch self {
        case .constant(let value): return (value, value)
        case .uniform(let low, let high): return (low, high)
        case .truncatedNormal(_, _, let low, let high): return (low, high)
        case .normal: return nil
        }
    }

    /// A short human description: `U(-0.0625, 0.0625)`, `N(0, 0.05)`, `TN(0, 0.1; ±0.2)`.
    public var summary: String {
        func f(_ x: Double) -> String { NumberText.short(x) }
        switch self {
        case .constant(let value): return "= \(f(value))"
        case .uniform(let low, let high): return "U(\(f(low)), \(f(high)))"
        case .normal(let mean, let std): return "N(\(f(mean)), \(f(std)))"
        case .truncatedNormal(let mean, let std, let low, let high):
            return "TN(\(f(mean)), \(f(std)); [\(f(low)), \(f(high))])"
        }
    }
}

/// Compact number formatting for tables.
public enum NumberText {
    /// Up to 4 significant digits (`0.0625`, `1.5e-05`).
    public static func short(_ x: Double) -> String {
        if x == 0 { return "0" }
        // C's formatting in the C locale (as `String(format:)` gives here), without Foundation's
        // cost, which showed in planning 10 000 tensors.
        var buffer = [CChar](repeating: 0, count: 40)
        let count = buffer.withUnsafeMutableBufferPointer { out in
            withVaList([x]) { vsnprintf(out.baseAddress, out.count, "%.4g", $0) }
        }
        return String(decoding: buffer[0..<Int(max(0, min(count, 39)))].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A byte count in binary units with one decimal: `1.5 MiB`, `512 B`.
    public static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}

/// The version ckpt reports and records.
public enum CkptVersion {
    /// The current version.
    public static let current = "0.1.0"
}
