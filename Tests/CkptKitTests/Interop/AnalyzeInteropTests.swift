import Foundation
import Testing
import CkptTestSupport

/// `ckpt analyze` against Keras 3's own forward pass and against jax.vjp through Keras's graph
/// (Tests/Interop/check_analyze.py, in the torch/jax venv).
@Suite("Interop: ckpt analyze against Keras and JAX")
struct AnalyzeInteropTests {
    static func check(_ arguments: [String]) throws -> ProcessResult {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.torchVenvPython) else {
            Issue.record("The torch/jax venv is missing at \(TestPaths.torchVenvPython): run scripts/setup-python-torch.sh (or set CKPT_VENV_TORCH)")
            throw CancellationError()
        }
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_analyze.py").path
        return try ProcessRunner.run(TestPaths.torchVenvPython, [script, "--ckpt", TestPaths.ckptBinary] + arguments,
                                     environment: ["KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"])
    }

    /// Every layer's mean and variance within 1e-3 relative of Keras's intermediate outputs.
    @Test(arguments: ["mlp", "cnn", "respect", "embed", "resnet_block"])
    func forwardMatchesKeras(model: String) throws {
        let result = try Self.check(["--spec", TestPaths.fixture("keras/\(model).json"), "--mode", "forward"])
        #expect(result.status == 0 && result.stdout.contains(" 0 failed"), "\(model):\n\(result.stdout)\n\(result.stderr)")
    }

    @Test func forwardWithMovingStatisticsMatchesKeras() throws {
        let result = try Self.check(["--spec", TestPaths.fixture("keras/cnn.json"), "--mode", "forward", "--bn", "inference"])
        #expect(result.status == 0 && result.stdout.contains(" 0 failed"), "\(result.stdout)\n\(result.stderr)")
    }

    /// Gradient variances per layer output and per weight within 1e-3 relative of jax.vjp's,
    /// on a Sequential (mlp) and Functional models.
    @Test(arguments: ["mlp", "cnn", "respect", "embed", "resnet_block"])
    func backwardMatchesJAX(model: String) throws {
        let result = try Self.check(["--spec", TestPaths.fixture("keras/\(model).json"), "--mode", "backward"])
        #expect(result.status == 0 && result.stdout.contains(" 0 failed"), "\(model):\n\(result.stdout)\n\(result.stderr)")
    }

    /// keras.applications fixtures (224×224): every layer's mean and variance, with
    /// dropout and BatchNormalization batch statistics. Heavy in a debug build: set CKPT_BINARY
    /// to a release build.
    /// EfficientNetV2B0 at batch 2: at batch 1 its last stage normalizes 7×7 values per channel
    /// by their own statistics, 250 layers deep, and the two float32 implementations drift apart
    /// by a little more than 1e-3 there.
    @Test(arguments: [("mobilenetv2", 1), ("efficientnetv2b0", 2), ("efficientnetb0", 1), ("resnet50", 1), ("densenet121", 1), ("vgg16", 1)])
    func forwardMatchesKerasOnApplications(model: String, batch: Int) throws {
        let result = try Self.check(["--spec", TestPaths.fixture("keras/\(model).json"), "--mode", "forward", "--batch", String(batch)])
        #expect(result.status == 0 && result.stdout.contains(" 0 failed"), "\(model):\n\(result.stdout.suffix(3000))\n\(result.stderr.suffix(2000))")
    }
}
