import Foundation
import Testing
@testable import CkptKit
import CkptTestSupport

/// `ckpt analyze` end to end: the JSON schema, errors, `--weights`, `--input`, determinism.
@Suite("ckpt analyze command")
struct AnalyzeCommandTests {
    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    static func keys(_ value: JSONValue?) -> Set<String> {
        guard case .object(let object)? = value else { return [] }
        return Set(object.keys)
    }

    @Test func jsonFollowsTheSchema() throws {
        let result = try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/mlp.json"), "--json", "--batch", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        let root = try Self.json(result.stdout)
        #expect(Self.keys(root) == ["model", "input", "layers", "warnings", "predicted_chi_product"])
        #expect(root["model"]?.string == "mlp")
        let layers = try #require(root["layers"]?.array)
        #expect(layers.map { $0["name"]?.string ?? "" } == ["pixels", "hidden1", "hidden2", "logits"])
        let hidden1 = layers[1]
        #expect(Self.keys(hidden1) == ["name", "class", "output_shape", "forward", "backward", "weights", "predicted"])
        #expect(Self.keys(hidden1["forward"]) == ["mean", "var", "avg_sq_ch_mean", "avg_ch_var", "dead_fraction"])
        #expect(Self.keys(hidden1["backward"]) == ["var"])
        #expect(Self.keys(hidden1["predicted"]) == ["var", "chi"])
        #expect(hidden1["weights"]?.array?.map { $0["name"]?.string ?? "" } == ["hidden1/kernel", "hidden1/bias"])
        #expect(Self.keys(hidden1["weights"]?.array?.first) == ["name", "grad_var"])
        #expect(hidden1["output_shape"]?.array?.compactMap(\.int) == [4, 256])
        // hidden2 is tanh: saturation, no dead fraction.
        #expect(Self.keys(layers[2]["forward"]).contains("saturated_fraction"))
        #expect(!Self.keys(layers[2]["forward"]).contains("dead_fraction"))
        // The input layer has no weights: the key is absent.
        #expect(!Self.keys(layers[0]).contains("weights"))
        for warning in root["warnings"]?.array ?? [] { #expect(Self.keys(warning) == ["kind", "layer", "message"]) }
    }

    @Test func tableHasOneRowPerLayer() throws {
        let result = try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/mlp.json"), "--batch", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["pixels", "hidden1", "hidden2", "logits"] { #expect(result.stdout.contains("\n\(name) ")) }
        #expect(["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"].contains { result.stdout.contains($0) })
    }

    /// A layer the pass cannot run is one error naming it and its class.
    @Test(arguments: [("rnn", "srnn", "SimpleRNN"), ("attention", "mha", "MultiHeadAttention")])
    func unsupportedLayerIsOneClearError(model: String, layer: String, className: String) throws {
        let result = try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/\(model).json"), "--batch", "2"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("layer \"\(layer)\" (\(className))"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    /// `--weights` reads a checkpoint in any format; the figures equal the in-memory generation's.
    @Test(arguments: ["m.npz", "m.weights.h5", "m.safetensors"])
    func weightsFromACheckpointGiveTheSameFigures(file: String) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/cnn.json")
        let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(file), "--seed", "4", "--quiet"])
        #expect(made.status == 0, "\(made.stderr)")
        let fromFile = try ProcessRunner.ckpt(["analyze", spec, "--weights", dir.path(file), "--seed", "4", "--batch", "2", "--json"])
        let generated = try ProcessRunner.ckpt(["analyze", spec, "--seed", "4", "--batch", "2", "--json"])
        #expect(fromFile.status == 0 && generated.status == 0, "\(fromFile.stderr)\(generated.stderr)")
        #expect(JSONWriter.string(try Self.json(fromFile.stdout)["layers"]!, style: .compact)
                == JSONWriter.string(try Self.json(generated.stdout)["layers"]!, style: .compact))
    }

    @Test func inputShapeIsChecked() throws {
        let dir = try TemporaryDirectory()
        try AnalysisFixtures.writeNPY([Float](repeating: 0.5, count: 2 * 783), shape: [2, 783], to: dir.path("x.npy"))
        let wrong = try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/mlp.json"), "--input", dir.path("x.npy")])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("should have shape (None, 784)") && wrong.stderr.contains("(2, 783)"), "\(wrong.stderr)")
        try AnalysisFixtures.writeNPY([Float](repeating: 0.5, count: 3 * 784), shape: [3, 784], to: dir.path("ok.npy"))
        let right = try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/mlp.json"), "--input", "pixels=\(dir.path("ok.npy"))", "--json"])
        #expect(right.status == 0, "\(right.stderr)")
        #expect(try Self.json(right.stdout)["layers"]?.array?.first?["output_shape"]?.array?.compactMap(\.int) == [3, 784])
        let unknown = try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/mlp.json"), "--input", "nope=\(dir.path("ok.npy"))"])
        #expect(unknown.status == 1 && unknown.stderr.contains("nope"), "\(unknown.stderr)")
    }

    /// Token ids: generated uniformly over the vocabulary; a given id outside it is refused.
    @Test func integerInputs() throws {
        let dir = try TemporaryDirectory()
        let spec = dir.path("tokens.json")
        try """
            {"ckpt_spec": 1, "name": "tok", "input": {"shape": [5], "dtype": "int32", "name": "ids"},
             "layers": [{"Embedding": {"input_dim": 7, "output_dim": 4}, "name": "emb"}, {"Flatten": {}}, {"Dense": {"units": 3}}]}
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        let generated = try ProcessRunner.ckpt(["analyze", spec, "--json", "--batch", "3"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let root = try Self.json(generated.stdout)
        #expect(root["input"]?["tensors"]?.array?.first?["dtype"]?.string == "int32")
        #expect(root["layers"]?.array?.first { $0["name"]?.string == "emb" }?["weights"]?.array?.first?["name"]?.string == "emb/embeddings")
        try AnalysisFixtures.writeNPY([0, 1, 2, 3, 9], shape: [1, 5], to: dir.path("ids.npy"))
        let outside = try ProcessRunner.ckpt(["analyze", spec, "--input", dir.path("ids.npy")])
        #expect(outside.status == 1 && outside.stderr.contains("token ids from 0 to 6"), "\(outside.stderr)")
    }

    /// The same seed and input give the same JSON whatever OpenBLAS's thread setting.
    @Test func sameJSONForAnyThreadCount() throws {
        let arguments = ["analyze", TestPaths.fixture("keras/cnn.json"), "--batch", "3", "--seed", "9", "--json"]
        let one = try ProcessRunner.run(TestPaths.ckptBinary, arguments, environment: ["OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"])
        let four = try ProcessRunner.run(TestPaths.ckptBinary, arguments, environment: ["OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "4"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout == four.stdout)
        let again = try ProcessRunner.ckpt(arguments)
        #expect(again.stdout == one.stdout)
    }

    @Test func batchNormModes() throws {
        let batch = try Self.json(try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/cnn.json"), "--batch", "2", "--json"]).stdout)
        let inference = try Self.json(try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/cnn.json"), "--batch", "2", "--json", "--bn", "inference"]).stdout)
        func bn(_ root: JSONValue) -> Double? { root["layers"]?.array?.first { $0["name"]?.string == "bn2" }?["forward"]?["var"]?.double }
        // Batch statistics normalize to unit variance; the fresh moving statistics (0, 1) leave it.
        #expect(abs((bn(batch) ?? 0) - 1) < 1e-2)
        #expect(abs((bn(inference) ?? 0) - 1) > 0.1)
        let bad = try ProcessRunner.ckpt(["analyze", TestPaths.fixture("keras/cnn.json"), "--bn", "train"])
        #expect(bad.status != 0 && bad.stderr.contains("--bn"))
    }
}
