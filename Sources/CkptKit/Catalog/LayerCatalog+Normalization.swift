/// Normalization layers, PReLU and keras.applications' ConvNeXt `LayerScale`.
extension LayerCatalog {
    static func normalizationVariables(_ layer: KerasLayer, input: [Int?], reader: ConfigReader) throws(ModelError) -> [VariableSpec] {
        switch layer.className {
        case "BatchNormalization":
            let axes = try reader.axes(default: [-1], rank: input.count)
            guard axes.count == 1 else { throw ModelError("\(layer.label): BatchNormalization normalizes over one axis, got \(axes)") }
            let size = try reader.dimension(input, axes[0], "the normalized axis")
            var result: [VariableSpec] = []
            if try reader.bool("scale", default: true) {
                result.append(VariableSpec("gamma", [size], role: .gamma, initializerKey: "gamma_initializer", kerasDefault: "ones"))
            }
            if try reader.bool("center", default: true) {
                result.append(VariableSpec("beta", [size], role: .beta, initializerKey: "beta_initializer", kerasDefault: "zeros"))
            }
            result.append(VariableSpec("moving_mean", [size], role: .movingMean, trainable: false,
                                       initializerKey: "moving_mean_initializer", kerasDefault: "zeros"))
            result.append(VariableSpec("moving_variance", [size], role: .movingVariance, trainable: false,
                                       initializerKey: "moving_variance_initializer", kerasDefault: "ones"))
            return result
        case "LayerNormalization":
            let shape = try keptDimensions(reader, input: input, default: [-1])
            let rms = try reader.bool("rms_scaling", default: false)
            var result: [VariableSpec] = []
            if try reader.bool("scale", default: true) || rms {
                result.append(VariableSpec("gamma", shape, role: .gamma, initializerKey: "gamma_initializer", kerasDefault: "ones"))
            }
            if try reader.bool("center", default: true) && !rms {
                result.append(VariableSpec("beta", shape, role: .beta, initializerKey: "beta_initializer", kerasDefault: "zeros"))
            }
            return result
        case "GroupNormalization":
            let axes = try reader.axes(default: [-1], rank: input.count)
            guard axes.count == 1 else { throw ModelError("\(layer.label): GroupNormalization normalizes over one axis, got \(axes)") }
            let size = try reader.dimension(input, axes[0], "the grouped axis")
            let groups = try reader.int("groups", default: 32)
            guard groups >= 1, size % groups == 0 else {
                throw ModelError("\(layer.label): groups=\(groups) must divide the \(size) channels of axis \(axes[0])")
            }
            var result: [VariableSpec] = []
            if try reader.bool("scale", default: true) {
                result.append(VariableSpec("gamma", [size], role: .gamma, initializerKey: "gamma_initializer", kerasDefault: "ones"))
            }
            if try reader.bool("center", default: true) {
                result.append(VariableSpec("beta", [size], role: .beta, initializerKey: "beta_initializer", kerasDefault: "zeros"))
            }
            return result
        case "RMSNormalization":
            let shape = try keptDimensions(reader, input: input, default: [-1])
            return [VariableSpec("scale", shape, role: .gamma, initializerKey: nil, kerasDefault: "ones")]
        case "Normalization":
            // Only reached without `mean` in the config: Keras adapts mean, variance and an int32 count.
            var shape: [Int] = []
            if let axis = layer.config["axis"], !axis.isNull {
                shape = try keptDimensions(reader, input: input, default: [-1])
            }
            var count = VariableSpec("count", [], role: .count, trainable: false, initializerKey: nil, kerasDefault: "zeros")
            count.dtype = .int32
            return [
                VariableSpec("mean", shape, role: .movingMean, trainable: false, initializerKey: nil, kerasDefault: "zeros"),
                VariableSpec("variance", shape, role: .movingVariance, trainable: false, initializerKey: nil, kerasDefault: "ones"),
                count,
            ]
        case "PReLU":
            var shape: [Int] = []
            for axis in 1..<input.count { shape.append(try reader.dimension(input, axis, "input dimension \(axis)")) }
            var shared: [Int] = []
            if let single = layer.config["shared_axes"]?.int {
                shared = [single]
            } else if let list = layer.config["shared_axes"]?.array {
                for item in list {
                    guard let axis = item.int else { throw reader.fail("shared_axes", "an integer or a list of integers") }
                    shared.append(axis)
                }
            }
            for axis in shared {
                guard axis >= 1, axis < input.count else {
                    throw ModelError("\(layer.label): shared axis \(axis) is out of range for an input of rank \(input.count)")
                }
                shape[axis - 1] = 1
            }
            return [VariableSpec("alpha", shape, role: .alpha, initializerKey: "alpha_initializer", kerasDefault: "zeros")]
        case "LayerScale":
            // keras/src/applications/convnext.py: self.gamma = add_weight(shape=(projection_dim,),
            // initializer=Constant(init_values)); unnamed, so Keras calls it "variable".
            let dim = try reader.positiveInt("projection_dim")
            guard let value = layer.config["init_values"]?.double else { throw reader.fail("init_values", "a number") }
            let constant: JSONValue = .object(JSONObject([
                ("class_name", .string("Constant")),
                ("config", .object(JSONObject([("value", .number(JSONNumber(value)))]))),
            ]))
            var gamma = VariableSpec("variable", [dim], role: .scale, initializerKey: nil, kerasDefault: constant)
            gamma.nameInLayer = "gamma"
            return [gamma]
        default:
            throw ModelError("\(layer.label): no catalog entry")
        }
    }

    /// The input dimensions at the sorted normalized axes (LayerNormalization, RMSNormalization, Normalization).
    static func keptDimensions(_ reader: ConfigReader, input: [Int?], default axes: [Int]) throws(ModelError) -> [Int] {
        var shape: [Int] = []
        for axis in try reader.axes(default: axes, rank: input.count).sorted() {
            shape.append(try reader.dimension(input, axis, "normalized axis \(axis)"))
        }
        return shape
    }
}
