import Foundation
import Testing
import CkptTestSupport

/// Loads ckpt's checkpoints with the real Keras 3, h5py and NumPy (Tests/Interop/check_keras.py),
/// from the venv that scripts/setup-python.sh creates.
@Suite("Interop with Keras 3, h5py and NumPy")
struct KerasInteropTests {
    /// Every fixture: CNNs, nested models, RNNs (orthogonal recurrent kernels, unit forget bias),
    /// attention, normalization layers (Normalization's int32 `count`) and keras.applications.
    static let models = TestPaths.kerasFixtureModels

    static func requireVenv() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.venvPython) else {
            Issue.record("The interop venv is missing at \(TestPaths.venvPython): run scripts/setup-python.sh (or set CKPT_VENV)")
            throw CancellationError()
        }
    }

    static func check(_ arguments: [String]) throws -> ProcessResult {
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_keras.py").path
        return try ProcessRunner.run(TestPaths.venvPython, [script] + arguments, environment: ["KERAS_BACKEND": "numpy"])
    }

    /// ckpt's rules: Keras loads the file with no warning, every tensor lands where Keras saves it,
    /// every std is within 5% of its formula, and the npz holds the same arrays under canonical names.
    @Test(arguments: models)
    func kerasLoadsRulesCheckpoint(model: String) throws {
        try Self.requireVenv()
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/\(model).json")
        let plan = try ProcessRunner.ckpt(["plan", spec, "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        try plan.stdout.write(toFile: dir.path("plan.json"), atomically: true, encoding: .utf8)
        for name in ["m.weights.h5", "m.npz"] {
            let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "--seed", "11"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let result = try Self.check(["--model", spec, "--weights", dir.path("m.weights.h5"), "--npz", dir.path("m.npz"),
                                     "--plan", dir.path("plan.json")])
        #expect(result.status == 0, "\(model):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }

    /// `--respect-config`: every tensor's std matches Keras' own fresh initialization within 5%
    /// (tensors of 256+ elements) and deterministic initializers match exactly.
    @Test(arguments: models)
    func respectConfigMatchesKerasOwnInitialization(model: String) throws {
        try Self.requireVenv()
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/\(model).json")
        let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path("m.weights.h5"), "--seed", "3", "--respect-config"])
        #expect(made.status == 0, "\(made.stderr)")
        let plan = try ProcessRunner.ckpt(["plan", spec, "--json", "--respect-config"])
        try plan.stdout.write(toFile: dir.path("plan.json"), atomically: true, encoding: .utf8)
        let result = try Self.check(["--model", spec, "--weights", dir.path("m.weights.h5"), "--plan", dir.path("plan.json"),
                                     "--reference", TestPaths.fixture("keras/\(model).reference.json")])
        #expect(result.status == 0, "\(model):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }
}
