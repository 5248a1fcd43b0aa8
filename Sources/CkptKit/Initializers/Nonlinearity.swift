import Foundation

/// A nonlinearity of PyTorch's gain table, `torch.nn.init.calculate_gain(nonlinearity, param)`.
///
/// Usable by name wherever ckpt takes a gain: `orthogonal:gain=tanh`, `xavier_uniform:gain=relu`,
/// `orthogonal:gain=leaky_relu(0.2)`, and `kaiming_normal:nonlinearity=leaky_relu,a=0.2`.
public enum Nonlinearity: String, Sendable, Hashable, CaseIterable {
    case linear
    case conv1d, conv2d, conv3d
    case convTranspose1d = "conv_transpose1d"
    case convTranspose2d = "conv_transpose2d"
    case convTranspose3d = "conv_transpose3d"
    case sigmoid
    case tanh
    case relu
    case leakyRelu = "leaky_relu"
    case selu

    /// The slope `leaky_relu` uses when no parameter is given (torch/nn/init.py).
    public static let defaultNegativeSlope = 0.01

    /// `calculate_gain(self, param)`, exactly as PyTorch computes it in float64: 1 for linear,
    /// the convolutions and sigmoid; 5/3 for tanh; √2 for relu; √(2/(1+slope²)) for leaky_relu
    /// (slope = `param`, default 0.01); 3/4 for selu. `param` is ignored by the others.
    public func gain(param: Double? = nil) -> Double {
        switch self {
        case .linear, .conv1d, .conv2d, .conv3d, .convTranspose1d, .convTranspose2d, .convTranspose3d, .sigmoid:
            return 1
        case .tanh:
            return 5.0 / 3
        case .relu:
            return 2.0.squareRoot()
        case .leakyRelu:
            let slope = param ?? Nonlinearity.defaultNegativeSlope
            return (2.0 / (1 + slope * slope)).squareRoot()
        case .selu:
            return 3.0 / 4
        }
    }

    /// The nonlinearity called `name` (PyTorch's spelling), or an error listing the known names.
    public static func named(_ name: String, initializer: String, parameter: String) throws(InitializerError) -> Nonlinearity {
        if let known = Nonlinearity(rawValue: name) { return known }
        let names = allCases.map(\.rawValue)
        let hint = Suggestions.parenthetical(name, among: names)
        throw .invalidParameter(
            initializer: initializer, parameter: parameter, value: "\"\(name)\"",
            expected: "a nonlinearity of PyTorch's gain table: " + names.joined(separator: ", ") + hint)
    }

    /// A gain written as a name: `tanh`, `relu`, `leaky_relu` (slope 0.01) or `leaky_relu(0.2)`.
    public static func gain(named text: String, initializer: String, parameter: String) throws(InitializerError) -> Double {
        var name = text.trimmingCharacters(in: .whitespaces)
        var param: Double?
        if let open = name.firstIndex(of: "("), name.hasSuffix(")") {
            let inner = name[name.index(after: open)..<name.index(before: name.endIndex)]
            guard let value = Double(inner.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw .invalidParameter(
                    initializer: initializer, parameter: parameter, value: "\"\(text)\"",
                    expected: "a number, or a nonlinearity such as tanh or leaky_relu(0.2)")
            }
            param = value
            name = String(name[..<open])
        }
        return try named(name, initializer: initializer, parameter: parameter).gain(param: param)
    }
}
