import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// A `.keras` whose `config.json` is broken (issue: reported as "model config: present", and
/// convert to safetensors dropped it silently), and one without `model.weights.h5` (issue: "the
/// member is not a .npy file").
@Suite("Broken .keras archives")
struct BrokenKerasConfigCLITests {
    static let cases: [(name: String, config: [UInt8], reason: String)] = [
        ("truncated", Array(#"{"class_name": "Functional", "config": {"name""#.utf8), "not valid JSON"),
        ("non-object", Array("[1, 2, 3]".utf8), "not a JSON object"),
        ("invalid UTF-8", Array(#"{"class_name": "Functional", "config": {"name": "a"#.utf8) + [0xFF] + Array(#""}}"#.utf8), "byte 0xFF"),
        ("nested garbage", Array(#"{"config": [{"garbage": true}], "x": {"y": null}}"#.utf8), "not a Keras model's config"),
    ]

    static func archive(_ dir: TemporaryDirectory, _ name: String, replacing member: String, with bytes: [UInt8]?) throws -> String {
        var members = try ZipTestFiles.readArchive(TestPaths.fixture("formats/keras3_nested.keras"))
        if let bytes {
            members = members.map { $0.name == member ? ($0.name, bytes) : $0 }
        } else {
            members.removeAll { $0.name == member }
        }
        let path = dir.path(name)
        try ZipTestFiles.writeArchive(path, members: members)
        return path
    }

    @Test(arguments: cases.indices)
    func aBrokenConfigIsUnreadableAndSaysWhy(index: Int) throws {
        let (name, config, reason) = Self.cases[index]
        let dir = try TemporaryDirectory()
        let path = try Self.archive(dir, "m.keras", replacing: "config.json", with: config)
        let inspect = try ProcessRunner.ckpt(["inspect", path, "--no-stats"])
        #expect(inspect.status == 1, "\(name): \(inspect.stderr)")
        #expect(inspect.stdout.contains("model config: UNREADABLE") && inspect.stdout.contains(reason), "\(name): \(inspect.stdout)")
        #expect(inspect.stderr.hasPrefix("ckpt: error: ") && inspect.stderr.contains("unreadable"), "\(name): \(inspect.stderr)")
        let json = try ProcessRunner.ckpt(["inspect", path, "--no-stats", "--json"])
        let report = try JSONParser.parse(json.stdout)
        #expect(report["model_config"] == .null && report["model_config_error"]?.string?.contains(reason) == true, "\(name): \(json.stdout)")
        // A target that needs the model refuses with the reason; one that does not converts, with a warning.
        let keras = try ProcessRunner.ckpt(["convert", path, dir.path("out.h5")])
        #expect(keras.status == 1 && keras.stderr.contains("unreadable") && keras.stderr.contains(reason), "\(name): \(keras.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("out.h5")))
        for target in ["out.safetensors", "out.npz"] {
            let converted = try ProcessRunner.ckpt(["convert", path, dir.path(target), "-q"])
            #expect(converted.status == 0, "\(name) → \(target): \(converted.stderr)")
            #expect(converted.stderr.hasPrefix("ckpt: warning: ") && converted.stderr.contains(reason), "\(name) → \(target): \(converted.stderr)")
        }
    }

    @Test func anArchiveWithoutItsWeightsSaysSo() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.archive(dir, "m.keras", replacing: "model.weights.h5", with: nil)
        let inspect = try ProcessRunner.ckpt(["inspect", path])
        #expect(inspect.status == 1 && inspect.stderr.contains("no model.weights.h5 member"), "\(inspect.stderr)")
        #expect(!inspect.stderr.contains(".npy"))
    }
}
