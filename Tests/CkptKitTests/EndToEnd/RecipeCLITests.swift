import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Where the recipe goes (issue: `np.load(f).files` listed `__ckpt_recipe__` as a tensor, which
/// broke `set_weights([z[k] for k in z.files])` and friends), and `--no-recipe` for bare files.
@Suite("The recipe: an npz archive comment, and --no-recipe")
struct RecipeCLITests {
    @Test func npzListsOnlyTheWeightsAndKeepsTheRecipeInTheComment() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/mlp.json")
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("m.npz"), "--seed", "9", "-q"]).status == 0)
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("m.safetensors"), "--seed", "9", "-q"]).status == 0)
        try KerasInteropTests.requireVenv()
        let script = """
            import json, sys, zipfile, numpy as np
            from safetensors.numpy import load_file
            z = np.load(sys.argv[1])
            st = load_file(sys.argv[2])
            assert set(z.files) == set(st), (z.files, list(st))
            assert all(z[k].dtype == np.float32 for k in z.files)
            recipe = json.loads(zipfile.ZipFile(sys.argv[1]).comment.partition(b"\\n")[2])
            assert recipe["seed"] == 9, recipe
            print("ok", len(z.files))
            """
        let result = try ProcessRunner.run(TestPaths.venvPython, ["-c", script, dir.path("m.npz"), dir.path("m.safetensors")])
        #expect(result.status == 0 && result.stdout.hasPrefix("ok 6"), "\(result.stdout)\(result.stderr)")
        let inspect = try ProcessRunner.ckpt(["inspect", "--json", "--no-stats", dir.path("m.npz")])
        #expect(try JSONParser.parse(inspect.stdout)["recipe"]?["seed"]?.int == 9)
    }

    @Test func largeRecipesAreDeflatedAndHugeOnesShortened() throws {
        let small = #"{"seed":1,"tensors":{"a":"zeros"}}"#
        #expect(NPZRecipe.recipe(fromComment: NPZRecipe.comment(for: small)) == small)
        let large = #"{"seed":2,"tensors":{"# + (0..<3000).map { #""layer_\#($0)/kernel":{"init":"glorot_uniform","std":0.05}"# }.joined(separator: ",") + "}}"
        let comment = NPZRecipe.comment(for: large)
        #expect(comment.count <= 65535 && String(decoding: comment.prefix(30), as: UTF8.self).hasPrefix("ckpt-recipe/1 deflate-base64 "))
        #expect(NPZRecipe.recipe(fromComment: comment) == large)
        var random = SystemRandomNumberGenerator()
        let huge = #"{"seed":3,"tensors":{"# + (0..<40000).map { i in #""t\#(i)":"\#(UInt64.random(in: 0...UInt64.max, using: &random))""# }.joined(separator: ",") + "}}"
        let shortened = try #require(NPZRecipe.recipe(fromComment: NPZRecipe.comment(for: huge)))
        let parsed = try JSONParser.parse(shortened)
        #expect(parsed["seed"]?.int == 3 && parsed["tensors"]?.string?.hasPrefix("omitted") == true)
    }

    @Test(arguments: ["m.npz", "m.safetensors", "m.weights.h5", "m.h5", "m.keras"])
    func noRecipeWritesBareFiles(name: String) throws {
        let dir = try TemporaryDirectory()
        let made = try ProcessRunner.ckpt(["init", TestPaths.fixture("keras/mlp.json"), "-o", dir.path(name), "--no-recipe", "-q"])
        #expect(made.status == 0, "\(made.stderr)")
        let report = try JSONParser.parse(try ProcessRunner.ckpt(["inspect", "--json", "--no-stats", dir.path(name)]).stdout)
        #expect(report["recipe"] == .null, "\(name)")
        #expect(report["metadata"]?["ckpt_recipe"] == nil, "\(name)")
        // And a batch job's "recipe": false.
        try #"{"jobs":[{"init":"\#(TestPaths.fixture("keras/mlp.json"))","output":"\#(dir.path("b-" + name))","recipe":false}]}"#
            .write(toFile: dir.path("jobs.json"), atomically: true, encoding: .utf8)
        #expect(try ProcessRunner.ckpt(["batch", dir.path("jobs.json"), "-q"]).status == 0)
        #expect(try JSONParser.parse(try ProcessRunner.ckpt(["inspect", "--json", "--no-stats", dir.path("b-" + name)]).stdout)["recipe"] == .null)
    }
}
