import Foundation
import Testing
import CkptTestSupport

/// Loads ckpt's Hugging Face folders with the real transformers and torch
/// (Tests/Interop/check_huggingface.py), from the venv scripts/setup-python-torch.sh creates:
/// no missing, unexpected or mismatched keys and no weight warning, finite logits, every std
/// within 5% of a fresh transformers init and constant tensors exact.
@Suite("Interop with transformers and torch")
struct HuggingFaceInteropTests {
    static let families = ["llama", "llama_biases", "mistral", "mixtral", "qwen2", "qwen3", "qwen3_moe", "gemma", "gemma2", "phi3", "gpt2", "bert", "roberta", "t5", "t5_v1_1", "vit"]

    static func requireVenv() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.torchVenvPython) else {
            Issue.record("The torch/transformers venv is missing at \(TestPaths.torchVenvPython): run scripts/setup-python-torch.sh (or set CKPT_VENV_TORCH)")
            throw CancellationError()
        }
    }

    static func check(config: String, folder: String, profile: String = "hf") throws -> ProcessResult {
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_huggingface.py").path
        return try ProcessRunner.run(TestPaths.torchVenvPython, [script, "--config", config, "--dir", folder, "--profile", profile],
                                     environment: ["HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"])
    }

    static func initAndCheck(_ family: String, _ options: [String], profile: String = "hf") throws {
        try requireVenv()
        let dir = try TemporaryDirectory()
        let config = TestPaths.fixture("huggingface/tiny/\(family).json")
        let made = try ProcessRunner.ckpt(["init", config, "-o", dir.path("m"), "--seed", "5", "-q"] + options)
        #expect(made.status == 0, "\(made.stderr)")
        let result = try check(config: config, folder: dir.path("m"), profile: profile)
        #expect(result.status == 0, "\(family):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }

    @Test(arguments: families)
    func transformersLoadsTheFolder(family: String) throws {
        try Self.initAndCheck(family, [])
    }

    @Test(arguments: ["llama", "gpt2", "bert"])
    func transformersLoadsAShardedFolder(family: String) throws {
        try Self.initAndCheck(family, ["--max-shard-size", "30KB"])
    }

    @Test func transformersLoadsVLLMDummyWeights() throws {
        try Self.initAndCheck("qwen3", ["--profile", "vllm-dummy"], profile: "vllm-dummy")
    }
}
