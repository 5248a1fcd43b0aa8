import Foundation
import Testing
import CkptTestSupport

/// `ckpt diff` labels: equal stays equal whatever the tolerance; close is for values that differ
/// within it.
@Suite("ckpt diff labels under tolerances")
struct DiffLabelCLITests {
    @Test("exactly equal tensors are 'equal' with or without --atol/--rtol, in the same or another dtype",
          arguments: [[], ["--atol", "1e-3"], ["--rtol", "0.01"], ["--atol", "1e-6", "--rtol", "1e-6"]])
    func equalStaysEqual(tolerances: [String]) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/nested.json")
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("a.npz"), "--seed", "1", "-q"]).status == 0)
        #expect(try ProcessRunner.ckpt(["convert", dir.path("a.npz"), dir.path("wide.npz"), "--dtype", "float64", "-q"]).status == 0)
        for other in ["a.npz", "wide.npz"] {
            let result = try ProcessRunner.ckpt(["diff", dir.path("a.npz"), dir.path(other), "--json"] + tolerances)
            #expect(result.status == 0, "\(other) \(tolerances): \(result.stdout)\(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let tensors = try #require(object?["tensors"] as? [[String: Any]])
            #expect(tensors.count == 12)
            let labels = Set(tensors.compactMap { $0["status"] as? String })
            #expect(labels == ["equal"], "\(other) \(tolerances): \(labels)")
        }
    }

    @Test("values that differ within the tolerance are 'close', not 'equal'")
    func closeWithinTolerance() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/nested.json")
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("a.npz"), "--seed", "1", "-q"]).status == 0)
        #expect(try ProcessRunner.ckpt(["convert", dir.path("a.npz"), dir.path("h.npz"), "--dtype", "float16", "-q"]).status == 0)
        let result = try ProcessRunner.ckpt(["diff", dir.path("a.npz"), dir.path("h.npz"), "--json", "--rtol", "0.001", "--atol", "1e-4"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let tensors = try #require(object?["tensors"] as? [[String: Any]])
        let byStatus = Dictionary(grouping: tensors, by: { $0["status"] as? String ?? "?" })
        // Random kernels lose bits in float16; the ones and zeros (gamma, beta, biases) do not.
        #expect((byStatus["close"]?.count ?? 0) > 0, "\(byStatus.keys)")
        #expect((byStatus["equal"]?.count ?? 0) > 0, "\(byStatus.keys)")
        #expect(byStatus.keys.allSatisfy { $0 == "close" || $0 == "equal" })
    }
}
