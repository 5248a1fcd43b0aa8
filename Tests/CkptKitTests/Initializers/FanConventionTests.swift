import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Fans for every `FanSemantics` case in every convention, against the numbers Keras 3.15, JAX and
/// PyTorch computed (Fixtures/initializers/make_fan_fixtures.py → fans.json).
@Suite("Fan conventions")
struct FanConventionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var shape: [Int]
        var semantics: FanSemantics
        /// Convention name → (fan_in, fan_out), or nil when the framework refuses the tensor.
        var expected: [(String, (Double, Double)?)]
        var testDescription: String { name }
    }

    static func ints(_ value: JSONValue?) -> [Int] { value?.array?.compactMap(\.int) ?? [] }

    static func semantics(_ object: JSONValue) -> FanSemantics? {
        let i = { (key: String) in object[key]?.int ?? -1 }
        switch object["kind"]?.string {
        case "shapeOnly": return .shapeOnly
        case "dense": return .dense(inputs: i("inputs"), outputs: i("outputs"))
        case "einsum": return .einsum(inputAxes: ints(object["inputAxes"]), outputAxes: ints(object["outputAxes"]))
        case "convolution":
            return .convolution(kernel: ints(object["kernel"]), inputChannels: i("inputChannels"),
                                outputChannels: i("outputChannels"), groups: i("groups"))
        case "transposedConvolution":
            return .transposedConvolution(kernel: ints(object["kernel"]), inputChannels: i("inputChannels"),
                                          outputChannels: i("outputChannels"), strides: ints(object["strides"]))
        case "depthwise": return .depthwise(kernel: ints(object["kernel"]), channels: i("channels"), multiplier: i("multiplier"))
        case "attention":
            return .attention(modelDim: i("modelDim"), heads: i("heads"), headDim: i("headDim"),
                              isOutput: object["isOutput"]?.bool ?? false)
        case "recurrent":
            return .recurrent(inputs: i("inputs"), units: i("units"), gates: i("gates"), kernel: ints(object["kernel"]),
                              isRecurrentKernel: object["isRecurrentKernel"]?.bool ?? false)
        case "embedding": return .embedding(vocabulary: i("vocabulary"), dim: i("dim"))
        default: return nil
        }
    }

    static let fixture: JSONValue? = {
        guard let text = try? String(contentsOfFile: TestPaths.fixture("initializers/fans.json"), encoding: .utf8) else { return nil }
        return try? JSONParser.parse(text)
    }()

    static let cases: [Case] = (fixture?["cases"]?.array ?? []).compactMap { item in
        guard let name = item["name"]?.string, let semantics = semantics(item["semantics"] ?? .null) else { return nil }
        let expected: [(String, (Double, Double)?)] = FanConvention.names.map { convention in
            guard let pair = item["fans"]?[convention]?.array, pair.count == 2,
                  let fanIn = pair[0].double, let fanOut = pair[1].double else { return (convention, nil) }
            return (convention, (fanIn, fanOut))
        }
        return Case(name: name, shape: ints(item["keras_shape"]), semantics: semantics, expected: expected)
    }

    @Test func fixtureCoversEverySemanticsCase() throws {
        let fixture = try #require(Self.fixture, "Fixtures/initializers/fans.json is missing: run make_fan_fixtures.py")
        #expect(Self.cases.count == fixture["cases"]?.array?.count)
        let kinds = Set((fixture["cases"]?.array ?? []).compactMap { $0["semantics"]?["kind"]?.string })
        #expect(kinds == ["shapeOnly", "dense", "einsum", "convolution", "transposedConvolution", "depthwise",
                          "attention", "recurrent", "embedding"])
    }

    @Test(arguments: cases)
    func fansMatchTheFrameworks(_ item: Case) throws {
        for (name, expected) in item.expected {
            let convention = try #require(FanConvention(name: name))
            if let (fanIn, fanOut) = expected {
                let fans = try Fans.compute(shape: item.shape, semantics: item.semantics, convention: convention)
                #expect(fans == Fans(fanIn: fanIn, fanOut: fanOut), "\(item.name) --fans \(name)")
            } else {
                #expect(throws: InitializerError.self, "\(item.name) --fans \(name) should refuse the tensor") {
                    try Fans.compute(shape: item.shape, semantics: item.semantics, convention: convention)
                }
            }
        }
    }

    @Test func conventionNamesRoundTrip() {
        for name in FanConvention.names { #expect(FanConvention(name: name)?.name == name) }
        #expect(FanConvention(name: "flax") == .jax)
        #expect(FanConvention(name: "mxnet") == nil)
    }

    /// `--fans torch` on a bias is an error only when the initializer needs fans, and names the tensor.
    @Test func rejectedTensorIsNamedOnlyWhenFansAreNeeded() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/mlp.json"), options: PlanOptions(fans: .torch))
        let bias = try #require(plan.entries.first { $0.role == .bias })
        #expect(!bias.fansDefined)
        #expect(bias.json["fan_in"] == .null)
        #expect(plan.entries.first { $0.role == .kernel }?.fanConvention == .torch)
        let error = #expect(throws: InitializerError.self) {
            try Initializer.heNormal.fill(fans: try Fans.compute(shape: [10], semantics: .shapeOnly, convention: .torch), shape: [10])
        }
        #expect(error?.description.contains("--fans torch") == true)
    }

    /// A Keras-only variable with Keras's default (AdditiveAttention's glorot_uniform `scale`
    /// vector) keeps Keras's fans under `--fans torch|jax` and a torch profile, instead of failing.
    @Test(arguments: [PlanOptions(fans: .torch), PlanOptions(fans: .jax), PlanOptions(profile: .torch)])
    func kerasDefaultsKeepKerasFans(_ options: PlanOptions) throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/attention.json"), options: options)
        let scale = try #require(plan.entries.first { $0.name == "additive/scale" })
        let limit = (6.0 / 32).squareRoot()  // Keras: a (16,) tensor has fans (16, 16)
        #expect(scale.distribution == .uniform(low: -limit, high: limit))
    }

    @Test func defaultsFollowProfileAndRespectConfig() {
        #expect(PlanOptions().effectiveFans == .semantic)
        #expect(PlanOptions(respectConfig: true).effectiveFans == .keras)
        #expect(PlanOptions(profile: .torch).effectiveFans == .torch)
        #expect(PlanOptions(profile: .flax).effectiveFans == .jax)
        #expect(PlanOptions(fans: .semantic(gates: .packed), profile: .torch).effectiveFans == .semantic(gates: .packed))
    }
}
