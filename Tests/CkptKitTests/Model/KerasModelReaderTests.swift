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
