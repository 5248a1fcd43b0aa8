import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// The model graph is ordered by calls, not layers: a layer called twice, its second call on
/// what came of its first (a ReversibleEmbedding used as input table and output head), is no
/// cycle; a real cycle is one error naming its layers.
@Suite("Model graph")
struct ModelGraphTests {
    @Test func aLayerCalledOnItsOwnOutputIsTwoNodes() throws {
        var model = try KerasModelReader().read(text: String(contentsOfFile: TestPaths.fixture("keras/reversible.json"), encoding: .utf8))
        let graph = model.graph
        let layers = model.layers
        let order = try graph.callOrder { layers[$0].jsonPath }
        let names = order.map { "\(graph.names[$0.layer])#\($0.call)" }
        let table = try #require(names.firstIndex(of: "token_embedding#0"))
        let head = try #require(names.firstIndex(of: "token_embedding#1"))
        let norm = try #require(names.firstIndex(of: "ln#0"))
        #expect(table < norm && norm < head, "\(names)")
        #expect(Set(names).count == names.count)
        // The reverse call's option is kept, and its output shape projects onto the vocabulary.
        let layer = try #require(model.layer(named: "token_embedding"))
        #expect(layer.callOptions.count == 2 && layer.callOptions[1]["reverse"]?.bool == true)
        let outputs = try ModelShapes.infer(&model)
        #expect(outputs == [[nil, 12, 300], [nil, 8]])
    }

    @Test func aCycleIsAnErrorNamingItsLayers() throws {
        let json = #"""
        {"class_name": "Functional", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_shape": [null, 4]}, "inbound_nodes": []},
          {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 4}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["b", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 4}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}], "kwargs": {}}]}],
          "input_layers": [["x", 0, 0]], "output_layers": [["b", 0, 0]]}}
        """#
        // Reading the model already orders its graph.
        #expect {
            _ = try KerasModelReader().read(text: json)
        } throws: { error in
            "\(error)".contains("cycle") && "\(error)".contains("a → b → a")
        }
    }
}
