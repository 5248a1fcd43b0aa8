import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `ckpt init config.json -o model.gguf`, `ckpt convert DIR model.gguf`, `ckpt inspect` and
/// `ckpt convert model.gguf out.safetensors` end to end: converted back, an F32 GGUF gives the
/// safetensors ckpt writes directly, byte for byte (names mapped back, Q/K un-permuted).
@Suite("GGUF end to end")
struct GGUFCLITests {
    static func ckpt(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
        let result = try ProcessRunner.ckpt(arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test(arguments: ["llama", "llama_biases", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "mixtral", "qwen3_moe_sparse"])
    func initToGGUFAndBackEqualsSafetensors(family: String) throws {
        let dir = try TemporaryDirectory()
        let config = GGUFInteropTests.config(family)
        _ = try Self.ckpt(["init", config, "-o", dir.path("m.gguf"), "--seed", "3", "-q"])
        _ = try Self.ckpt(["init", config, "-o", dir.path("direct.safetensors"), "--seed", "3", "-q"])
        _ = try Self.ckpt(["convert", dir.path("m.gguf"), dir.path("back.safetensors"), "-q"])
        #expect(Self.bytes(dir.path("back.safetensors")) == Self.bytes(dir.path("direct.safetensors")), "\(family)")
        let inspect = try Self.ckpt(["inspect", dir.path("m.gguf")])
        #expect(inspect.stdout.contains("gguf"))
        let arch = ["llama", "llama_biases", "mistral", "mixtral"].contains(family) ? "llama" : family == "qwen3_moe_sparse" ? "qwen3moe" : family
        #expect(inspect.stdout.contains("general.architecture: \(arch)"))
        #expect(inspect.stdout.contains("model.layers.0.self_attn.o_proj.weight"))
    }

    /// A Hugging Face folder converts to GGUF (the folder's config decides the architecture), and
    /// `--format gguf` names the format whatever the ending; the result equals `init`'s.
    @Test func folderConvertsToGGUF() throws {
        let dir = try TemporaryDirectory()
        let config = TestPaths.fixture("huggingface/tiny/qwen3.json")
        _ = try Self.ckpt(["init", config, "-o", dir.path("folder"), "--seed", "4", "-q"])
        _ = try Self.ckpt(["convert", dir.path("folder"), dir.path("from-folder.gguf"), "-q"])
        _ = try Self.ckpt(["init", config, "-o", dir.path("direct.bin.x"), "--format", "gguf", "--seed", "4", "-q"])
        let reader = try CheckpointReaders.open(path: dir.path("from-folder.gguf"))
        #expect(reader.format == .gguf)
        let direct = try CheckpointReaders.open(path: dir.path("direct.bin.x"))
        #expect(direct.format == .gguf)
        #expect(reader.tensors.map(\.info) == direct.tensors.map(\.info))
        for (a, b) in zip(reader.tensors, direct.tensors) {
            var x: [UInt8] = []
            var y: [UInt8] = []
            try reader.read(a, maximumPieceBytes: 1000) { x += $0 }
            try direct.read(b, maximumPieceBytes: 777) { y += $0 }
            #expect(x == y, "\(a.name)")
        }
        // The GGUF carries the config, so it converts back into a Hugging Face folder.
        _ = try Self.ckpt(["convert", dir.path("from-folder.gguf"), dir.path("back"), "-q"])
        #expect(Self.bytes(dir.path("back/model.safetensors")) == Self.bytes(dir.path("folder/model.safetensors")))
        #expect(Self.bytes(dir.path("back/config.json")) == Self.bytes(dir.path("folder/config.json")))
    }

    /// A safetensors file with Hugging Face names converts with `--spec config.json`; without a
    /// config it is one error saying how to give one, and nothing is written.
    @Test func safetensorsConvertsWithASpecConfig() throws {
        let dir = try TemporaryDirectory()
        let config = TestPaths.fixture("huggingface/tiny/mistral.json")
        _ = try Self.ckpt(["init", config, "-o", dir.path("m.safetensors"), "--seed", "6", "-q"])
        // The same file name (it is general.name) in two folders.
        try FileManager.default.createDirectory(atPath: dir.path("a"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: dir.path("b"), withIntermediateDirectories: false)
        _ = try Self.ckpt(["init", config, "-o", dir.path("a/m.gguf"), "--seed", "6", "--no-recipe", "-q"])
        _ = try Self.ckpt(["convert", dir.path("m.safetensors"), dir.path("b/m.gguf"), "--spec", config, "--no-recipe", "-q"])
        #expect(Self.bytes(dir.path("b/m.gguf")) == Self.bytes(dir.path("a/m.gguf")))
        let refused = try ProcessRunner.ckpt(["convert", dir.path("m.safetensors"), dir.path("none.gguf")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("GGUF is written from a Hugging Face config.json"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("none.gguf")))
    }

    /// Q8_0 converted back is float32 within the quantization's bound of the direct values.
    @Test func q8_0ConvertsBackWithinItsBound() throws {
        let dir = try TemporaryDirectory()
        let config = TestPaths.fixture("huggingface/tiny/llama.json")
        _ = try Self.ckpt(["init", config, "-o", dir.path("q.gguf"), "--quantize", "q8_0", "--seed", "3", "-q"])
        _ = try Self.ckpt(["init", config, "-o", dir.path("direct.safetensors"), "--seed", "3", "-q"])
        _ = try Self.ckpt(["convert", dir.path("q.gguf"), dir.path("back.safetensors"), "-q"])
        let back = try CheckpointReaders.open(path: dir.path("back.safetensors"))
        let direct = try CheckpointReaders.open(path: dir.path("direct.safetensors"))
        #expect(back.tensors.map(\.info) == direct.tensors.map(\.info))
        for (a, b) in zip(back.tensors, direct.tensors) {
            var x: [UInt8] = []
            var y: [UInt8] = []
            try back.read(a, maximumPieceBytes: 1 << 20) { x += $0 }
            try direct.read(b, maximumPieceBytes: 1 << 20) { y += $0 }
            let u = x.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let v = y.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            if a.info.shape.count == 1 {
                #expect(u == v, "\(a.name): 1-D tensors stay F32")
                continue
            }
            // Rows of 64 are two blocks each; blocks are the same in both orders within a row.
            for block in stride(from: 0, to: v.count, by: 32) {
                let d = v[block..<block + 32].map(abs).max()! / 127
                let bound = d / 2 + 127 * abs(d - Float(Float16(d))) + d * 1e-6
                for i in block..<block + 32 where abs(u[i] - v[i]) > bound {
                    Issue.record("\(a.name)[\(i)]: \(u[i]) vs \(v[i]), bound \(bound)")
                }
            }
        }
    }

    @Test func unsupportedFamilyAndMisplacedQuantizeAreOneLineErrors() throws {
        let dir = try TemporaryDirectory()
        let gpt2 = try ProcessRunner.ckpt(["init", TestPaths.fixture("huggingface/tiny/gpt2.json"), "-o", dir.path("g.gguf")])
        #expect(gpt2.status == 1)
        #expect(gpt2.stderr.contains("model_type \"gpt2\" has no GGUF mapping"), "\(gpt2.stderr)")
        #expect(gpt2.stderr.contains("llama, mistral, mixtral, qwen2, qwen3, qwen3_moe, gemma, gemma2, phi3"))
        // Gemma's llama.cpp architecture has no output tensor: an untied lm_head is refused.
        let untied = dir.path("untied.json")
        try #"{"model_type": "gemma", "vocab_size": 8, "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "head_dim": 4, "tie_word_embeddings": false}"#
            .write(toFile: untied, atomically: true, encoding: .utf8)
        let refused = try ProcessRunner.ckpt(["init", untied, "-o", dir.path("u.gguf")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("has no output tensor"), "\(refused.stderr)")
        try FileManager.default.removeItem(atPath: untied)
        let npz = try ProcessRunner.ckpt(["init", TestPaths.fixture("huggingface/tiny/llama.json"), "-o", dir.path("m.npz"), "--quantize", "q8_0"])
        #expect(npz.status == 1)
        // llama.cpp's qwen3moe has experts in every layer: the fixture's dense layer is refused.
        let dense = try ProcessRunner.ckpt(["init", TestPaths.fixture("huggingface/tiny/qwen3_moe.json"), "-o", dir.path("d.gguf")])
        #expect(dense.status == 1)
        #expect(dense.stderr.contains("has experts in every layer"), "\(dense.stderr)")
        #expect(npz.stderr.contains("--quantize q8_0 is for GGUF outputs"), "\(npz.stderr)")
        let bad = try ProcessRunner.ckpt(["init", TestPaths.fixture("huggingface/tiny/llama.json"), "-o", dir.path("m.gguf"), "--quantize", "q4"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("unknown --quantize \"q4\""), "\(bad.stderr)")
        #expect(dir.contents().isEmpty, "\(dir.contents())")
    }

    /// `--seeds` and a jobs file with `"quantize"` write Q8_0 files; a bad value is the field's error.
    @Test func batchWritesQuantizedGGUF() throws {
        let dir = try TemporaryDirectory()
        let config = TestPaths.fixture("huggingface/tiny/qwen2.json")
        _ = try Self.ckpt(["init", config, "--seeds", "0..1", "-o", dir.path("s{seed}.gguf"), "--quantize", "q8_0", "-q"])
        let jobs = dir.path("jobs.json")
        try #"{"jobs": [{"init": "\#(config)", "seeds": [2], "formats": ["gguf"], "quantize": "q8_0", "output": "\#(dir.path("j{seed}.{format}"))"}]}"#
            .write(toFile: jobs, atomically: true, encoding: .utf8)
        _ = try Self.ckpt(["batch", jobs, "-q"])
        for name in ["s0.gguf", "s1.gguf", "j2.gguf"] {
            let reader = try #require(try CheckpointReaders.open(path: dir.path(name)) as? GGUFReader)
            #expect(reader.header.value("general.file_type") == .uint32(7), "\(name)")
            #expect(reader.header.tensors.contains { $0.type == .q8_0 }, "\(name)")
        }
        try #"{"jobs": [{"init": "\#(config)", "quantize": "q4", "output": "x.gguf"}]}"#.write(toFile: jobs, atomically: true, encoding: .utf8)
        let bad = try ProcessRunner.ckpt(["batch", jobs])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains(#"field "quantize": "q4" is not a quantized type; expected q8_0"#), "\(bad.stderr)")
    }

    /// An existing file is replaced only with --force.
    @Test func existingFileNeedsForce() throws {
        let dir = try TemporaryDirectory()
        let config = TestPaths.fixture("huggingface/tiny/qwen2.json")
        _ = try Self.ckpt(["init", config, "-o", dir.path("m.gguf"), "-q"])
        let again = try ProcessRunner.ckpt(["init", config, "-o", dir.path("m.gguf"), "-q"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("pass --force"), "\(again.stderr)")
        _ = try Self.ckpt(["init", config, "-o", dir.path("m.gguf"), "--seed", "9", "--force", "-q"])
        #expect(dir.contents() == ["m.gguf"])
    }
}
