import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `--fans` and `--profile` through the built binary: accepted values reach the plan and the
/// recipe; unknown values are one error line and nothing is written.
@Suite("Planning options (CLI)")
struct PlanningCLITests {
    static let mlp = TestPaths.fixture("keras/mlp.json")

    @Test func planShowsProfileAndConvention() throws {
        let result = try ProcessRunner.ckpt(["plan", Self.mlp, "--json", "--profile", "torch"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONParser.parse(result.stdout)
        #expect(json["profile"] == .string("torch") && json["fans"] == .string("torch"))
        let first = try #require(json["tensors"]?.array?.first)
        #expect(first["initializer"]?["name"] == .string("kaiming_uniform_"))
        #expect(first["reason"]?.string?.hasPrefix("profile torch: Linear weight") == true)
        let table = try ProcessRunner.ckpt(["plan", Self.mlp, "--fans", "semantic-packed"])
        #expect(table.status == 0, "\(table.stderr)")
    }

    @Test func initRecordsTheProfileInTheRecipe() throws {
        let dir = try TemporaryDirectory()
        let out = dir.path("m.safetensors")
        let result = try ProcessRunner.ckpt(["init", Self.mlp, "-o", out, "--profile", "flax", "--fans", "jax", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let reader = try SafetensorsReader(path: out)
        let recipe = try JSONParser.parse(try #require(reader.recipe))
        #expect(recipe["profile"] == .string("flax") && recipe["fans"] == .string("jax"))
    }

    @Test(arguments: [
        (["--profile", "tensorflow"], "unknown --profile \"tensorflow\"; expected one of keras, torch, flax, hf, vllm-dummy"),
        (["--fans", "mxnet"], "unknown --fans \"mxnet\"; expected one of semantic, semantic-packed, keras, torch, jax"),
    ])
    func unknownValuesWriteNothing(arguments: [String], message: String) throws {
        let dir = try TemporaryDirectory()
        let out = dir.path("m.npz")
        let result = try ProcessRunner.ckpt(["init", Self.mlp, "-o", out] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
