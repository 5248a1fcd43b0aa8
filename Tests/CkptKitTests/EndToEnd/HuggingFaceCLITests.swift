import Foundation
import Testing
import CkptTestSupport

/// `ckpt init config.json -o DIR` end to end: the folder, bad input, the job-array parts,
/// convert, inspect and diff on folders.
@Suite("Hugging Face folders, end to end")
struct HuggingFaceCLITests {
    static let tiny = TestPaths.fixture("huggingface/tiny/llama.json")

    static func files(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return files
    }

    @Test func writesTheSavePretrainedFolder() throws {
        let dir = try TemporaryDirectory()
        let made = try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("m"), "--seed", "4"])
        #expect(made.status == 0, "\(made.stderr)")
        let files = try Self.files(dir.path("m"))
        #expect(Set(files.keys) == ["config.json", "generation_config.json", "model.safetensors"])
        #expect(files["config.json"] == FileManager.default.contents(atPath: Self.tiny), "config.json as given")
        let generation = String(decoding: files["generation_config.json"] ?? Data(), as: UTF8.self)
        #expect(generation.contains("\"bos_token_id\": 1") && generation.contains("\"eos_token_id\": 2"))
        let inspect = try ProcessRunner.ckpt(["inspect", dir.path("m")])
        #expect(inspect.status == 0 && inspect.stdout.contains("format: pt") && inspect.stdout.contains("ckpt_recipe"), "\(inspect.stdout)\(inspect.stderr)")
        // An encoder has no generation_config.json.
        let bert = try ProcessRunner.ckpt(["init", TestPaths.fixture("huggingface/tiny/bert.json"), "-o", dir.path("b")])
        #expect(bert.status == 0, "\(bert.stderr)")
        #expect(Set(try Self.files(dir.path("b")).keys) == ["config.json", "model.safetensors"])
    }

    @Test func shardsWithAnIndex() throws {
        let dir = try TemporaryDirectory()
        let made = try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("m"), "--max-shard-size", "40KB"])
        #expect(made.status == 0, "\(made.stderr)")
        let names = Set(try Self.files(dir.path("m")).keys)
        #expect(names.contains("model.safetensors.index.json") && names.contains { $0.hasPrefix("model-00001-of-") } && !names.contains("model.safetensors"), "\(names)")
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("m/model.safetensors.index.json")))) as? [String: Any]
        #expect((index?["weight_map"] as? [String: String])?.count == 20)
        #expect(made.stdout.contains("model.safetensors.index.json and its \(names.count - 3) shards"), "\(made.stdout)")
        // 69952 float32 parameters: lm_head is tied to the embedding and not saved.
        #expect((index?["metadata"] as? [String: Any])?["total_size"] as? Int == 69952 * 4)
    }

    /// The union of N `--only-shards K/N` runs (in parallel, one folder) is byte-identical to one
    /// run; `--only-shards auto` reads the task from Slurm's variables; `--index-only` writes the
    /// same index and config files alone.
    @Test func jobArrayPartsMakeTheSameFolder() throws {
        let dir = try TemporaryDirectory()
        let common = ["--max-shard-size", "20KB", "--seed", "9", "-q"]
        let whole = try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("whole")] + common)
        #expect(whole.status == 0, "\(whole.stderr)")
        let parts = 3
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let env = ["SLURM_ARRAY_TASK_ID": String(k), "SLURM_ARRAY_TASK_COUNT": String(parts)]
            let result = try? ProcessRunner.run(TestPaths.ckptBinary, ["init", Self.tiny, "-o", dir.path("parts"), "--only-shards", "auto"] + common,
                                                environment: env)
            results.add(result)
        }
        for result in results.all { #expect(result?.status == 0, "\(result?.stderr ?? "did not run")") }
        let expected = try Self.files(dir.path("whole"))
        #expect(expected.count > parts + 2, "several shards: \(expected.keys.sorted())")
        #expect(try Self.files(dir.path("parts")) == expected)
        let index = try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("index"), "--index-only"] + common)
        #expect(index.status == 0, "\(index.stderr)")
        #expect(Set(try Self.files(dir.path("index")).keys) == ["model.safetensors.index.json", "config.json", "generation_config.json"])
        #expect(try Self.files(dir.path("index")).allSatisfy { expected[$0.key] == $0.value })
    }

    @Test func convertToNPZAndBackIsLossless() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("m"), "--dtype", "bfloat16", "--max-shard-size", "40KB"]).status == 0)
        let npz = try ProcessRunner.ckpt(["convert", dir.path("m"), dir.path("m.npz")])
        #expect(npz.status == 0, "\(npz.stderr)")
        let back = try ProcessRunner.ckpt(["convert", dir.path("m.npz"), dir.path("back.safetensors")])
        #expect(back.status == 0, "\(back.stderr)")
        for other in ["m.npz", "back.safetensors"] {
            let diff = try ProcessRunner.ckpt(["diff", dir.path("m"), dir.path(other)])
            #expect(diff.status == 0, "\(other): \(diff.stdout)\(diff.stderr)")
        }
    }

    /// Into a folder: from a folder (its config.json and generation_config.json carried on, the
    /// bytes kept), from `.npz` with `--spec config.json`, sharded; and refused, with nothing left,
    /// without a config.
    @Test func convertIntoAFolder() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("m"), "--dtype", "bfloat16", "--max-shard-size", "40KB"]).status == 0)
        // Folder to folder, the format told by the name (no extension), the same shards.
        let copy = try ProcessRunner.ckpt(["convert", dir.path("m"), dir.path("copy"), "--max-shard-size", "40KB"])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(try Self.files(dir.path("copy")) == (try Self.files(dir.path("m"))), "byte-identical folder")
        // npz and --spec back into one file.
        #expect(try ProcessRunner.ckpt(["convert", dir.path("m"), dir.path("m.npz")]).status == 0)
        let back = try ProcessRunner.ckpt(["convert", dir.path("m.npz"), dir.path("back"), "--spec", Self.tiny])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(Set(try Self.files(dir.path("back")).keys) == ["config.json", "generation_config.json", "model.safetensors"])
        #expect(try Self.files(dir.path("back"))["config.json"] == (try Self.files(dir.path("m")))["config.json"])
        let diff = try ProcessRunner.ckpt(["diff", dir.path("m"), dir.path("back")])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        let header = try ProcessRunner.ckpt(["inspect", dir.path("back")])
        #expect(header.stdout.contains("format: pt"), "\(header.stdout)")
        // No config: one error, no folder.
        let refused = try ProcessRunner.ckpt(["convert", dir.path("m.npz"), dir.path("none"), "--format", "hf"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--spec config.json"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("none")))
        let unnamed = try ProcessRunner.ckpt(["convert", dir.path("m.npz"), dir.path("none")])
        #expect(unnamed.status == 1)
        #expect(unnamed.stderr.contains("cannot tell the output format"), "\(unnamed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("none")))
        // A spec whose tensors the checkpoint lacks: refused before anything is written.
        let other = try ProcessRunner.ckpt(["convert", dir.path("m.npz"), dir.path("wrong"), "--spec", TestPaths.fixture("huggingface/tiny/bert.json")])
        #expect(other.status != 0)
        #expect(!FileManager.default.fileExists(atPath: dir.path("wrong")))
    }

    @Test func existingFolderNeedsForce() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("m"), "--max-shard-size", "20KB"]).status == 0)
        let before = try Self.files(dir.path("m"))
        let refused = try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("m")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the folder exists; pass --force"), "\(refused.stderr)")
        #expect(try Self.files(dir.path("m")) == before, "untouched")
        // With --force one file replaces the shards: no stale shard or index is left.
        let forced = try ProcessRunner.ckpt(["init", Self.tiny, "-o", dir.path("m"), "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(Set(try Self.files(dir.path("m")).keys) == ["config.json", "generation_config.json", "model.safetensors"])
    }

    static let badInputs: [(String, String)] = [
        ("{\"model_type\": \"llama\", ", "malformed JSON"),
        (#"{"model_type": "mamba"}"#, "model_type \"mamba\" is not one ckpt knows"),
        (#"{"model_type": "llama", "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 5}"#,
         "does not divide"),
        (#"{"model_type": "qwen2", "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3}"#,
         "num_key_value_heads (3) does not divide"),
        (#"{"model_type": "llama", "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "num_local_experts": 8}"#,
         "field \"num_local_experts\""),
    ]

    /// Each bad config: exit 1 (docs/cli.md "Exit codes"), one `ckpt: error:` line, no folder.
    @Test(arguments: badInputs)
    func badConfigLeavesNoFolder(text: String, expected: String) throws {
        let dir = try TemporaryDirectory()
        try text.write(toFile: dir.path("config.json"), atomically: true, encoding: .utf8)
        for command in [["init", dir.path("config.json"), "-o", dir.path("out")], ["plan", dir.path("config.json")]] {
            let result = try ProcessRunner.ckpt(command)
            #expect(result.status == 1, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.hasPrefix("ckpt: error: "), "\(result.stderr)")
        }
        #expect(dir.contents() == ["config.json"], "\(dir.contents())")
    }
}

/// Results collected from concurrent runs.
final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [ProcessResult?] = []
    func add(_ result: ProcessResult?) { lock.withLock { results.append(result) } }
    var all: [ProcessResult?] { lock.withLock { results } }
}
