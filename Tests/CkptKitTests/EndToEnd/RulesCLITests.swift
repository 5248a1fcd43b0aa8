import Foundation
import Testing
import CkptTestSupport
import CkptKit

/// `--rules`, `--rule` and `--scheme` through the built binary.
@Suite("ckpt rules command line")
struct RulesCLITests {
    let mlp = TestPaths.fixture("keras/mlp.json")
    let attention = TestPaths.fixture("keras/attention.json")

    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    static func tensors(_ value: JSONValue?) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for item in value?.array ?? [] { if let name = item["name"]?.string { result[name] = item } }
        return result
    }

    @Test func planShowsTheRuleAsTheReason() throws {
        let result = try ProcessRunner.ckpt(["plan", mlp, "--rule", "logits/*=zeros", "--rule", "*/recurrent_kernel=orthogonal:gain=1.5"])
        #expect(result.status == 0, "\(result.stderr)")
        let logits = result.stdout.split(separator: "\n").first { $0.hasPrefix("logits/kernel") }.map(String.init) ?? ""
        #expect(logits.contains("zeros") && logits.hasSuffix("--rule 'logits/*=zeros'"), "\(logits)")
        #expect(result.stderr == "ckpt: warning: --rule '*/recurrent_kernel=orthogonal:gain=1.5' matches no tensor\n")
    }

    @Test func ruleFileErrorIsOneLineAndNothingIsWritten() throws {
        let dir = try TemporaryDirectory()
        let rules = dir.path("rules.json")
        try #"""
        {"rules": [
          {"match": {"name": "hidden1/*"}, "initializer": "he_normal"},
          {"match": {"name": "head/*"}, "initializer": "zeroes"}
        ]}
        """#.write(toFile: rules, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.ckpt(["init", mlp, "-o", dir.path("m.safetensors"), "--rules", rules])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("ckpt: error: \(rules): rule 2 (rules[1], line 3): unknown initializer \"zeroes\""), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(dir.contents() == ["rules.json"])
        let role = try ProcessRunner.ckpt(["plan", mlp, "--rules", TestPaths.fixture("rules/transformer.json"), "--rule", "x=he_normal:gain=2"])
        #expect(role.status == 1 && role.stderr.contains("--rule 'x=he_normal:gain=2'"), "\(role.stderr)")
    }

    @Test func writtenStdMatchesThePlanForScaledTensors() throws {
        let dir = try TemporaryDirectory()
        let rules = dir.path("scale.json")
        try #"{"rules": [{"match": {"name": "hidden1/kernel"}, "scale": 0.25}]}"#.write(toFile: rules, atomically: true, encoding: .utf8)
        for (spec, arguments, names, tolerance) in [
            (mlp, ["--rules", rules], ["hidden1/kernel"], 0.01),
            (attention, ["--scheme", "gpt2_residual"], ["mha/attention_output/kernel", "ffn_down/kernel"], 0.15),
        ] {
            let output = dir.path("out.safetensors")
            let written = try ProcessRunner.ckpt(["init", spec, "-o", output, "--seed", "3", "--force"] + arguments)
            #expect(written.status == 0, "\(written.stderr)")
            let plan = try ProcessRunner.ckpt(["plan", spec, "--json"] + arguments)
            let inspect = try ProcessRunner.ckpt(["inspect", output, "--json"])
            #expect(plan.status == 0 && inspect.status == 0)
            let planned = Self.tensors(try Self.json(plan.stdout)["tensors"])
            let actual = Self.tensors(try Self.json(inspect.stdout)["tensors"])
            for name in names {
                let expected = try #require(planned[name]?["expected_std"]?.double)
                #expect(planned[name]?["scale"]?.double != 1)
                let std = try #require(actual[name]?["std"]?.double)
                #expect(abs(std - expected) < tolerance * expected, "\(name): written std \(std), planned \(expected)")
            }
            let recipe = try Self.json(inspect.stdout)["recipe"]
            #expect(recipe?["rules"] != nil, "the recipe records the rules")
        }
    }

    @Test func batchJobAcceptsRules() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: mlp, toPath: dir.path("mlp.json"))
        try #"{"rules": [{"match": {"role": "bias"}, "initializer": "constant:value=0.5"}]}"#
            .write(toFile: dir.path("rules.json"), atomically: true, encoding: .utf8)
        try #"{"jobs": [{"init": "mlp.json", "rules": "rules.json", "seeds": [1], "output": "m{seed}.safetensors"}]}"#
            .write(toFile: dir.path("jobs.json"), atomically: true, encoding: .utf8)
        let result = try ProcessRunner.ckpt(["batch", "jobs.json", "--threads", "2", "-q"], currentDirectory: dir.url.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let inspect = try ProcessRunner.ckpt(["inspect", dir.path("m1.safetensors"), "--json"])
        let tensors = Self.tensors(try Self.json(inspect.stdout)["tensors"])
        #expect(tensors["hidden1/bias"]?["mean"]?.double == 0.5)
        #expect(try Self.json(inspect.stdout)["recipe"]?["rules"]?["file_content"] != nil)
        // ckpt init --seeds is a one-job batch: the flags travel with it, and warnings are printed.
        let seeds = try ProcessRunner.ckpt(["init", "mlp.json", "--seeds", "1..2", "-o", "s{seed}.npz", "-q", "--rule", "head/*=zeros"],
                                           currentDirectory: dir.url.path)
        #expect(seeds.status == 0, "\(seeds.stderr)")
        #expect(seeds.stderr.contains("ckpt: warning: ") && seeds.stderr.contains("--rule 'head/*=zeros' matches no tensor"), "\(seeds.stderr)")
    }
}
