import Foundation
import Testing
import CkptTestSupport

/// Compact specs and Keras 2 JSON against the real Keras 3: `ckpt export-keras` gives JSON that
/// `model_from_json` builds, a `.weights.h5` ckpt makes from the spec loads into it with no
/// warning and holds exactly Keras's paths and shapes (Tests/Interop/check_keras.py), a `.keras`
/// loads with `load_model` and a full `.h5` with `load_model` too (check_formats.py).
@Suite("Interop: compact specs and Keras 2 JSON with Keras 3")
struct SpecInteropTests {
    static let specs = ["spec/mlp", "spec/cnn", "spec/resnet_block", "spec/transformer_encoder", "spec/lstm_tagger",
                        "keras2/rnn", "keras2/attention", "keras2/autoencoder", "keras2/nested", "formats/tfkeras_small"]

    static func python(_ script: String, _ arguments: [String]) throws -> ProcessResult {
        let path = TestPaths.repository.appendingPathComponent("Tests/Interop/\(script)").path
        return try ProcessRunner.run(TestPaths.venvPython, [path] + arguments, environment: ["KERAS_BACKEND": "numpy"])
    }

    @Test(arguments: specs)
    func kerasLoadsCheckpointsOfTheExportedModel(spec name: String) throws {
        try KerasInteropTests.requireVenv()
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("\(name).json")
        let exported = try ProcessRunner.ckpt(["export-keras", spec, "-o", dir.path("model.json")])
        #expect(exported.status == 0, "\(exported.stderr)")
        let plan = try ProcessRunner.ckpt(["plan", spec, "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        try plan.stdout.write(toFile: dir.path("plan.json"), atomically: true, encoding: .utf8)
        for file in ["m.weights.h5", "m.keras", "m.h5"] {
            // Keras 3 loads the full .h5 with Keras 3 JSON in it: from a Keras 2 JSON (whose .h5
            // embeds that JSON, for tf.keras: TFKerasInteropTests) that takes --keras-dialect 3.
            let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(file), "--seed", "5", "-q"]
                                              + (file == "m.h5" ? ["--keras-dialect", "3"] : []))
            #expect(made.status == 0, "\(made.stderr)")
        }
        let checks = [
            try Self.python("check_keras.py", ["--model", dir.path("model.json"), "--weights", dir.path("m.weights.h5"), "--plan", dir.path("plan.json")]),
            try Self.python("check_formats.py", ["load-keras", "--model", dir.path("model.json"), "--file", dir.path("m.keras")]),
            try Self.python("check_formats.py", ["load-legacy", "--full", "--model", dir.path("model.json"), "--file", dir.path("m.h5")]),
        ]
        for result in checks {
            #expect(result.status == 0, "\(name):\n\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains(" 0 failed"), "\(name): \(result.stdout)")
        }
    }

    /// A tf.keras full `.h5` converted to `.keras` carries its model as Keras 3 JSON.
    @Test func keras2FullH5ConvertsToALoadableKerasArchive() throws {
        try KerasInteropTests.requireVenv()
        let dir = try TemporaryDirectory()
        let converted = try ProcessRunner.ckpt(["convert", TestPaths.fixture("formats/tfkeras_small_full.h5"), "-o", dir.path("m.keras")])
        #expect(converted.status == 0, "\(converted.stderr)")
        let exported = try ProcessRunner.ckpt(["export-keras", TestPaths.fixture("formats/tfkeras_small.json"), "-o", dir.path("model.json")])
        #expect(exported.status == 0, "\(exported.stderr)")
        let result = try Self.python("check_formats.py", ["load-keras", "--model", dir.path("model.json"), "--file", dir.path("m.keras")])
        #expect(result.status == 0 && result.stdout.contains(" 0 failed"), "\(result.stdout)\n\(result.stderr)")
    }
}
