import Testing
@testable import CkptKit

/// Every name and alias of the catalog under its Keras, PyTorch and JAX spellings, with the
/// parameters those libraries take, through `Initializer.parse(ruleText:)` (docs/initializers.md).
@Suite("Initializer catalog and rule syntax")
struct InitializerCatalogTests {
    static let fans = Fans(fanIn: 64, fanOut: 32)
    static let r3 = 3.0.squareRoot()

    /// Rule text → the distribution for fans (64, 32), from each framework's documented formula.
    static let elementwise: [(String, Distribution)] = [
        ("zeros", .constant(0)), ("zeros_", .constant(0)), ("torch.zeros", .constant(0)), ("zeros_init", .constant(0)),
        ("jax.zeros", .constant(0)), ("ones_", .constant(1)), ("ones_init", .constant(1)),
        ("constant:value=0.5", .constant(0.5)), ("constant_:val=2", .constant(2)), ("jax.constant:value=-1", .constant(-1)),
        // Keras RandomUniform ±0.05; PyTorch uniform_ [0, 1); JAX uniform(scale) = U[0, scale).
        ("uniform", .uniform(low: -0.05, high: 0.05)), ("random_uniform:minval=-1,maxval=2", .uniform(low: -1, high: 2)),
        ("uniform_", .uniform(low: 0, high: 1)), ("uniform_:a=-3,b=3", .uniform(low: -3, high: 3)),
        ("jax.uniform", .uniform(low: 0, high: 0.01)), ("jax.uniform:scale=0.5", .uniform(low: 0, high: 0.5)),
        // Keras RandomNormal std 0.05; PyTorch normal_ std 1; JAX normal(stddev=1e-2).
        ("normal", .normal(mean: 0, std: 0.05)), ("normal_", .normal(mean: 0, std: 1)),
        ("normal_:mean=1,std=0.1", .normal(mean: 1, std: 0.1)), ("jax.normal", .normal(mean: 0, std: 0.01)),
        // Keras ±2σ; PyTorch absolute [a, b] (default ±2); JAX bounds in σ units.
        ("truncated_normal:stddev=0.1", .truncatedNormal(mean: 0, std: 0.1, low: -0.2, high: 0.2)),
        ("trunc_normal:std=0.02", .truncatedNormal(mean: 0, std: 0.02, low: -2, high: 2)),
        ("trunc_normal_:std=0.02,a=-0.04,b=0.04", .truncatedNormal(mean: 0, std: 0.02, low: -0.04, high: 0.04)),
        ("jax.truncated_normal:stddev=0.1", .truncatedNormal(mean: 0, std: 0.1, low: -0.2, high: 0.2)),
        ("jax.truncated_normal:stddev=0.1,lower=-1,upper=3", .truncatedNormal(mean: 0, std: 0.1, low: -0.1, high: 0.30000000000000004)),
        // Variance scaling: Keras "normal" = truncated; JAX "normal" = untruncated; fan_geo_avg = √(64·32).
        ("variance_scaling:scale=2,mode=fan_out,distribution=uniform", .uniform(low: -(6.0 / 32).squareRoot(), high: (6.0 / 32).squareRoot())),
        ("variance_scaling:distribution=normal", .truncatedNormal(mean: 0, std: (1.0 / 64).squareRoot() / 0.87962566103423978,
                                                                   low: -2 * (1.0 / 64).squareRoot() / 0.87962566103423978,
                                                                   high: 2 * (1.0 / 64).squareRoot() / 0.87962566103423978)),
        ("jax.variance_scaling:scale=1,mode=fan_in,distribution=normal", .normal(mean: 0, std: 0.125)),
        ("jax.variance_scaling:scale=3,mode=fan_geo_avg,distribution=uniform",
         .uniform(low: -(9.0 / (64.0 * 32).squareRoot()).squareRoot(), high: (9.0 / (64.0 * 32).squareRoot()).squareRoot())),
        ("glorot_uniform", .uniform(low: -(6.0 / 96).squareRoot(), high: (6.0 / 96).squareRoot())),
        ("jax.xavier_uniform", .uniform(low: -(6.0 / 96).squareRoot(), high: (6.0 / 96).squareRoot())),
        ("he_uniform", .uniform(low: -(6.0 / 64).squareRoot(), high: (6.0 / 64).squareRoot())),
        ("jax.kaiming_uniform", .uniform(low: -(6.0 / 64).squareRoot(), high: (6.0 / 64).squareRoot())),
        ("lecun_uniform", .uniform(low: -(3.0 / 64).squareRoot(), high: (3.0 / 64).squareRoot())),
        // PyTorch Xavier: bound gain·√(6/(in+out)); xavier_normal untruncated.
        ("xavier_uniform", .uniform(low: -r3 * (2.0 / 96).squareRoot(), high: r3 * (2.0 / 96).squareRoot())),
        ("xavier_normal_:gain=2", .normal(mean: 0, std: 2 * (2.0 / 96).squareRoot())),
        // PyTorch Kaiming: gain = calculate_gain(nonlinearity, a), std = gain/√fan, untruncated.
        ("kaiming_uniform", .uniform(low: -r3 * 2.0.squareRoot() / 8, high: r3 * 2.0.squareRoot() / 8)),
        ("kaiming_normal:mode=fan_out,nonlinearity=relu", .normal(mean: 0, std: 2.0.squareRoot() / 32.0.squareRoot())),
        ("kaiming_normal:a=0.2,mode=fan_out,nonlinearity=leaky_relu",
         .normal(mean: 0, std: (2.0 / 1.04).squareRoot() / 32.0.squareRoot())),
        ("torch.nn.init.kaiming_uniform_:a=2.23606797749979",
         .uniform(low: -r3 * (2.0 / 6.0).squareRoot() / 8, high: r3 * (2.0 / 6.0).squareRoot() / 8)),
        ("kaiming_normal:nonlinearity=tanh", .normal(mean: 0, std: 5.0 / 3 / 8)),
    ]

    @Test(arguments: elementwise)
    func elementwiseNames(text: String, expected: Distribution) throws {
        let initializer = try Initializer.parse(ruleText: text)
        #expect(try initializer.distribution(fans: Self.fans) == expected, "\(text) → \(initializer)")
        // The canonical name parses back to the same initializer.
        let again = try Initializer.parse(ruleText: initializer.name + ":" + initializer.parameters
            .filter { $0.name != "input_axes" && $0.name != "output_axes" }
            .map { "\($0.name)=\($0.value)" }.joined(separator: ","))
        #expect(try again.distribution(fans: Self.fans) == expected, "\(initializer.name) round trip")
    }

    static let structured: [(String, Initializer.Kind, StructuredFill, [Int])] = [
        ("orthogonal:gain=1.5", .orthogonal(gain: 1.5), .orthogonal(gain: 1.5, flattening: .keras), [4, 4]),
        ("orthogonal_", .orthogonal(gain: 1, flattening: .torch), .orthogonal(gain: 1, flattening: .torch), [4, 6]),
        ("jax.orthogonal:scale=2,column_axis=0", .orthogonal(gain: 2, flattening: .columnAxis(0)),
         .orthogonal(gain: 2, flattening: .columnAxis(0)), [4, 6]),
        ("identity:gain=3", .identity(gain: 3), .identity(gain: 3), [3, 3]),
        ("eye", .identity(gain: 1), .identity(gain: 1), [3, 5]),
        ("dirac_:groups=2", .dirac(groups: 2), .dirac(groups: 2, gain: 1), [3, 3, 4, 8]),
        ("delta_orthogonal:scale=1.5", .deltaOrthogonal(gain: 1.5), .deltaOrthogonal(gain: 1.5), [3, 3, 4, 8]),
        ("sparse:sparsity=0.1", .sparse(sparsity: 0.1, std: 0.01), .sparse(sparsity: 0.1, std: 0.01), [10, 10]),
        ("sparse_:sparsity=0.5,std=0.2", .sparse(sparsity: 0.5, std: 0.2), .sparse(sparsity: 0.5, std: 0.2), [10, 10]),
        ("zer_o", .zerO, .zerO, [4, 8]), ("ZerO", .zerO, .zerO, [4, 8]), ("zero_init", .zerO, .zerO, [4, 8]),
    ]

    @Test(arguments: structured)
    func structuredNames(text: String, kind: Initializer.Kind, fill: StructuredFill, shape: [Int]) throws {
        let initializer = try Initializer.parse(ruleText: text)
        #expect(initializer.kind == kind)
        #expect(try initializer.fill(fans: Self.fans, shape: shape) == .structured(fill))
    }

    @Test func dialectsDecideNamesAndParameters() throws {
        let uniform = try Initializer.parse(ruleText: "uniform_:a=-1,b=1")
        #expect(uniform.name == "uniform_" && uniform.dialect == .torch)
        #expect(uniform.parameters.map(\.name) == ["a", "b"])
        #expect(try Initializer.parse(ruleText: "jax.uniform:scale=0.1").parameters.map(\.name) == ["scale"])
        #expect(try Initializer.parse(ruleText: "trunc_normal").description == "trunc_normal_(mean=0.0, std=1.0, a=-2.0, b=2.0)")
        #expect(try Initializer.parse(ruleText: "kaiming_normal").description
                == "kaiming_normal_(a=0.0, mode=fan_in, nonlinearity=leaky_relu)")
        #expect(try Initializer.parse(ruleText: "he_normal:seed=3").seed == 3)
        #expect(try Initializer.parse(ruleText: "kaiming_uniform:seed=-4").seed == -4)
        // Keras names keep Keras semantics without a prefix.
        #expect(try Initializer.parse(ruleText: "normal") == Initializer(.randomNormal(mean: 0, stddev: 0.05)))
        #expect(try Initializer.parse(ruleText: "keras.initializers.HeNormal") == .heNormal)
    }

    @Test(arguments: [
        ("kaiming_normall", "kaiming_normal"), ("glorot_unifrom", "glorot_uniform"), ("trunc_normall", "trunc_normal"),
        ("xavier_uniform__", "xavier_uniform"), ("delta_orthogonl", "delta_orthogonal"),
    ])
    func unknownNamesSuggestTheClosest(text: String, suggestion: String) {
        let error = #expect(throws: InitializerError.self) { try Initializer.parse(ruleText: text) }
        #expect(error?.description.contains("unknown initializer \"\(text)\"") == true)
        #expect(error?.description.contains(suggestion) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("normal_:std=-1", "\"std\""), ("random_normal:stddev=-0.1", "\"stddev\""), ("sparse:sparsity=1", "\"sparsity\""),
        ("sparse:sparsity=-0.1", "\"sparsity\""), ("sparse", "\"sparsity\""), ("uniform_:a=2,b=1", "\"a\""),
        ("trunc_normal:a=1,b=-1", "\"a\""), ("variance_scaling:scale=0", "\"scale\""), ("dirac:groups=0", "\"groups\""),
        ("kaiming_uniform:mode=fan_avg", "\"mode\""), ("kaiming_uniform:nonlinearity=gelu", "\"nonlinearity\""),
        ("variance_scaling:mode=fan_geo_avg", "\"mode\""), ("jax.variance_scaling:scale=1,mode=fan_in", "\"distribution\""),
        ("orthogonal:gain=swish", "\"gain\""), ("constant_", "\"val\""), ("xavier_uniform:gian=2", "\"gian\""),
        ("jax.uniform:scale=-1", "\"scale\""), ("he_normal:seed=1.5", "\"seed\""),
    ])
    func parametersOutOfRangeNameTheParameter(text: String, parameter: String) {
        let error = #expect(throws: InitializerError.self) { try Initializer.parse(ruleText: text) }
        #expect(error?.description.contains(parameter) == true, "\(text): \(String(describing: error))")
    }

    @Test(arguments: ["", ":gain=1", "orthogonal:gain", "orthogonal:gain=1,gain=2", "orthogonal:=1", "he normal"])
    func malformedRules(text: String) {
        #expect(throws: InitializerError.self) { try Initializer.parse(ruleText: text) }
    }

    @Test func everyCanonicalNameParses() throws {
        for name in Initializer.allNames where !["STFT", "STFTInitializer", "stft_initializer"].contains(name) {
            let needs: [String: String] = [
                "constant_": ":val=1", "jax.constant": ":value=1", "sparse_": ":sparsity=0.1",
                "jax.variance_scaling": ":scale=1,mode=fan_in,distribution=normal",
            ]
            _ = try Initializer.parse(ruleText: name + (needs[name] ?? ""))
        }
    }
}
