import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// A Keras initializer config with an integer `seed` gives its tensor its own stream, independent
/// of the global seed (docs/random-streams.md §1.1); `"seed": null` follows the global seed.
@Suite("Config seeds")
struct ConfigSeedTests {
    /// Golden keys: SHA-256("ckpt-v1\0config-seed:" + decimal(seed) + "\0" + name), first 8 bytes little-endian.
    @Test(arguments: [
        (42, "dense/kernel", SIMD2<UInt32>(0xec54d21a, 0x73893084)),
        (-7, "conv/kernel", SIMD2<UInt32>(0x2b781513, 0x262a3880)),
    ])
    func keyIsPinned(seed: Int, name: String, key: SIMD2<UInt32>) {
        #expect(PlanEntry.configSeedKey(configSeed: seed, name: name) == key)
    }

    /// mlp.json with `"seed": 42` on hidden1's kernel initializer, planned with --respect-config.
    static func seededPlan() throws -> Plan {
        let text = try String(contentsOfFile: TestPaths.fixture("keras/mlp.json"), encoding: .utf8)
        let marker = #""class_name": "GlorotUniform", "config": {"seed": null"#
        let range = try #require(text.range(of: marker))
        let seeded = text.replacingCharacters(in: range, with: #""class_name": "GlorotUniform", "config": {"seed": 42"#)
        let folder = try TemporaryDirectory()
        let path = folder.path("seeded.json")
        try seeded.write(toFile: path, atomically: true, encoding: .utf8)
        return try Checkpoints.plan(specPath: path, options: PlanOptions(respectConfig: true))
    }

    @Test func seededTensorIgnoresTheGlobalSeed() throws {
        let plan = try Self.seededPlan()
        let seeded = try #require(plan.entries.first { $0.name == "hidden1/kernel" })
        #expect(seeded.initializer.seed == 42)
        #expect(seeded.stream(seed: 0) == seeded.stream(seed: 123_456))
        #expect(seeded.stream(seed: 0).key == PlanEntry.configSeedKey(configSeed: 42, name: "hidden1/kernel"))
        // Another tensor, no config seed: follows the global seed, as before.
        let other = try #require(plan.entries.first { $0.name == "hidden2/kernel" })
        #expect(other.initializer.seed == nil)
        #expect(other.stream(seed: 5) == TensorStream(seed: 5, name: "hidden2/kernel"))
        #expect(other.stream(seed: 5) != other.stream(seed: 6))
        // The recipe says which tensors have their own seed.
        let recipe = try JSONParser.parse(plan.recipe(seed: 9, options: PlanOptions(respectConfig: true)))
        #expect(recipe["tensors"]?["hidden1/kernel"]?["config_seed"] == .number(JSONNumber(42)))
        #expect(recipe["tensors"]?["hidden2/kernel"]?["config_seed"] == nil)
    }

    /// Two tensors with the same config seed get different streams: the name is in the key
    /// (Keras would repeat the values; ckpt does not, see docs/random-streams.md §1.1).
    @Test func sameConfigSeedDifferentTensors() {
        #expect(PlanEntry.configSeedKey(configSeed: 3, name: "a/kernel") != PlanEntry.configSeedKey(configSeed: 3, name: "b/kernel"))
        #expect(PlanEntry.configSeedKey(configSeed: 3, name: "a/kernel") != TensorStream.key(seed: 3, name: "a/kernel"))
    }

    /// A rule's `seed=` works the same way.
    @Test func ruleSeed() throws {
        #expect(try Initializer.parse(ruleText: "kaiming_normal:seed=11").seed == 11)
    }
}
