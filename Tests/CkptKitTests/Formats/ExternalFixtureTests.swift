import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// ckpt reads files written by Keras 3, tf.keras, NumPy, safetensors and h5py
/// (Fixtures/formats, made by Fixtures/formats/make_format_fixtures.py): every tensor's bytes
/// hash to what the Python tools computed.
@Suite("Reading files other tools wrote")
struct ExternalFixtureTests {
    struct Expected: Sendable, CustomStringConvertible {
        var file: String
        var format: String
        var tensors: [(name: String, dtype: String, shape: [Int], sha256: String)]
        var description: String { file }
    }

    static let manifest: [Expected] = {
        guard let text = try? String(contentsOfFile: TestPaths.fixture("formats/manifest.json"), encoding: .utf8),
              let json = try? JSONParser.parse(text) else { return [] }
        return (json["files"]?.array ?? []).compactMap { file in
            guard let name = file["file"]?.string, !name.hasSuffix(".json") || name.hasSuffix(".index.json") else { return nil }
            let tensors = (file["tensors"]?.array ?? []).map { tensor in
                (tensor["name"]?.string ?? "", tensor["dtype"]?.string ?? "", (tensor["shape"]?.array ?? []).compactMap(\.int),
                 tensor["sha256"]?.string ?? "")
            }
            return Expected(file: name, format: file["format"]?.string ?? "", tensors: tensors)
        }
    }()

    @Test func manifestIsThere() {
        #expect(Self.manifest.count >= 14, "Fixtures/formats/manifest.json is missing or incomplete")
    }

    @Test(arguments: manifest)
    func everyTensorHashesLikeThePythonTools(_ expected: Expected) throws {
        let reader = try CheckpointReaders.open(path: TestPaths.fixture("formats/\(expected.file)"))
        var ours: [String] = []
        for tensor in reader.tensors {
            var hasher = SHA256()
            try reader.read(tensor, maximumPieceBytes: 64) { hasher.update($0) }
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            ours.append("\(tensor.info.dtype.rawValue) \(tensor.info.shape) \(digest)")
        }
        let theirs = expected.tensors.map { "\($0.dtype) \($0.shape) \($0.sha256)" }
        #expect(ours.sorted() == theirs.sorted(), "\(expected.file): dtype/shape/bytes differ")
        // Formats keyed by name expose the tools' names exactly.
        if ["npz", "safetensors", "safetensors-index", "keras3-weights-h5", "keras-archive", "h5py-plain"].contains(expected.format)
            || expected.file.hasSuffix(".npz") || expected.file.hasSuffix(".safetensors") {
            #expect(Set(reader.tensors.map(\.name)) == Set(expected.tensors.map(\.name)), "\(expected.file): names")
        }
    }

    @Test func keraArchiveAndFullH5CarryTheirModel() throws {
        let archive = try CheckpointReaders.open(path: TestPaths.fixture("formats/keras3_nested.keras"))
        #expect(archive.format == .keras)
        #expect(archive.modelConfig?.contains("\"Functional\"") == true)
        let legacy = try CheckpointReaders.open(path: TestPaths.fixture("formats/keras3_nested.h5"))
        #expect(legacy.format == .legacyH5)
        #expect(legacy.modelConfig != nil)
        let weightsOnly = try CheckpointReaders.open(path: TestPaths.fixture("formats/keras3_nested_weights_only.h5"))
        #expect(weightsOnly.modelConfig == nil)
    }

    /// Keras' own files convert to npz under ckpt's canonical names, whichever Keras format they are in.
    @Test func kerasFilesConvertToTheSameCanonicalTensors() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/nested.json")
        let sources = ["keras3_nested.keras", "keras3_nested.weights.h5", "keras3_nested.h5", "keras3_nested_weights_only.h5"]
        for (i, source) in sources.enumerated() {
            _ = try Checkpoints.convert(ConvertRequest(inputPath: TestPaths.fixture("formats/\(source)"),
                                                       outputPath: dir.path("\(i).npz"), specPath: spec))
        }
        let plan = try Checkpoints.plan(specPath: spec)
        let first = try NPZCheckpointReader(path: dir.path("0.npz"))
        #expect(first.tensors.map(\.name) == plan.entries.map(\.name))
        for i in 1..<sources.count {
            let report = try Checkpoints.diff(DiffRequest(pathA: dir.path("0.npz"), pathB: dir.path("\(i).npz")))
            #expect(report.isEqual, "\(sources[i]) converts to other values than \(sources[0])")
            #expect(report.tensors.count == plan.entries.count)
        }
    }
}
