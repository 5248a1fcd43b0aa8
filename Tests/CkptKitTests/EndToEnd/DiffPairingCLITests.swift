import Foundation
import Testing
import CkptTestSupport

/// Pairing tensors through the model one side carries (issue: `ckpt diff k.weights.h5 k.keras`
/// of two files Keras wrote for one model listed every tensor as only in a or only in b).
@Suite("ckpt diff pairs through the model one side carries")
struct DiffPairingCLITests {
    /// Files Keras 3 and tf.keras wrote (Fixtures/formats/make_format_fixtures.py), each pair for one model.
    static let pairs: [(String, String, Int)] = [
        ("keras3_nested.weights.h5", "keras3_nested.keras", 12),       // model.save_weights / model.save
        ("keras3_nested.keras", "keras3_nested.weights.h5", 12),
        ("keras3_nested.weights.h5", "keras3_nested.h5", 12),          // a full legacy .h5 carries the model too
        ("keras3_nested_weights_only.h5", "keras3_nested.keras", 12),  // positions, named through the archive's model
        ("tfkeras_small_weights.h5", "tfkeras_small_full.h5", 16),     // tf.keras, both legacy
    ]

    @Test(arguments: pairs.indices)
    func filesKerasWroteForOneModelAreTheSame(index: Int) throws {
        let (a, b, count) = Self.pairs[index]
        let result = try ProcessRunner.ckpt(["diff", TestPaths.fixture("formats/" + a), TestPaths.fixture("formats/" + b)])
        #expect(result.status == 0, "\(a) vs \(b): \(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("same: \(count) equal"), "\(a) vs \(b): \(result.stdout)")
    }

    @Test func withoutAModelOnEitherSideTheMessageAsksForSpec() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/mlp.json")
        for name in ["m.weights.h5", "m.npz"] {
            #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "-q"]).status == 0)
        }
        let bare = try ProcessRunner.ckpt(["diff", dir.path("m.weights.h5"), dir.path("m.npz")])
        #expect(bare.status == 2 && bare.stderr.contains("pass --spec"), "\(bare.stderr)")
        let named = try ProcessRunner.ckpt(["diff", dir.path("m.weights.h5"), dir.path("m.npz"), "--spec", spec])
        #expect(named.status == 0, "\(named.stdout)\(named.stderr)")
    }
}
