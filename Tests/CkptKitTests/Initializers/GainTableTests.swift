import Testing
@testable import CkptKit

/// PyTorch's `calculate_gain` (torch/nn/init.py; docs/initializers.md §2).
@Suite("Gain table")
struct GainTableTests {
    static let table: [(String, Double)] = [
        ("linear", 1), ("conv1d", 1), ("conv2d", 1), ("conv3d", 1), ("conv_transpose1d", 1), ("conv_transpose2d", 1),
        ("conv_transpose3d", 1), ("sigmoid", 1), ("tanh", 5.0 / 3), ("relu", 2.0.squareRoot()), ("selu", 0.75),
        ("leaky_relu", (2.0 / (1 + 0.01 * 0.01)).squareRoot()), ("leaky_relu(0.2)", (2.0 / 1.04).squareRoot()),
        ("leaky_relu(0)", 2.0.squareRoot()),
    ]

    @Test(arguments: table)
    func gainByName(name: String, gain: Double) throws {
        #expect(try Nonlinearity.gain(named: name, initializer: "t", parameter: "gain") == gain)
    }

    @Test(arguments: ["gelu", "silu", "elu", "softplus", "leaky_relu(x)"])
    func otherNamesAreErrors(name: String) {
        let error = #expect(throws: InitializerError.self) {
            try Nonlinearity.gain(named: name, initializer: "orthogonal", parameter: "gain")
        }
        #expect(error?.description.contains("parameter \"gain\"") == true)
    }

    @Test func nearNamesAreSuggested() {
        let error = #expect(throws: InitializerError.self) { try Nonlinearity.named("tahn", initializer: "x", parameter: "nonlinearity") }
        #expect(error?.description.contains("\"tanh\"") == true)
    }

    @Test func gainNamesWorkInRules() throws {
        #expect(try Initializer.parse(ruleText: "orthogonal:gain=tanh").kind == .orthogonal(gain: 5.0 / 3))
        #expect(try Initializer.parse(ruleText: "xavier_uniform:gain=relu").kind == .xavierUniform(gain: 2.0.squareRoot()))
        #expect(try Initializer.parse(ruleText: "orthogonal_:gain=leaky_relu(0.2)").kind
                == .orthogonal(gain: (2.0 / 1.04).squareRoot(), flattening: .torch))
    }
}
