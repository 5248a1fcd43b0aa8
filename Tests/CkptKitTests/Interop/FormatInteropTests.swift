import Foundation
import Testing
import CkptTestSupport

/// The real tools read what `ckpt init` and `ckpt convert` write (Tests/Interop/check_formats.py):
/// Keras 3 `load_model` and `load_weights` on `.keras` and legacy `.h5`, safetensors' `safe_open`
/// (sharded too), h5py, and NumPy.
@Suite("Interop: every written format with its own tool")
struct FormatInteropTests {
    static func check(_ arguments: [String]) throws -> ProcessResult {
        try KerasInteropTests.requireVenv()
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_formats.py").path
        return try ProcessRunner.run(TestPaths.venvPython, [script] + arguments, environment: ["KERAS_BACKEND": "numpy"])
    }

    static func expectPass(_ result: ProcessResult, _ what: String) {
        #expect(result.status == 0, "\(what):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(what): \(result.stdout)")
    }

    @Test(arguments: ["nested", "cnn", "mobilenetv2", "wrapped_models"])
    func kerasLoadsKerasAndLegacyFiles(model: String) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/\(model).json")
        for (name, extra) in [("m.keras", [String]()), ("m.h5", []), ("w.h5", ["--weights-only"])] {
            let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "--seed", "2"] + extra)
            #expect(made.status == 0, "\(made.stderr)")
        }
        Self.expectPass(try Self.check(["load-keras", "--model", spec, "--file", dir.path("m.keras")]), "\(model) .keras")
        Self.expectPass(try Self.check(["load-legacy", "--model", spec, "--file", dir.path("m.h5"), "--full"]), "\(model) full .h5")
        Self.expectPass(try Self.check(["load-legacy", "--model", spec, "--file", dir.path("w.h5")]), "\(model) weights-only .h5")
        Self.expectPass(try Self.check(["h5py", "--file", dir.path("m.h5")]), "\(model) h5py")
    }

    @Test func safetensorsSingleShardedAndBFloat16() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/resnet_block.json")
        for (name, extra) in [("ref.npz", [String]()), ("m.safetensors", []), ("s.safetensors", ["--max-shard-size", "8KB"])] {
            let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "--seed", "9"] + extra)
            #expect(made.status == 0, "\(made.stderr)")
        }
        #expect(dir.contents().contains("s.safetensors.index.json"))
        #expect(dir.contents().filter { $0.hasPrefix("s-0") }.count > 2, "\(dir.contents())")
        Self.expectPass(try Self.check(["safetensors", "--file", dir.path("m.safetensors"), "--npz", dir.path("ref.npz")]), "single")
        Self.expectPass(try Self.check(["safetensors", "--file", dir.path("s.safetensors.index.json"), "--npz", dir.path("ref.npz")]), "sharded")
        // bfloat16 through convert, checked against a bfloat16 npz (|V2, as NumPy + ml_dtypes write it).
        for (name, format) in [("b.safetensors", "safetensors"), ("b.npz", "npz")] {
            let converted = try ProcessRunner.ckpt(["convert", dir.path("ref.npz"), dir.path(name), "--dtype", "bfloat16", "--format", format])
            #expect(converted.status == 0, "\(converted.stderr)")
        }
        Self.expectPass(try Self.check(["safetensors", "--file", dir.path("b.safetensors"), "--npz", dir.path("b.npz")]), "bfloat16")
    }

    /// `--dtype`: float16 files and bfloat16 files (2-byte opaque + `dtype` attribute, as Keras
    /// writes them) load into a float32 Keras model with no warning and the exact values.
    @Test(arguments: ["float16", "bfloat16", "float64"])
    func kerasLoadsOtherDTypes(dtype: String) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/cnn.json")
        for name in ["m.weights.h5", "m.keras", "m.h5"] {
            let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "--dtype", dtype])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_keras.py").path
        let weights = try ProcessRunner.run(TestPaths.venvPython, [script, "--model", spec, "--weights", dir.path("m.weights.h5")],
                                            environment: ["KERAS_BACKEND": "numpy"])
        Self.expectPass(weights, "\(dtype) .weights.h5")
        Self.expectPass(try Self.check(["load-keras", "--model", spec, "--file", dir.path("m.keras")]), "\(dtype) .keras")
        Self.expectPass(try Self.check(["load-legacy", "--model", spec, "--file", dir.path("m.h5"), "--full"]), "\(dtype) .h5")
    }

    @Test func numpyReadsConvertedNpz() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/embed.json")
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("a.weights.h5"), "--seed", "4"]).status == 0)
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("ref.npz"), "--seed", "4"]).status == 0)
        let converted = try ProcessRunner.ckpt(["convert", dir.path("a.weights.h5"), dir.path("c.npz"), "--spec", spec, "--compress"])
        #expect(converted.status == 0, "\(converted.stderr)")
        Self.expectPass(try Self.check(["npz", "--file", dir.path("c.npz"), "--npz", dir.path("ref.npz")]), "npz")
    }
}
