import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Repeated member names (issue: ckpt took the first `"units"`, Keras the last, and the
/// checkpoint did not load): an error naming the member and its line, everywhere.
@Suite("Duplicate JSON member names")
struct DuplicateKeyTests {
    @Test func theParserRefusesThemAtAnyDepth() throws {
        for text in [#"{"a": 1, "a": 2}"#, #"{"x": {"units": 10, "units": 12}}"#, #"[{"k": 1}, {"k": 1, "b": 2, "k": 3}]"#] {
            let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
            #expect("\(error)".contains("duplicate member"), "\(error)")
        }
        #expect(try JSONParser.parse(#"{"a": {"k": 1}, "b": {"k": 2}}"#)["b"]?["k"]?.int == 2, "the same name in two objects is fine")
    }

    @Test func kerasJSONAndCompactSpecsAreRefusedNamingTheKeyAndLine() throws {
        let dir = try TemporaryDirectory()
        let keras = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 128], "name": "in"}},
              {"class_name": "Dense", "config": {"name": "d", "units": 10, "units": 12}}]}}
            """
        let compact = "{\"ckpt_spec\": 1, \"input\": [128],\n \"layers\": [{\"Dense\": {\"units\": 10, \"units\": 12}}]}"
        for (name, text, line) in [("keras.json", keras, 3), ("compact.json", compact, 2)] {
            try text.write(toFile: dir.path(name), atomically: true, encoding: .utf8)
            for command in [["plan", dir.path(name)], ["init", dir.path(name), "-o", dir.path("o.npz")]] {
                let result = try ProcessRunner.ckpt(command)
                #expect(result.status == 1 && result.stderr.contains("duplicate member \"units\"") && result.stderr.contains("line \(line)"),
                        "\(name) \(command[0]): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path("o.npz")))
    }
}
