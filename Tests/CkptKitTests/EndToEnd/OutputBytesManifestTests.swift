import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// The bytes ckpt writes do not change by accident: every spec in Fixtures/ × every output
/// format (weights.h5, keras, full and weights-only h5, npz, safetensors, sharded safetensors,
/// compressed npz and weights.h5, PyTorch .bin) × float32/bfloat16 at one seed hashes to what
/// Fixtures/output-bytes/manifest.json recorded (made by make_manifest.py next to it, before the
/// refactoring of issue "Seams for what comes next"), file by file; a refused combination gives
/// the same exit code and message.
@Suite("Output bytes match the committed manifest")
struct OutputBytesManifestTests {
    struct Entry: Sendable, CustomStringConvertible {
        var spec: String
        var format: String
        var dtype: String
        var arguments: [String]
        var files: [String: String]?
        var exit: Int32?
        var error: String?
        var description: String { "\(spec) \(format) \(dtype)" }
    }

    static let entries: [Entry] = {
        let path = TestPaths.fixture("output-bytes/manifest.json")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let list = try? JSONParser.parse(text)["entries"]?.array else { return [] }
        return list.map { item in
            var files: [String: String]?
            if let object = item["files"]?.object {
                files = Dictionary(object.members.map { ($0.key, $0.value.string ?? "") }, uniquingKeysWith: { a, _ in a })
            }
            return Entry(spec: item["spec"]?.string ?? "", format: item["format"]?.string ?? "", dtype: item["dtype"]?.string ?? "",
                         arguments: item["arguments"]?.array?.compactMap(\.string) ?? [], files: files,
                         exit: item["exit"]?.int.map(Int32.init), error: item["error"]?.string)
        }
    }()

    static var specs: [String] { Array(Set(entries.map(\.spec))).sorted() }

    @Test func manifestCoversEveryFormatAndDType() {
        #expect(Self.entries.count >= 600, "Fixtures/output-bytes/manifest.json is missing or incomplete")
        let formats = Set(Self.entries.map(\.format))
        #expect(formats.isSuperset(of: ["weights.h5", "keras", "h5", "h5 weights-only", "npz", "safetensors", "safetensors sharded", "pytorch"]))
        #expect(Set(Self.entries.map(\.dtype)) == ["float32", "bfloat16"])
    }

    /// Every format and dtype of one spec (the arguments as recorded, the output in a fresh folder).
    @Test(arguments: specs)
    func bytesAreUnchanged(spec: String) throws {
        for entry in Self.entries where entry.spec == spec {
            let dir = try TemporaryDirectory()
            let output = entry.arguments[entry.arguments.firstIndex(of: "-o")! + 1]
            let arguments = entry.arguments.map { $0 == output ? dir.path(output) : $0 }
            let result = try ProcessRunner.ckpt(arguments, currentDirectory: TestPaths.repository.path)
            if let files = entry.files {
                #expect(result.status == 0, "\(entry): \(result.stderr)")
                // sha256sum: the test build's own SHA-256 runs unoptimised, 100× slower.
                var ours: [String: String] = [:]
                let names = dir.contents()
                let sums = try ProcessRunner.run("/usr/bin/sha256sum", names, currentDirectory: dir.url.path)
                #expect(sums.status == 0, "\(sums.stderr)")
                for line in sums.stdout.split(separator: "\n") {
                    let parts = line.split(separator: " ", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    ours[String(parts[1].drop { $0 == " " || $0 == "*" })] = String(parts[0])
                }
                #expect(ours == files, "\(entry): the bytes changed")
            } else {
                #expect(result.status == entry.exit, "\(entry): \(result.stderr)")
                let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                    .replacingOccurrences(of: dir.path(output), with: output)
                #expect(message == entry.error, "\(entry): \(result.stderr)")
            }
        }
    }
}
