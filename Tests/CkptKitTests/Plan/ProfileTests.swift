import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `--profile keras|torch|flax` on Fixtures/keras/{mlp,cnn,embed}.json: every tensor against the
/// framework's formula, and against what Keras (the .reference.json files), PyTorch and Flax
/// (Fixtures/initializers/make_profile_fixtures.py → profiles.json) themselves produced.
@Suite("Profiles")
struct ProfileTests {
    static let models = ["mlp", "cnn", "embed"]

    static func plan(_ model: String, _ profile: Profile, fans: FanConvention? = nil) throws -> Plan {
        try Checkpoints.plan(specPath: TestPaths.fixture("keras/\(model).json"), options: PlanOptions(fans: fans, profile: profile))
    }

    static let frameworkFixture: JSONValue? = {
        guard let text = try? String(contentsOfFile: TestPaths.fixture("initializers/profiles.json"), encoding: .utf8) else { return nil }
        return try? JSONParser.parse(text)
    }()

    /// Every tensor of every model has a profile reason, and the std/bounds the framework's own
    /// initialization of the equivalent layer shows (pooled over ≥ 4000 draws: std within 1.5%).
    @Test(arguments: [Profile.torch, .flax], models)
    func matchesTheFrameworksOwnInitialization(profile: Profile, model: String) throws {
        let fixture = try #require(Self.frameworkFixture, "Fixtures/initializers/profiles.json is missing: run make_profile_fixtures.py")
        let key = profile == .torch ? "torch" : "flax"
        let plan = try Self.plan(model, profile)
        for entry in plan.entries {
            #expect(entry.reason.hasPrefix("profile \(profile.rawValue): "), "\(entry.name): \(entry.reason)")
            let reference = try #require(fixture["models"]?[model]?[entry.name]?[key], "\(entry.name) missing from profiles.json")
            let moments = try #require(entry.fill.expectedMoments(shape: entry.shape))
            let std = try #require(reference["std"]?.double), mean = try #require(reference["mean"]?.double)
            let maxAbs = try #require(reference["max_abs"]?.double)
            if std == 0 {
                #expect(moments.std == 0 && moments.mean == mean, "\(entry.name): \(entry.fill.summary) vs constant \(mean)")
            } else {
                #expect(abs(moments.std / std - 1) < 0.015, "\(entry.name): ckpt std \(moments.std), \(key) \(std)")
                if let bounds = entry.fill.bounds {
                    // The framework's largest draw lies inside ckpt's bounds and close to them.
                    #expect(maxAbs <= max(-bounds.lower, bounds.upper) * (1 + 1e-6), "\(entry.name): \(maxAbs) outside \(bounds)")
                    #expect(maxAbs >= max(-bounds.lower, bounds.upper) * 0.98, "\(entry.name): \(maxAbs) far inside \(bounds)")
                }
            }
        }
    }

    /// The Keras profile gives what Keras itself wrote (Fixtures/keras/*.reference.json).
    @Test(arguments: models)
    func kerasProfileMatchesKeras(model: String) throws {
        let text = try String(contentsOfFile: TestPaths.fixture("keras/\(model).reference.json"), encoding: .utf8)
        let reference = try JSONParser.parse(text)
        let byPath = Dictionary(uniqueKeysWithValues: (reference["tensors"]?.array ?? []).compactMap { t in
            t["keras_path"]?.string.map { ($0, t) }
        })
        for entry in try Self.plan(model, .keras).entries {
            let tensor = try #require(byPath[entry.kerasPath])
            if let constant = tensor["constant"]?.double {
                #expect(entry.fill == .elementwise(.constant(constant)), "\(entry.name)")
                continue
            }
            let moments = try #require(entry.fill.expectedMoments(shape: entry.shape))
            let count = Double(tensor["count"]?.int ?? 1)
            let std = try #require(tensor["std"]?.double)
            #expect(abs(std / moments.std - 1) < 5 * 0.5 / count.squareRoot() + 0.01, "\(entry.name): \(moments.std) vs Keras \(std)")
            let bounds = try #require(entry.fill.bounds)
            #expect(try #require(tensor["min"]?.double) >= bounds.lower && tensor["max"]?.double ?? 0 <= bounds.upper)
        }
    }

    /// Formulas, tensor by tensor (PyTorch fans on PyTorch's layout).
    @Test func torchFormulas() throws {
        let cnn = Dictionary(uniqueKeysWithValues: try Self.plan("cnn", .torch).entries.map { ($0.name, $0) })
        func bound(_ fanIn: Double) -> Distribution { .uniform(low: -1 / fanIn.squareRoot(), high: 1 / fanIn.squareRoot()) }
        // Linear/Conv weight kaiming_uniform(a=√5): gain √(2/6), bound gain·√(3/fan_in) = 1/√fan_in.
        for (name, fanIn) in [("conv1", 27.0), ("conv2_grouped", 144), ("dw3", 9), ("up5", 288), ("classes", 32)] {
            let kernel = try #require(cnn["\(name)/kernel"])
            let d = try #require(kernel.distribution)
            #expect(abs(d.bounds!.upper - 1 / fanIn.squareRoot()) < 1e-15, "\(name)/kernel \(d)")
            #expect(kernel.initializer.name == "kaiming_uniform_")
            #expect(cnn["\(name)/bias"]?.distribution == bound(fanIn), "\(name)/bias")
        }
        #expect(cnn["sep4/bias"]?.distribution == bound(64))
        #expect(cnn["bn2/moving_variance"]?.distribution == .constant(1))
        let embed = Dictionary(uniqueKeysWithValues: try Self.plan("embed", .torch).entries.map { ($0.name, $0) })
        #expect(embed["embedding/embeddings"]?.distribution == .normal(mean: 0, std: 1))
        #expect(embed["embedding/embeddings"]?.reason == "profile torch: Embedding weight N(0, 1)")
        #expect(embed["selu_dense/kernel"]?.reason == "profile torch: Linear weight kaiming_uniform(a=√5) = U(±1/√fan_in)")
    }

    @Test func flaxFormulas() throws {
        let embed = Dictionary(uniqueKeysWithValues: try Self.plan("embed", .flax).entries.map { ($0.name, $0) })
        // Embed: variance_scaling(1, fan_in, normal, out_axis=0) = untruncated N(0, 1/features).
        #expect(embed["embedding/embeddings"]?.distribution == .normal(mean: 0, std: (1.0 / 32).squareRoot()))
        // lecun_normal: truncated at ±2σ, σ = √(1/fan_in)/0.8796…
        let kernel = try #require(embed["selu_dense/kernel"]?.distribution)
        let sigma = (1.0 / 64).squareRoot() / Initializer.truncatedNormalCorrection
        #expect(kernel == .truncatedNormal(mean: 0, std: sigma, low: -2 * sigma, high: 2 * sigma))
        #expect(embed["selu_dense/bias"]?.distribution == .constant(0))
        let cnn = Dictionary(uniqueKeysWithValues: try Self.plan("cnn", .flax).entries.map { ($0.name, $0) })
        // ConvTranspose kernel (k, k, C_in, C_out): fan_in = 64·9; depthwise: fan_in = 9.
        #expect(abs(cnn["up5/kernel"]!.fill.expectedMoments(shape: [3, 3, 32, 64])!.std - 1 / 24.0) < 1e-12)
        #expect(abs(cnn["dw3/kernel"]!.fill.expectedMoments(shape: [3, 3, 64, 1])!.std - 1 / 3.0) < 1e-12)
    }

    /// An explicit --fans wins over the profile's own convention.
    @Test func explicitFansOverrideTheProfile() throws {
        let plan = try Self.plan("cnn", .torch, fans: .keras)
        let dw = try #require(plan.entries.first { $0.name == "dw3/kernel" })
        #expect(dw.fans == Fans(fanIn: 9 * 64, fanOut: 9))
        #expect(abs((dw.distribution?.bounds?.upper ?? 0) - 1 / (9.0 * 64).squareRoot()) < 1e-15)
    }

    /// Profile beats --respect-config; the JSON and recipe record the profile and convention.
    @Test func precedenceAndRecording() throws {
        let options = PlanOptions(respectConfig: true, profile: .torch)
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/respect.json"), options: options)
        for entry in plan.entries { #expect(entry.reason.hasPrefix("profile torch"), "\(entry.name): \(entry.reason)") }
        let recipe = try JSONParser.parse(plan.recipe(seed: 1, options: options))
        #expect(recipe["profile"] == .string("torch") && recipe["fans"] == .string("torch"))
        let json = plan.json(options: options)
        #expect(json["profile"] == .string("torch"))
        #expect(json["tensors"]?.array?.first?["fan_convention"] == .string("torch"))
    }

    /// Profile entries for layer classes the catalog will know: decided from class and variable names.
    @Test func recurrentAndAttentionEntries() throws {
        func spec(_ name: String, _ shape: [Int], _ role: TensorRole, sublayer: [String] = [], semantics: FanSemantics = .shapeOnly) -> VariableSpec {
            var v = VariableSpec(name, shape, role: role, initializerKey: nil, kerasDefault: role == .bias ? "zeros" : "glorot_uniform")
            v.sublayer = sublayer
            v.nameInLayer = (sublayer.isEmpty ? "" : sublayer.joined(separator: "/") + "/") + name
            v.fanSemantics = semantics
            return v
        }
        let lstm = KerasLayer(name: "lstm", className: "LSTM", module: "keras.layers", registeredName: nil,
                              config: JSONObject([("units", .number(JSONNumber(8)))]), inputShapes: [[nil, 5, 3]],
                              inputShapeSource: "test", calls: [], submodel: nil, jsonPath: "$")
        let vars = [spec("kernel", [3, 32], .kernel), spec("recurrent_kernel", [8, 32], .kernel), spec("bias", [32], .bias)]
        func choice(_ profile: Profile, _ layer: KerasLayer, _ v: VariableSpec, _ all: [VariableSpec]) throws -> Profile.Choice {
            try #require(try profile.choice(for: v, layer: layer, siblings: all, convention: profile.fanConvention))
        }
        let torchBias = try choice(.torch, lstm, vars[2], vars)
        #expect(torchBias.initializer.kind == .randomUniform(minval: -1 / 8.0.squareRoot(), maxval: 1 / 8.0.squareRoot()))
        let kerasBias = try choice(.keras, lstm, vars[2], vars)
        #expect(kerasBias.fill == .structured(.unitForgetBias(units: 8, base: .constant(0))))
        let flaxRecurrent = try choice(.flax, lstm, vars[1], vars)
        #expect(flaxRecurrent.fill == .structured(.gates(count: 4, inner: .orthogonal(gain: 1, flattening: .columnAxis(-1)))))
        #expect(try choice(.flax, lstm, vars[0], vars).fans == Fans(fanIn: 3, fanOut: 8))
        #expect(try choice(.keras, lstm, vars[1], vars).initializer.kind == .glorotUniform)  // the catalog's kerasDefault

        let mha = KerasLayer(name: "mha", className: "MultiHeadAttention", module: "keras.layers", registeredName: nil,
                             config: JSONObject([("num_heads", .number(JSONNumber(4))), ("key_dim", .number(JSONNumber(8)))]),
                             inputShapes: [[nil, 5, 32]], inputShapeSource: "test", calls: [], submodel: nil, jsonPath: "$")
        let attention = [
            spec("kernel", [32, 4, 8], .kernel, sublayer: ["query"]), spec("bias", [4, 8], .bias, sublayer: ["query"]),
            spec("kernel", [32, 4, 8], .kernel, sublayer: ["key"]), spec("kernel", [32, 4, 8], .kernel, sublayer: ["value"]),
            spec("kernel", [4, 8, 32], .kernel, sublayer: ["attention_output"]),
        ]
        let inProj = try choice(.torch, mha, attention[0], attention)
        #expect(inProj.initializer.kind == .xavierUniform(gain: 1) && inProj.fans == Fans(fanIn: 32, fanOut: 96))
        #expect(try choice(.torch, mha, attention[1], attention).initializer.kind == .zeros)
        let outProj = try choice(.torch, mha, attention[4], attention)
        #expect(outProj.fans == Fans(fanIn: 32, fanOut: 32) && outProj.initializer.name == "kaiming_uniform_")
        #expect(try choice(.flax, mha, attention[4], attention).fans == Fans(fanIn: 32, fanOut: 32))
    }
}
