import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// Output shapes against Keras 3's own, recorded by Fixtures/shapes/make_shape_fixtures.py.
@Suite("Shape inference")
struct ShapeInferenceTests {
    struct KerasCase: CustomTestStringConvertible, Sendable {
        var className: String
        var config: JSONObject
        var inputs: [[Int?]]
        var outputs: [[Int?]]
        var index: Int
        var testDescription: String { "#\(index) \(className) \(inputs.map(ShapeText.describe))" }
    }

    static func shape(_ value: JSONValue?) -> [Int?] {
        (value?.array ?? []).map { $0.isNull ? nil : $0.int }
    }

    static let cases: [KerasCase] = {
        guard let data = FileManager.default.contents(atPath: TestPaths.fixture("shapes/keras_output_shapes.json")),
              let root = try? JSONParser.parse(String(decoding: data, as: UTF8.self)) else { return [] }
        return (root["cases"]?.array ?? []).enumerated().map { index, item in
            KerasCase(className: item["class_name"]?.string ?? "", config: item["config"]?.object ?? JSONObject(),
                      inputs: (item["inputs"]?.array ?? []).map(shape),
                      outputs: (item["outputs"]?.array ?? []).map(shape), index: index)
        }
    }()

    static func layer(_ className: String, _ config: JSONObject) -> KerasLayer {
        KerasLayer(name: config["name"]?.string ?? "x", className: className, module: "keras.layers", registeredName: nil,
                   config: config, inputShapes: [], inputShapeSource: "test", calls: [], submodel: nil, jsonPath: "test")
    }

    @Test("the fixture has every case") func fixtureLoaded() {
        #expect(Self.cases.count >= 80)
    }

    @Test("output shapes equal Keras's", arguments: cases)
    func matchesKeras(_ item: KerasCase) throws {
        let got = try ShapeInference.outputShapes(of: Self.layer(item.className, item.config), inputs: item.inputs)
        #expect(got == item.outputs)
    }

    @Test("incompatible inputs are errors naming the layer")
    func errors() {
        func message(_ className: String, _ config: JSONObject, _ inputs: [[Int?]]) -> String {
            do {
                _ = try ShapeInference.outputShapes(of: Self.layer(className, config), inputs: inputs)
                return "no error"
            } catch {
                return error.message
            }
        }
        var add = JSONObject(); add["name"] = .string("merge")
        #expect(message("Add", add, [[nil, 4, 5], [nil, 4, 6]]).contains("incompatible shapes at the merge"))
        #expect(message("Add", add, [[nil, 4, 5], [nil, 4, 6]]).contains("\"merge\""))
        #expect(message("Concatenate", add, [[nil, 4, 5], [nil, 3, 6]]).contains("dimension 1 differs"))
        var conv = JSONObject()
        conv["name"] = .string("c"); conv["filters"] = .number(JSONNumber(4)); conv["kernel_size"] = .number(JSONNumber(5))
        #expect(message("Conv2D", conv, [[nil, 3, 3, 1]]).contains("smaller than the kernel"))
        #expect(message("Conv2D", conv, [[nil, 3, 1]]).contains("rank 4"))
        var reshape = JSONObject()
        reshape["name"] = .string("r"); reshape["target_shape"] = .array([.number(JSONNumber(7)), .number(JSONNumber(-1))])
        #expect(message("Reshape", reshape, [[nil, 4, 6]]).contains("cannot reshape"))
        #expect(message("Lambda", add, [[nil, 4]]).contains("cannot infer the output shape of Lambda"))
    }

    @Test("EinsumDense kernels, biases and fan axes follow Keras")
    func einsumAnalysis() throws {
        let equation = try #require(EinsumEquation("abc,cde->abde"))
        let analysis = try equation.analyze(inputShape: [nil, 10, 32], partialOutput: [nil, 4, 8], biasAxes: "de", what: "t")
        #expect(analysis.kernelShape == [32, 4, 8])
        #expect(analysis.biasShape == [4, 8])
        #expect(analysis.inputAxes == [0] && analysis.outputAxes == [1, 2])
        let left = try #require(EinsumEquation("...b,bc->...c"))
        #expect(left.leftElided)
        #expect(try left.analyze(inputShape: [nil, 7, 8], partialOutput: [16], biasAxes: "c", what: "t").kernelShape == [8, 16])
        #expect(EinsumEquation("ab,bc") == nil)
        #expect(EinsumEquation("a1,bc->ac") == nil)
    }
}
