import Foundation

/// A depth-aware initialization scheme applied by name (docs/rules.md "Schemes"): it finds its
/// tensors through the model's residual branches and sets or scales their initializers.
public struct Scheme: Sendable {
    /// The schemes ckpt knows.
    public enum Kind: String, Sendable, CaseIterable {
        /// GPT-2 / Megatron: each branch's output projection × 1/√(2·n_layers).
        case gpt2Residual = "gpt2_residual"
        /// Fixup: zero the last layer of every branch and the classifier, He (fan_out) × L^(−1/(2m−2)) on the rest.
        case fixup
        /// T-Fixup: Xavier, embeddings N(0, d^−½), v/o/MLP × 0.67·N^(−1/4) (decoder: (9N)^(−1/4)).
        case tFixup = "t_fixup"
        /// DeepNet / DeepNorm: Xavier normal, gain β = (8N)^(−1/4) on v/o/FFN.
        case deepnet
        /// Goyal et al. / torchvision `zero_init_residual`: the last normalization γ of each branch = 0.
        case zeroGamma = "zero_gamma"
        /// ZerO: deterministic identity/Hadamard kernels, the last layer of each branch zero.
        case zerO = "zer_o"

        static let aliases: [String: Kind] = [
            "gpt2": .gpt2Residual, "megatron": .gpt2Residual, "megatron_residual": .gpt2Residual,
            "t-fixup": .tFixup, "tfixup": .tFixup, "deepnorm": .deepnet, "zero_init_residual": .zeroGamma,
            "zero-gamma": .zeroGamma, "zero_init": .zerO, "ZerO": .zerO,
        ]

        init?(name: String) {
            if let kind = Kind(rawValue: name) ?? Kind.aliases[name] ?? Kind.aliases[name.lowercased()] {
                self = kind
            } else {
                return nil
            }
        }

        /// The parameters the scheme accepts.
        var parameters: [String] {
            switch self {
            case .gpt2Residual: return ["n_layers"]
            case .fixup: return ["n_branches", "classifier"]
            case .tFixup: return ["n_layers", "decoder"]
            case .deepnet: return ["n_layers", "architecture"]
            case .zeroGamma, .zerO: return []
            }
        }
    }

    /// Which scheme.
    public var kind: Kind
    /// Its parameters as given.
    public var parameters: JSONObject
    /// Where it came from: `scheme 1 of rules.json` or `--scheme 'gpt2_residual:n_layers=12'`.
    public var origin: String
    /// Where it is, for errors.
    public var location: String

    /// Reads a scheme: `{"name": "gpt2_residual", "n_layers": 12}` or `"zero_gamma"`.
    static func parse(name: String, parameters: JSONObject, origin: String, location: String) throws(RuleError) -> Scheme {
        guard let kind = Kind(name: name) else {
            let suggestions = Suggestions.closest(to: name, among: Kind.allCases.map(\.rawValue), limit: 2)
            throw RuleError(location, "unknown scheme \"\(name)\"" + (suggestions.isEmpty ? "" : " (did you mean \(suggestions.joined(separator: " or "))?)")
                + "; known: " + Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        for key in parameters.keys where !kind.parameters.contains(key) {
            throw RuleError(location, "scheme \(kind.rawValue) has no parameter \"\(key)\""
                + (kind.parameters.isEmpty ? " (it takes none)" : "; it takes " + kind.parameters.joined(separator: ", ")))
        }
        let scheme = Scheme(kind: kind, parameters: parameters, origin: origin, location: location)
        for key in ["n_layers", "n_branches"] {
            if let value = parameters[key], (value.double ?? 0) <= 0 {
                throw RuleError(location, "\(kind.rawValue): \"\(key)\" must be a positive number, not \(JSONWriter.string(value, style: .compact))")
            }
        }
        for key in ["classifier", "decoder"] {
            if let value = parameters[key], value.bool == nil {
                throw RuleError(location, "\(kind.rawValue): \"\(key)\" must be true or false")
            }
        }
        if let value = parameters["architecture"], !["encoder", "decoder"].contains(value.string ?? "") {
            throw RuleError(location, "deepnet: \"architecture\" must be \"encoder\" or \"decoder\" (encoder–decoder models need the encoder/decoder split, not supported)")
        }
        return scheme
    }

    /// Parses `--scheme` text: `NAME[:key=value,...]`.
    static func parse(flag text: String) throws(RuleError) -> Scheme {
        let location = "--scheme '\(text)'"
        let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        var parameters = JSONObject()
        if parts.count == 2 {
            for item in parts[1].split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, !pair[0].isEmpty else { throw RuleError(location, "\"\(item)\" is not key=value") }
                switch pair[1] {
                case "true": parameters[pair[0]] = .bool(true)
                case "false": parameters[pair[0]] = .bool(false)
                default: parameters[pair[0]] = JSONNumber(text: pair[1]).map { .number($0) } ?? .string(pair[1])
                }
            }
        }
        return try parse(name: parts.first ?? "", parameters: parameters, origin: location, location: location)
    }

    /// The scheme as JSON, for the recipe.
    var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(kind.rawValue)
        for (key, value) in parameters.members { object[key] = value }
        return .object(object)
    }

    /// What a scheme does to one tensor.
    struct Effect {
        var initializer: Initializer?
        var scale: Double = 1
        var note: String
    }

    /// The scheme's effect on one tensor, or nil when the scheme leaves it alone.
    func effect(on tensor: RuleTensor, model: RuleModel) throws(RuleError) -> Effect? {
        func initializer(_ text: String) throws(RuleError) -> Initializer {
            do {
                return try Initializer.parse(ruleText: text)
            } catch {
                throw RuleError(location, "\(kind.rawValue): \(error)")
            }
        }
        func f(_ x: Double) -> String { NumberText.short(x) }
        let variable = tensor.variable
        let branches = tensor.branches
        let projectionOf = branches.first { $0.lastProjection == tensor.layer }
        let isProjection = projectionOf != nil && ResidualBranches.isOutputProjection(variable, className: tensor.className)
        let attentionCount = Double(max(1, model.branches.branches.reduce(0) { $0 + $1.attentionLayers.count }))
        // The schemes' roles come from what the class computes (its descriptor's kind).
        let layerKind = LayerRegistry.kind(of: tensor.className)
        let isAttention = layerKind == .attention
        let isMLP = !isAttention && variable.role == .kernel && layerKind.isLinear
            && branches.contains { $0.attentionLayers.isEmpty }
        switch kind {
        case .gpt2Residual:
            guard isProjection, let branch = projectionOf else { return nil }
            let n = parameters["n_layers"]?.double ?? Double(model.branches.branches.count) / 2
            let factor = 1 / (2 * n).squareRoot()
            return Effect(scale: factor, note: "output projection of the residual branch into \"\(branch.add)\" × 1/√(2·\(f(n))) = \(f(factor))")
        case .fixup:
            let count = parameters["n_branches"]?.double ?? Double(model.branches.branches.count)
            if isProjection, let branch = projectionOf {
                return Effect(initializer: try initializer("zeros"), note: "last layer of the residual branch into \"\(branch.add)\" → zeros")
            }
            if variable.role.isKernel, let branch = branches.first(where: { $0.kernelLayers.contains(tensor.layer) }), branch.kernelLayers.count >= 2 {
                let m = Double(branch.kernelLayers.count)
                let factor = pow(count, -1 / (2 * m - 2))
                return Effect(initializer: try initializer("kaiming_normal:mode=fan_out,nonlinearity=relu"), scale: factor,
                              note: "branch layer → He normal (fan_out) × L^(−1/(2m−2)) = \(f(count))^(−1/\(f(2 * m - 2))) = \(f(factor))")
            }
            if parameters["classifier"]?.bool ?? true, tensor.layer == model.classifier, variable.role == .kernel {
                return Effect(initializer: try initializer("zeros"), note: "classifier → zeros")
            }
            return nil
        case .zeroGamma:
            guard variable.role == .gamma, let branch = branches.first(where: { $0.lastNorm == tensor.layer }) else { return nil }
            return Effect(initializer: try initializer("zeros"), note: "last normalization of the residual branch into \"\(branch.add)\" → γ = 0")
        case .zerO:
            if isProjection, let branch = projectionOf {
                return Effect(initializer: try initializer("zeros"), note: "last layer of the residual branch into \"\(branch.add)\" → zeros")
            }
            let matrixLike = (layerKind == .dense || layerKind == .convolution) && variable.role == .kernel
                || variable.role == .pointwiseKernel
            guard matrixLike else { return nil }
            return Effect(initializer: try initializer("zer_o"), note: "→ ZerO (identity/Hadamard)")
        case .tFixup:
            let n = parameters["n_layers"]?.double ?? attentionCount
            let decoder = parameters["decoder"]?.bool ?? false
            let factor = decoder ? pow(9 * n, -0.25) : 0.67 * pow(n, -0.25)
            let formula = decoder ? "(9·\(f(n)))^(−1/4)" : "0.67·\(f(n))^(−1/4)"
            if variable.role == .embeddings, let d = variable.shape.last, d > 0 {
                let std = 1 / Double(d).squareRoot()
                return Effect(initializer: try initializer("random_normal:mean=0,stddev=\(std)"), scale: decoder ? factor : 1,
                              note: "input embeddings → N(0, d^(−1/2)), d = \(d)" + (decoder ? " × \(formula) = \(f(factor))" : ""))
            }
            guard variable.role.isKernel, isAttention || layerKind.isLinear else { return nil }
            let glorot = try initializer("glorot_uniform")
            if (isAttention && ResidualBranches.isValueOrOutput(variable)) || isMLP {
                return Effect(initializer: glorot, scale: factor,
                              note: "\(isAttention ? "value/output projection" : "MLP weight") → Xavier × \(formula) = \(f(factor))")
            }
            return Effect(initializer: glorot, note: "→ Xavier")
        case .deepnet:
            let n = parameters["n_layers"]?.double ?? attentionCount
            let beta = pow(8 * n, -0.25)
            let alpha = pow(2 * n, 0.25)
            if (isAttention && ResidualBranches.isValueOrOutput(variable)) || isMLP {
                return Effect(initializer: try initializer("xavier_normal:gain=\(beta)"),
                              note: "\(isAttention ? "v/out projection" : "FFN weight") → Xavier normal, gain β = (8·\(f(n)))^(−1/4) = \(f(beta)) (α = \(f(alpha)) is a forward-pass constant, not a weight)")
            }
            if isAttention, variable.role == .kernel, variable.nameInLayer == "query/kernel" || variable.nameInLayer == "key/kernel" {
                return Effect(initializer: try initializer("xavier_normal:gain=1"), note: "q/k projection → Xavier normal, gain 1")
            }
            return nil
        }
    }
}

/// What the rules see of one tensor.
struct RuleTensor {
    var name: String
    /// Canonical layer name.
    var layer: String
    var className: String
    var variable: VariableSpec
    var branches: [ResidualBranches.Branch]
}

/// What the rules and schemes know about the whole model.
struct RuleModel {
    var branches: ResidualBranches
    /// Canonical names of the weighted layers, in checkpoint order.
    var positions: [String: Int]
    var weightedCount: Int
    /// The last Dense layer on no residual branch (Fixup's classifier).
    var classifier: String?
}
