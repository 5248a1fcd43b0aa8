import Foundation
import Testing
import CkptTestSupport

/// Reads ckpt's GGUF files with the real gguf package (llama.cpp's gguf-py;
/// Tests/Interop/check_gguf.py), from the venv scripts/setup-python-torch.sh creates: the
/// header, the architecture's metadata, every name valid for the architecture and equal to
/// gguf's TensorNameMap of the Hugging Face names, shapes and types, and the values (F32, F16
/// and BF16 exact after Q/K permutation; Q8_0 within its bound and byte-equal to gguf's own
/// quantization) against the safetensors ckpt writes for the same config and seed.
@Suite("Interop with gguf (llama.cpp's gguf-py)")
struct GGUFInteropTests {
    static let families = ["llama", "llama_biases", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "mixtral", "qwen3_moe_sparse"]

    /// The config of `family`: the tiny Hugging Face fixtures, and a Qwen3-MoE with experts in every
    /// layer (llama.cpp's qwen3moe has no dense layers).
    static func config(_ family: String) -> String {
        family == "qwen3_moe_sparse" ? TestPaths.fixture("formats/gguf/qwen3_moe_sparse.json") : TestPaths.fixture("huggingface/tiny/\(family).json")
    }

    static func check(_ family: String, options: [String] = [], checkArguments: [String] = []) throws {
        try HuggingFaceInteropTests.requireVenv()
        let dir = try TemporaryDirectory()
        let config = Self.config(family)
        let dtype = options.firstIndex(of: "--dtype").map { Array(options[$0...$0 + 1]) } ?? []
        for arguments in [["init", config, "-o", dir.path("m.gguf"), "--seed", "7", "-q"] + options,
                          ["init", config, "-o", dir.path("ref.safetensors"), "--seed", "7", "-q"] + dtype] {
            let made = try ProcessRunner.ckpt(arguments)
            #expect(made.status == 0, "\(arguments): \(made.stderr)")
        }
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_gguf.py").path
        let result = try ProcessRunner.run(TestPaths.torchVenvPython, [script, "--gguf", dir.path("m.gguf"), "--config", config,
                                                                       "--reference", dir.path("ref.safetensors")] + checkArguments)
        #expect(result.status == 0, "\(family) \(options):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }

    @Test(arguments: families)
    func ggufReadsTheFile(family: String) throws {
        try Self.check(family)
    }

    @Test(arguments: ["llama", "qwen3", "mixtral", "qwen3_moe_sparse"])
    func ggufReadsQ8_0(family: String) throws {
        try Self.check(family, options: ["--quantize", "q8_0"], checkArguments: ["--quantize", "q8_0"])
    }

    @Test(arguments: [("llama", "float16"), ("qwen2", "bfloat16")])
    func ggufReadsHalfPrecision(family: String, dtype: String) throws {
        try Self.check(family, options: ["--dtype", dtype], checkArguments: ["--dtype", dtype])
    }
}
