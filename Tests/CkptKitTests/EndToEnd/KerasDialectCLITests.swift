import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `--keras-dialect` and the model config a full `.h5` embeds (issue: tf.keras could not load a
/// full `.h5` made from its own JSON, which had been translated to Keras 3 JSON).
@Suite("The Keras dialect of a full .h5's model config")
struct KerasDialectCLITests {
    static func inspect(_ path: String) throws -> JSONValue {
        let result = try ProcessRunner.ckpt(["inspect", "--json", "--no-stats", path])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONParser.parse(result.stdout)
    }

    @Test func aKeras2JSONIsEmbeddedAsGivenUnlessKeras3IsAsked() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras2/rnn.json")
        let given = try JSONParser.parse(String(contentsOfFile: spec, encoding: .utf8))
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("m.h5"), "-q"]).status == 0)
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("k2.h5"), "--keras-dialect", "2", "-q"]).status == 0)
        #expect(try ProcessRunner.ckpt(["init", spec, "-o", dir.path("k3.h5"), "--keras-dialect", "3", "-q"]).status == 0)
        for name in ["m.h5", "k2.h5"] {
            let report = try Self.inspect(dir.path(name))
            #expect(report["model_config"] == given, "\(name) embeds the Keras 2 JSON as given")
            #expect(report["metadata"]?["keras_version"]?.string?.hasPrefix("2.") == true)
            #expect(report["metadata"]?["backend"]?.string == "tensorflow")
        }
        let keras3 = try Self.inspect(dir.path("k3.h5"))
        #expect(keras3["model_config"]?["module"] != nil, "Keras 3 JSON has a top-level module")
        #expect(keras3["metadata"]?["keras_version"]?.string?.hasPrefix("3.") == true)
        // The same values either way: only the config differs.
        let diff = try ProcessRunner.ckpt(["diff", dir.path("m.h5"), dir.path("k3.h5"), "-q"])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
    }

    @Test func keras3InputsAndArchivesAreKeras3() throws {
        let dir = try TemporaryDirectory()
        let compact = TestPaths.fixture("keras/cnn.json")
        let made = try ProcessRunner.ckpt(["init", compact, "-o", dir.path("m.h5"), "-q"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try Self.inspect(dir.path("m.h5"))["model_config"]?["module"] != nil)

        let refused = try ProcessRunner.ckpt(["init", compact, "-o", dir.path("x.h5"), "--keras-dialect", "2"])
        #expect(refused.status == 1 && refused.stderr.contains("--keras-dialect 2 needs the model as Keras 2 JSON"), "\(refused.stderr)")
        let archive = try ProcessRunner.ckpt(["init", TestPaths.fixture("keras2/rnn.json"), "-o", dir.path("x.keras"), "--keras-dialect", "2"])
        #expect(archive.status == 1 && archive.stderr.contains("a .keras archive holds Keras 3 JSON only"), "\(archive.stderr)")
        let bad = try ProcessRunner.ckpt(["init", compact, "-o", dir.path("x.h5"), "--keras-dialect", "4"])
        #expect(bad.status == 1 && bad.stderr.contains("--keras-dialect \"4\" is not a Keras dialect"), "\(bad.stderr)")  // as a bad --dtype
        #expect(dir.contents() == ["m.h5"], "nothing else written")
    }

    @Test func batchJobsTakeKerasDialect() throws {
        let dir = try TemporaryDirectory()
        let jobs = dir.path("jobs.json")
        let spec = TestPaths.fixture("keras2/rnn.json")
        try #"{"jobs":[{"init":"\#(spec)","output":"\#(dir.path("a.h5"))","keras_dialect":3},{"init":"\#(spec)","output":"\#(dir.path("b.h5"))","keras_dialect":"2"}]}"#
            .write(toFile: jobs, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.ckpt(["batch", jobs, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.inspect(dir.path("a.h5"))["model_config"]?["module"] != nil)
        #expect(try Self.inspect(dir.path("b.h5"))["model_config"]?["module"] == nil)
        try #"{"jobs":[{"init":"\#(spec)","output":"\#(dir.path("c.h5"))","keras_dialect":"tf"}]}"#
            .write(toFile: jobs, atomically: true, encoding: .utf8)
        let bad = try ProcessRunner.ckpt(["batch", jobs])
        #expect(bad.status != 0 && bad.stderr.contains("keras_dialect") && bad.stderr.contains("expected 2 or 3"), "\(bad.stderr)")
    }
}
