import Testing
import CkptTestSupport
@testable import CkptKit

@Suite("Keras model JSON reader")
struct KerasModelReaderTests {
    @Test func readsFunctionalWithOpLayerAndNestedSequential() throws {
        let model = try Checkpoints.loadModel(path: TestPaths.fixture("keras/nested.json"))
        #expect(model.className == "Functional")
        let nested = model.layers.filter { $0.submodel != nil }
        #expect(!nested.isEmpty)
        #expect(nested.allSatisfy { $0.submodel?.layers.isEmpty == false })
    }

    @Test func sequentialDropsLeadingInputLayerFromKerasLayers() throws {
        let json = #"{"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "in"}}, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 3}, "build_config": {"input_shape": [null, 4]}}]}}"#
        let model = try KerasModelReader().read(text: json)
        #expect(model.layers.count == 2)
        #expect(model.kerasLayers.map(\.name) == ["d"])
        #expect(model.kerasLayers[0].inputShape == [nil, 4])
    }

    /// Wrappers: inner layers named as Keras builds them, with the inner input shape.
    @Test func readsWrappedLayers() throws {
        let model = try Checkpoints.loadModel(path: TestPaths.fixture("keras/rnn.json"))
        let bi = try #require(model.layer(named: "bi_mixed"))
        #expect(bi.wrapped.map(\.key) == ["forward_layer", "backward_layer"])
        #expect(bi.wrapped.map(\.layer.name) == ["forward_lstm_1", "gru"])
        #expect(bi.wrapped.map(\.layer.className) == ["LSTM", "GRU"])
        let td = try #require(model.layer(named: "td_dense"))
        #expect(td.wrapped.map(\.key) == ["layer"] && td.wrapped[0].layer.inputShape == [nil, 10])
        // Keras 2 style: no backward_layer, no inner build_config.
        let json = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Bidirectional", "config": {"name": "bi", "layer": {"class_name": "GRU", "config": {"name": "gru", "units": 2, "return_sequences": true}}}, "build_config": {"input_shape": [null, 5, 3]}}, {"class_name": "TimeDistributed", "config": {"name": "td", "layer": {"class_name": "Dense", "config": {"name": "d", "units": 2}}}, "build_config": {"input_shape": [null, 5, 4]}}]}}"#
        let keras2 = try KerasModelReader().read(text: json)
        #expect(keras2.layers[0].wrapped.map(\.layer.name) == ["forward_gru", "backward_gru"])
        #expect(keras2.layers[0].wrapped.allSatisfy { $0.layer.inputShape == [nil, 5, 3] })
        #expect(keras2.layers[1].wrapped[0].layer.inputShape == [nil, 4])
    }

    /// Attention layers' build_config has named shapes instead of input_shape.
    @Test func readsShapesDict() throws {
        let model = try Checkpoints.loadModel(path: TestPaths.fixture("keras/attention.json"))
        let mha = try #require(model.layer(named: "mha"))
        #expect(mha.namedInputShapes["query_shape"] == [nil, 8, 16])
        #expect(mha.namedInputShapes["key_shape"] == nil)
        #expect(mha.inputShapes.count == 2 && mha.inputShapeSource == "build_config")
    }

    @Test func malformedJSONNamesFileLineAndColumn() {
        do {
            _ = try KerasModelReader(file: "m.json").read(text: "{\"class_name\": \"Functional\",\n \"config\": {]}")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("m.json: malformed JSON at line 2, column 13"), "\(error)")
        }
    }

    @Test func duplicateLayerNamesAreRejected() {
        let json = #"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", "units": 1}}, {"class_name": "Dense", "config": {"name": "d", "units": 1}}]}}"#
        #expect { try KerasModelReader().read(text: json) } throws: { error in
            "\(error)".contains("duplicate layer name \"d\"")
        }
    }

    @Test func edgeToMissingLayerIsRejected() {
        let json = #"{"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 1}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 2], "keras_history": ["ghost", 0, 0]}}], "kwargs": {}}]}], "input_layers": [], "output_layers": ["d", 0, 0]}}"#
        #expect { try KerasModelReader().read(text: json) } throws: { error in
            "\(error)".contains("\"ghost\"")
        }
    }

    @Test func notAModelIsRejectedClearly() {
        #expect { try KerasModelReader().read(text: "[1, 2]") } throws: { error in
            "\(error)".contains("expected a JSON object")
        }
        #expect { try KerasModelReader().read(text: #"{"class_name": "Dense", "config": {}}"#) } throws: { error in
            "\(error)".contains("Functional or Sequential")
        }
    }
}
