import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// The real torch from PyPI (the venv of scripts/setup-python-torch.sh) reads what ckpt writes
/// (Tests/Interop/check_torch.py): `torch.load(weights_only=True)` of ckpt's `.bin` gives an
/// OrderedDict equal to the source, for the files torch.save wrote (every dtype, legacy,
/// protocol 4, shared storages, Lightning) and for a model ckpt initialised.
@Suite("Interop: PyTorch")
struct TorchInteropTests {
    static func requireVenv() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.torchVenvPython) else {
            Issue.record("The torch venv is missing at \(TestPaths.torchVenvPython): run scripts/setup-python-torch.sh (or set CKPT_VENV_TORCH)")
            throw CancellationError()
        }
    }

    static func check(_ arguments: [String]) throws -> ProcessResult {
        try requireVenv()
        let script = TestPaths.repository.appendingPathComponent("Tests/Interop/check_torch.py").path
        return try ProcessRunner.run(TestPaths.torchVenvPython, [script] + arguments)
    }

    static func expectPass(_ result: ProcessResult, _ what: String) {
        #expect(result.status == 0, "\(what):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(what): \(result.stdout)")
    }

    @Test(arguments: ["torch_zip.pt", "torch_protocol4.pt", "torch_legacy.pt", "torch_shared.pt", "torch_shared_legacy.pt", "lightning.ckpt"])
    func torchLoadsWhatCkptConverted(file: String) throws {
        let dir = try TemporaryDirectory()
        let converted = try ProcessRunner.ckpt(["convert", TestPaths.fixture("torch/" + file), dir.path("pytorch_model.bin")])
        #expect(converted.status == 0, "\(converted.stderr)")
        Self.expectPass(try Self.check(["same", "--file", dir.path("pytorch_model.bin"), "--reference", TestPaths.fixture("torch/" + file)]), file)
    }

    @Test func torchLoadsAnInitialisedModel() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/cnn.json")
        for name in ["m.pt", "ref.npz"] {
            let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "--seed", "5"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        Self.expectPass(try Self.check(["npz", "--file", dir.path("m.pt"), "--npz", dir.path("ref.npz")]), "cnn")
    }

    /// uint16/32/64 have no typed storage: they are written as torch 2.x does (_rebuild_tensor_v3).
    @Test func unsignedTypesLoadThroughRebuildTensorV3() throws {
        let dir = try TemporaryDirectory()
        let tensors = [TensorInfo(name: "u16", shape: [3], dtype: .uint16), TensorInfo(name: "u32", shape: [2, 2], dtype: .uint32),
                       TensorInfo(name: "u64", shape: [], dtype: .uint64), TensorInfo(name: "i16", shape: [2], dtype: .int16)]
        let npz = try NPZWriter(path: dir.path("ref.npz"), tensors: tensors)
        for info in tensors {
            try npz.beginTensor(info)
            let bytes = (0 ..< info.byteCount).map { UInt8(truncatingIfNeeded: $0 * 29 + 3) }
            try bytes.withUnsafeBytes { try npz.append($0) }
            try npz.endTensor()
        }
        try npz.finish()
        let converted = try ProcessRunner.ckpt(["convert", dir.path("ref.npz"), dir.path("u.bin")])
        #expect(converted.status == 0, "\(converted.stderr)")
        Self.expectPass(try Self.check(["npz", "--file", dir.path("u.bin"), "--npz", dir.path("ref.npz")]), "unsigned")
    }

    @Test func shardedBinBecomesShardedSafetensors() throws {
        let dir = try TemporaryDirectory()
        let index = TestPaths.fixture("torch/sharded/pytorch_model.bin.index.json")
        let converted = try ProcessRunner.ckpt(["convert", index, dir.path("model.safetensors.index.json"), "--max-shard-size", "300B"])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(dir.contents().filter { $0.hasSuffix(".safetensors") }.count == 2, "\(dir.contents())")
        let diff = try ProcessRunner.ckpt(["diff", index, dir.path("model.safetensors.index.json")])
        #expect(diff.status == 0 && diff.stdout.contains("14 equal"), "\(diff.stdout)\(diff.stderr)")
    }
}
