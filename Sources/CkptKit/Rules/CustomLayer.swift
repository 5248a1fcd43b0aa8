/// A layer class ckpt's catalog does not know, described in a rules file's `"layers"`: its
/// variables, their shapes from the config and input shape, default initializers and roles.
public struct CustomLayer: Sendable {
    /// One variable of the layer.
    public struct Variable: Sendable {
        public var name: String
        /// Each dimension: an integer, `input[-1]` (an axis of the input shape, batch first),
        /// `config.units` (an integer in the layer config), or a product of those (`config.units*4`).
        public var shape: [String]
        public var role: TensorRole
        public var trainable: Bool
        /// The default initializer (nil: the role's default).
        public var initializer: Initializer?
        public var initializerText: String?
        /// Keras `saving_lib` sub-layer keys when a sub-layer owns the variable (`["dense"]`).
        public var sublayer: [String]
    }

    /// The class name.
    public var className: String
    public var variables: [Variable]
    /// The rules file, for reasons and errors.
    public var path: String

    static func parse(_ value: JSONValue, className: String, path: String) throws(RuleError) -> CustomLayer {
        let location = "\(path): layers.\(className)"
        guard let items = value["variables"]?.array else {
            throw RuleError(location, "a custom layer needs \"variables\": a list of {\"name\", \"shape\", \"role\", \"initializer\"}")
        }
        var variables: [Variable] = []
        for (index, item) in items.enumerated() {
            let here = "\(location).variables[\(index)]"
            guard let object = item.object, let name = object["name"]?.string else { throw RuleError(here, "a variable needs \"name\"") }
            for key in object.keys where !["name", "shape", "role", "initializer", "trainable", "sublayer"].contains(key) {
                throw RuleError(here, "unknown key \"\(key)\"; a variable has name, shape, role, initializer, trainable, sublayer")
            }
            guard let dims = object["shape"]?.array else { throw RuleError(here, "\"shape\" must be a list of dimensions") }
            var shape: [String] = []
            for dim in dims {
                if let int = dim.int { shape.append(String(int)) } else if let text = dim.string { shape.append(text) } else {
                    throw RuleError(here, "a dimension is an integer or text such as \"input[-1]\" or \"config.units\"")
                }
            }
            let roleName = object["role"]?.string ?? "kernel"
            guard let role = TensorRole(rawValue: roleName) else {
                throw RuleError(here, "unknown role \"\(roleName)\"; roles: " + TensorRole.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var initializer: Initializer?
            let initializerText = object["initializer"]?.string
            if let initializerText {
                do {
                    initializer = try Initializer.parse(ruleText: initializerText)
                } catch {
                    throw RuleError(here, "\(error)")
                }
            }
            variables.append(Variable(
                name: name, shape: shape, role: role, trainable: object["trainable"]?.bool ?? true,
                initializer: initializer, initializerText: initializerText,
                sublayer: object["sublayer"]?.array?.compactMap(\.string) ?? []))
        }
        return CustomLayer(className: className, variables: variables, path: path)
    }

    /// The variables of `layer`, shapes resolved.
    func specs(for layer: KerasLayer) throws(ModelError) -> [VariableSpec] {
        var result: [VariableSpec] = []
        for variable in variables {
            var shape: [Int] = []
            for dim in variable.shape { shape.append(try resolve(dim, layer: layer, variable: variable.name)) }
            let fallback: JSONValue = variable.role == .gamma || variable.role == .movingVariance ? "ones"
                : (variable.role.isKernel || variable.role == .recurrentKernel ? "glorot_uniform" : "zeros")
            var spec = VariableSpec(variable.name, shape, role: variable.role, trainable: variable.trainable,
                                    initializerKey: nil, kerasDefault: fallback)
            spec.sublayer = variable.sublayer
            spec.ruleDefault = variable.initializer.map { ($0, "custom layer \(className) in \(RuleSet.displayName(path)): \(variable.name) → \(variable.initializerText ?? "")") }
            result.append(spec)
        }
        return result
    }

    private func resolve(_ text: String, layer: KerasLayer, variable: String) throws(ModelError) -> Int {
        var product = 1
        for factor in text.split(separator: "*").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            func fail(_ why: String) -> ModelError {
                ModelError("\(layer.label): variable \"\(variable)\" of custom layer \(className) (\(path)): dimension \"\(text)\": \(why)")
            }
            if let int = Int(factor) {
                product *= int
            } else if factor.hasPrefix("config.") {
                let key = String(factor.dropFirst("config.".count))
                guard let value = layer.config[key]?.int else { throw fail("the layer config has no integer \"\(key)\"") }
                product *= value
            } else if factor.hasPrefix("input["), factor.hasSuffix("]"), let axis = Int(factor.dropFirst(6).dropLast()) {
                guard let shape = layer.inputShapes.first else { throw fail("the layer's input shape is unknown") }
                let index = axis < 0 ? shape.count + axis : axis
                guard shape.indices.contains(index), let size = shape[index] else { throw fail("input axis \(axis) of \(shape) is not known") }
                product *= size
            } else {
                throw fail("expected an integer, config.KEY or input[AXIS], or a product of them")
            }
        }
        return product
    }
}
