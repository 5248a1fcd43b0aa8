/// Typed access to a layer's config with errors that name the layer and the key.
struct ConfigReader {
    let layer: KerasLayer

    private var config: JSONObject { layer.config }

    func fail(_ key: String, _ expected: String) -> ModelError {
        let found = config[key].map { JSONWriter.string($0, style: .compact) } ?? "nothing"
        return ModelError("\(layer.label): config \"\(key)\" should be \(expected), found \(found)")
    }

    func int(_ key: String, default value: Int) throws(ModelError) -> Int {
        guard let raw = config[key], !raw.isNull else { return value }
        guard let number = raw.int else { throw fail(key, "an integer") }
        return number
    }

    func positiveInt(_ key: String) throws(ModelError) -> Int {
        guard let number = config[key]?.int, number > 0 else { throw fail(key, "a positive integer") }
        return number
    }

    /// `a × b` for a dimension the catalog derives (an LSTM's 4 × units, a separable
    /// convolution's channels × depth_multiplier); an overflow is an error naming the layer, as
    /// the planner's size check would be, instead of a trap before it runs.
    func product(_ a: Int, _ b: Int, _ what: String) throws(ModelError) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else {
            throw ModelError("\(layer.label): \(what) (\(a) × \(b)) is too large (overflows a 64-bit integer)")
        }
        return product
    }

    func bool(_ key: String, default value: Bool) throws(ModelError) -> Bool {
        guard let raw = config[key], !raw.isNull else { return value }
        guard let flag = raw.bool else { throw fail(key, "true or false") }
        return flag
    }

    /// An int or a list of `rank` ints (`kernel_size: 3` or `[3, 3]`).
    func intTuple(_ key: String, rank: Int) throws(ModelError) -> [Int] {
        if let single = config[key]?.int, single > 0 { return Array(repeating: single, count: rank) }
        guard let list = config[key]?.array, list.count == rank else { throw fail(key, "\(rank) positive integers") }
        var values: [Int] = []
        for item in list {
            guard let value = item.int, value > 0 else { throw fail(key, "\(rank) positive integers") }
            values.append(value)
        }
        return values
    }

    /// The axis of the channels in an input of a `rank`-D convolution, from `data_format`.
    func channelAxis(rank: Int) throws(ModelError) -> Int {
        switch config["data_format"]?.string ?? "channels_last" {
        case "channels_last": return -1
        case "channels_first": return 1
        default: throw fail("data_format", "\"channels_last\" or \"channels_first\"")
        }
    }

    /// `axis` as a list of non-negative axes (`-1`, `[3]`, `[1, 2]`).
    func axes(default value: [Int], rank: Int) throws(ModelError) -> [Int] {
        var raw = value
        if let single = config["axis"]?.int {
            raw = [single]
        } else if let list = config["axis"]?.array {
            raw = []
            for item in list {
                guard let axis = item.int else { throw fail("axis", "an integer or a list of integers") }
                raw.append(axis)
            }
        } else if let present = config["axis"], !present.isNull {
            throw fail("axis", "an integer or a list of integers")
        }
        var result: [Int] = []
        for axis in raw {
            let normalized = axis < 0 ? axis + rank : axis
            guard normalized >= 1, normalized < rank else {
                throw ModelError("\(layer.label): axis \(axis) is out of range for an input of rank \(rank)")
            }
            result.append(normalized)
        }
        return result
    }

    /// A known dimension of the input shape (negative axes count from the end).
    func dimension(_ shape: [Int?], _ axis: Int, _ what: String) throws(ModelError) -> Int {
        let index = axis < 0 ? axis + shape.count : axis
        guard index >= 0, index < shape.count else {
            throw ModelError("\(layer.label): input shape \(ShapeText.describe(shape)) has no \(what)")
        }
        guard let size = shape[index] else {
            throw ModelError("\(layer.label): \(what) of input shape \(ShapeText.describe(shape)) is unknown (None)")
        }
        return size
    }

    /// The layer's own activation name, normalized (`value`, `"linear"` unless given, when absent).
    func activation(default value: String = "linear") throws(ModelError) -> String {
        guard let raw = config["activation"], !raw.isNull else { return value }
        if let name = raw.string { return ActivationTable.normalize(name) }
        // Keras may serialize an activation as {"class_name": ..., "config": ...} or a function dict.
        if let name = raw["config"]?.string ?? raw["class_name"]?.string ?? raw["config"]?["name"]?.string {
            return ActivationTable.normalize(name)
        }
        throw fail("activation", "an activation name")
    }
}

/// Formats shapes for messages: `(None, 32, 32, 3)`.
enum ShapeText {
    static func describe(_ shape: [Int?]) -> String {
        "(" + shape.map { $0.map(String.init) ?? "None" }.joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }

    static func describe(_ shape: [Int]) -> String { describe(shape.map { Optional($0) }) }
}
