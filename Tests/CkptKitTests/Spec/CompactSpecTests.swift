import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// The compact spec (docs/spec.md): its Keras 3 JSON is exactly what Keras's own `to_json()`
/// writes for the same model (Fixtures/spec/make_spec_references.py), and it plans the same
/// checkpoint as that JSON.
@Suite("Compact spec and export-keras")
struct CompactSpecTests {
    static let examples = ["mlp", "cnn", "resnet_block", "transformer_encoder", "lstm_tagger"]

    @Test(arguments: examples)
    func exportIsKerasOwnJSON(example: String) throws {
        let exported = try Checkpoints.exportKeras(specPath: TestPaths.fixture("spec/\(example).json"))
        let reference = try String(contentsOfFile: TestPaths.fixture("spec/\(example).keras3.json"), encoding: .utf8)
        #expect(exported == reference.trimmingCharacters(in: .newlines))
    }

    @Test(arguments: examples)
    func specPlansLikeItsKerasJSON(example: String) throws {
        let spec = try Checkpoints.plan(specPath: TestPaths.fixture("spec/\(example).json"))
        let keras = try Checkpoints.plan(specPath: TestPaths.fixture("spec/\(example).keras3.json"))
        #expect(spec.entries.map(\.kerasPath) == keras.entries.map(\.kerasPath))
        #expect(spec.entries.map(\.name) == keras.entries.map(\.name))
        #expect(spec.entries.map(\.shape) == keras.entries.map(\.shape))
        #expect(!spec.entries.isEmpty)
    }

    @Test func detectsCompactSpecsByContent() throws {
        #expect(CompactSpec.isCompact(try JSONParser.parse(#"{"ckpt_spec": 1, "input": [3], "layers": []}"#)))
        #expect(CompactSpec.isCompact(try JSONParser.parse(#"{"input": [3], "layers": [{"Dense": {"units": 2}}]}"#)))
        #expect(!CompactSpec.isCompact(try JSONParser.parse(#"{"class_name": "Sequential", "config": {"layers": []}}"#)))
    }

    @Test func flatLayerFormAndAutoNames() throws {
        let text = #"{"input": [4], "layers": [{"class": "Dense", "units": 3}, {"Dense": {"units": 2}}, {"class": "Dense", "units": 1, "name": "out"}]}"#
        let model = try KerasModelReader().read(text: text)
        #expect(model.layers.map(\.name) == ["input_layer", "dense", "dense_1", "out"])
        #expect(model.layer(named: "dense_1")?.inputShape == [nil, 3])
        #expect(model.layer(named: "out")?.config["units"]?.int == 1)
    }

    static let errors: [(String, String)] = [
        (#"{"input": [4], "layers": [{"Dence": {"units": 3}}]}"#, #"layers[0]: unknown layer class "Dence"; did you mean "Dense"?"#),
        (#"{"input": [4], "layers": [{"Dense": {"units": 3}}, {"Add": {}, "inputs": ["dense", "densse"]}]}"#,
         #"layer "add" (Add) at layers[1] takes its input from "densse", which is neither an input nor a layer of the spec; did you mean "dense"?"#),
        (#"{"input": [4], "layers": [{"Dense": {"units": 3}, "name": "a"}, {"Dense": {"units": 3}, "name": "a"}]}"#,
         #"duplicate name "a" at layers[1] and layers[0]"#),
        (#"{"input": [4], "layers": [{"Dense": {"units": 3}, "name": "a", "inputs": "b"}, {"Dense": {"units": 3}, "name": "b", "inputs": "a"}]}"#,
         #"layer "a" (Dense) at layers[0] is on a cycle: a → b → a"#),
        (#"{"input": [4], "layers": [{"Dense": {"activation": "relu"}}]}"#, #"missing config key "units""#),
        (#"{"input": [4], "layers": [{"Dense": {"units": 2, "unit": 3}}]}"#, #"unknown config key "unit"; did you mean "units"?"#),
        (#"{"layers": [{"Dense": {"units": 2}}]}"#, #"missing "input""#),
    ]

    @Test(arguments: errors)
    func errorsNameTheLayerAndItsPlace(text: String, expected: String) {
        #expect {
            _ = try KerasModelReader(file: "s.json").read(text: text)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("s.json: ") && message.contains(expected) && !message.contains("\n")
        }
    }

    /// `.keras` and full `.h5` targets embed the exported Keras 3 JSON, not the compact text.
    @Test func kerasTargetsEmbedTheExportedJSON() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("spec/mlp.json")
        let out = dir.path("m.keras")
        _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: out, seed: 1))
        let config = try #require(try KerasArchiveReader(path: out).modelConfig)
        #expect(config == (try Checkpoints.exportKeras(specPath: spec)))
    }

    /// The command prints the export on stdout, or fails with one line and status 1.
    @Test func exportKerasCommand() throws {
        let spec = TestPaths.fixture("spec/cnn.json")
        let result = try ProcessRunner.ckpt(["export-keras", spec])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try Checkpoints.exportKeras(specPath: spec)) + "\n")
        let dir = try TemporaryDirectory()
        try #"{"input": [4], "layers": [{"Dence": {"units": 3}}]}"#.write(toFile: dir.path("bad.json"), atomically: true, encoding: .utf8)
        let bad = try ProcessRunner.ckpt(["export-keras", dir.path("bad.json")])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasSuffix("layers[0]: unknown layer class \"Dence\"; did you mean \"Dense\"?\n"))
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }
}
