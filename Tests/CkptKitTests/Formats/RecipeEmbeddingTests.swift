import CkptKit
import CkptTestSupport
import Foundation
import Testing

@testable import CkptKit

/// The recipe is embedded in every format and read back by `CheckpointReaders`: HDF5 root
/// attributes, an npz member, safetensors metadata, `.keras` metadata.json.
@Suite("Recipe embedding")
struct RecipeEmbeddingTests {
    @Test("every format carries the recipe, and the npz member is not a tensor",
          arguments: ["m.weights.h5", "m.h5", "m.npz", "m.safetensors", "m.keras"])
    func everyFormatCarriesTheRecipe(_ name: String) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/mlp.json")
        let plan = try Checkpoints.plan(specPath: spec)
        _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: dir.path(name), seed: 5))
        let reader = try CheckpointReaders.open(path: dir.path(name))
        let recipe = try #require(reader.recipe, "no recipe in \(name)")
        let parsed = try JSONParser.parse(recipe)
        #expect(parsed["seed"]?.int == 5)
        #expect(parsed["tensors"]?.object?.members.map(\.key) == plan.entries.map(\.name))
        #expect(reader.tensors.count == plan.entries.count)
        #expect(!reader.tensors.contains { $0.info.name.contains("ckpt_recipe") })
        if name.hasSuffix(".h5") || name.hasSuffix(".npz") {
            // The recipe is not repeated as a raw root attribute (safetensors and .keras list
            // their metadata as stored).
            #expect(!reader.metadata.contains { $0.key.hasPrefix("ckpt_recipe") })
        }
    }

    @Test("long recipes are cut into pieces at character boundaries that join back")
    func piecesJoinBack() {
        let text = String(repeating: "é€a𝄞", count: 40_000)  // 2 + 3 + 1 + 4 bytes each
        let pieces = RecipeAttribute.pieces(text, limit: 1000)
        #expect(pieces.count > 1)
        #expect(pieces.joined() == text)
        #expect(pieces.allSatisfy { $0.utf8.count <= 1000 })
        #expect(RecipeAttribute.pieces("short") == ["short"])
        #expect(RecipeAttribute.pieces("") == [""])
    }

    @Test("a recipe longer than one HDF5 attribute is stored in pieces and read back whole")
    func longRecipeInHDF5() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/densenet121.json")
        let path = dir.path("d.weights.h5")
        _ = try Checkpoints.initialize(InitRequest(specPath: spec, outputPath: path, seed: 1))
        let file = try HDF5File.open(atPath: path)
        #expect(try file.root.hasAttribute("ckpt_recipe0"))
        #expect(try !file.root.hasAttribute("ckpt_recipe"))
        try file.close()
        let recipe = try #require(try CheckpointReaders.open(path: path).recipe)
        #expect(recipe.utf8.count > RecipeAttribute.pieceLimit)
        #expect(try JSONParser.parse(recipe)["seed"]?.int == 1)
    }
}
