import Foundation
import Testing
import CkptTestSupport

/// `--format`, `--to`, `--dtype`, `--keras-dialect`, `--fans`, `--profile` and `--layout` take a closed set
/// of values: `--help` and the shell completion scripts list them, every spelling ckpt accepted
/// as a plain string still parses, and an unknown value is still the option's own error line
/// with exit status 1.
@Suite("Closed-set options (CLI)")
struct ClosedSetOptionsCLITests {
    static let mlp = TestPaths.fixture("keras/mlp.json")
    static let formats = ["weights.h5", "keras", "h5", "npz", "safetensors", "pytorch"]

    /// Help text with every run of white space as one space (ArgumentParser wraps at 80 columns).
    static func help(_ arguments: [String]) throws -> String {
        let result = try ProcessRunner.ckpt(arguments + ["--help"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func helpListsTheValues() throws {
        let initHelp = try Self.help(["init"])
        #expect(initHelp.contains("(values: weights.h5, keras, h5, npz, safetensors, pytorch, hf, gguf)"), "\(initHelp)")
        #expect(initHelp.contains("(values: float32, float16, bfloat16, float64)"), "\(initHelp)")
        #expect(initHelp.contains("(values: keras, torch, flax, hf, vllm-dummy)"), "\(initHelp)")
        #expect(initHelp.contains("(values: semantic, semantic-packed, keras, torch, jax)"), "\(initHelp)")
        #expect(initHelp.contains("(values: 2, 3)"), "\(initHelp)")
        let convertHelp = try Self.help(["convert"])
        #expect(convertHelp.contains("--to <to> Convert many: the format(s) to write, comma-separated (default: from the -o pattern). (values: weights.h5, keras, h5, npz, safetensors, pytorch, hf, gguf)"), "\(convertHelp)")
        #expect(convertHelp.contains("--layout <layout>") && convertHelp.contains("(values: torch, keras)"), "\(convertHelp)")
        #expect(try Self.help(["plan"]).contains("(values: keras, torch, flax, hf, vllm-dummy)"))
    }

    @Test("the completion script offers every command and the values", arguments: ["bash", "zsh", "fish"])
    func completionScript(shell: String) throws {
        let result = try ProcessRunner.ckpt(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        let script = result.stdout
        #expect(script.contains("format"))
        if shell == "bash" { #expect(script.contains("--format")) }
        for value in Self.formats + ["bfloat16", "semantic-packed", "flax"] {
            #expect(script.contains(value), "\(shell): \(value) is not offered")
        }
        for command in ["init", "plan", "export-keras", "convert", "inspect", "diff", "batch", "clean"] {
            #expect(script.contains(command), "\(shell): no \(command)")
        }
        #expect(!script.contains("probe"), "\(shell): the hidden __probe-hdf5 is offered")
    }

    struct Spelling: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var testDescription: String { arguments.joined(separator: " ") }
    }

    /// Spellings the string options accepted (case, a leading dot, aliases, spaces in a list).
    static let spellings: [Spelling] = [
        ["init", mlp, "-o", "m.out", "--format", ".NPZ"],
        ["init", mlp, "-o", "m.out", "--format", "Safetensors"],
        ["init", mlp, "-o", "m.out", "--format", ".weights.h5"],
        ["init", mlp, "-o", "m.out", "--format", "H5"],
        ["init", mlp, "-o", "m.npz", "--dtype", "FLOAT16"],
        ["init", mlp, "-o", "m.npz", "--dtype", "BFloat16"],
        ["init", mlp, "-o", "m.h5", "--keras-dialect", "3"],
        ["init", TestPaths.fixture("keras2/rnn.json"), "-o", "m.h5", "--keras-dialect", "2"],
        ["init", mlp, "-o", "m.npz", "--fans", "SEMANTIC-PACKED", "--profile", "TORCH"],
        ["init", mlp, "--seeds", "1", "-o", "o/{format}", "--format", "npz, .SAFETENSORS", "-q"],
        ["plan", mlp, "--fans", "pytorch"],
        ["plan", mlp, "--fans", "Flax", "--profile", "Flax"],
        ["plan", mlp, "--fans", "jax", "--profile", "keras"],
    ].map { Spelling(arguments: $0) }

    @Test(arguments: spellings)
    func acceptedSpellingParses(_ spelling: Spelling) throws {
        let dir = try TemporaryDirectory()
        let result = try ProcessRunner.ckpt(spelling.arguments, currentDirectory: dir.url.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func convertToAList() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", Self.mlp, "-o", dir.path("m.npz"), "-q"]).status == 0)
        let result = try ProcessRunner.ckpt(["convert", "m.npz", "--to", "Safetensors,.npz", "-o", "out/", "-q"], currentDirectory: dir.url.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path("out"))) == ["m.safetensors", "m.npz"])
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let refusals: [Refusal] = [
        Refusal(arguments: ["init", mlp, "-o", "m.npz", "--format", "tflite"],
                message: #"unknown --format "tflite"; expected one of weights.h5, keras, h5, npz, safetensors, pytorch, hf, gguf"#),
        Refusal(arguments: ["init", mlp, "-o", "m.npz", "--format", "npz,safetensors"],
                message: #"unknown --format "npz,safetensors"; expected one of weights.h5, keras, h5, npz, safetensors, pytorch, hf, gguf"#),
        Refusal(arguments: ["init", mlp, "--seeds", "1..2", "-o", "o/{seed}.{format}", "--format", "npz,onnx"],
                message: #"unknown format "onnx"; expected one of weights.h5, keras, h5, npz, safetensors, pytorch, hf, gguf"#),
        Refusal(arguments: ["convert", "m.npz", "--to", "npz,bad", "-o", "out/"],
                message: #"unknown format "bad"; expected one of weights.h5, keras, h5, npz, safetensors, pytorch, hf, gguf"#),
        Refusal(arguments: ["init", mlp, "-o", "m.npz", "--dtype", "int8"],
                message: #"unknown --dtype "int8"; expected float32, float16, bfloat16 or float64"#),
        Refusal(arguments: ["convert", "m.npz", "m.bin", "--layout", "flax"],
                message: #"--layout "flax" is not a layout; expected torch (a Keras checkpoint to the state_dict of the equivalent torch.nn modules) or keras (such a state_dict back, with --spec)"#),
        Refusal(arguments: ["init", mlp, "-o", "m.h5", "--keras-dialect", "4"],
                message: #"--keras-dialect "4" is not a Keras dialect; expected 2 or 3"#),
        Refusal(arguments: ["plan", mlp, "--profile", "tensorflow"],
                message: #"unknown --profile "tensorflow"; expected one of keras, torch, flax, hf, vllm-dummy"#),
        Refusal(arguments: ["plan", mlp, "--fans", "mxnet"],
                message: #"unknown --fans "mxnet"; expected one of semantic, semantic-packed, keras, torch, jax"#),
    ]

    @Test("an unknown value is the option's own line, exit 1, nothing written", arguments: refusals)
    func unknownValue(_ refusal: Refusal) throws {
        let dir = try TemporaryDirectory()
        let result = try ProcessRunner.ckpt(refusal.arguments, currentDirectory: dir.url.path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr == "ckpt: error: \(refusal.message)\n", "\(result.stderr)")
        #expect(dir.contents().isEmpty, "\(dir.contents())")
    }
}
