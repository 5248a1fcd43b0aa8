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

    static func check(config: String, folder: String, profile: String = "hf", dtype: String? = nil) throws -> ProcessResult {
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_huggingface.py").path
        return try ProcessRunner.run(TestPaths.torchVenvPython, [script, "--config", config, "--dir", folder, "--profile", profile] + (dtype.map { ["--dtype", $0] } ?? []),
                                     environment: ["HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"])
    }

    static func initAndCheck(_ family: String, _ options: [String], profile: String = "hf", dtype: String? = nil) throws {
        try requireVenv()
        let dir = try TemporaryDirectory()
        let config = TestPaths.fixture("huggingface/tiny/\(family).json")
        let made = try ProcessRunner.ckpt(["init", config, "-o", dir.path("m"), "--seed", "5", "-q"] + options)
        #expect(made.status == 0, "\(made.stderr)")
        let result = try check(config: config, folder: dir.path("m"), profile: profile, dtype: dtype)
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

    /// `--dtype bfloat16` (and float16): every tensor on disk in it, and
    /// `from_pretrained(DIR, dtype=torch.bfloat16)` loads without a warning.
    @Test(arguments: [("llama", "bfloat16"), ("qwen3_moe", "bfloat16"), ("gemma2", "bfloat16"), ("gpt2", "float16"), ("t5", "bfloat16")])
    func transformersLoadsAHalfPrecisionFolder(family: String, dtype: String) throws {
        try Self.initAndCheck(family, ["--dtype", dtype], dtype: dtype)
    }

    /// A folder converted to `.npz` and back into a folder (the config from `--spec`) loads as
    /// the original does, and equals it.
    @Test(arguments: ["llama", "bert"])
    func transformersLoadsAFolderConvertedBack(family: String) throws {
        try Self.requireVenv()
        let dir = try TemporaryDirectory()
        let config = TestPaths.fixture("huggingface/tiny/\(family).json")
        for arguments in [["init", config, "-o", dir.path("m"), "--seed", "5", "--dtype", "bfloat16", "-q"],
                          ["convert", dir.path("m"), dir.path("m.npz"), "-q"],
                          ["convert", dir.path("m.npz"), dir.path("back"), "--spec", config, "-q"]] {
            let result = try ProcessRunner.ckpt(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let same = try ProcessRunner.ckpt(["diff", dir.path("m"), dir.path("back")])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let result = try Self.check(config: config, folder: dir.path("back"), dtype: "bfloat16")
        #expect(result.status == 0, "\(family):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }
}
