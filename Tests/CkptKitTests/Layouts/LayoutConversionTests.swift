import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `ckpt convert --layout torch|keras` end to end, without torch: a Keras checkpoint to each torch
/// target and back is the same checkpoint, and what cannot be done is an error before anything
/// is written.
@Suite("Layouts: convert")
struct LayoutConversionTests {
    static func run(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.ckpt(arguments)
    }

    @Test(arguments: ["spec/cnn.json", "spec/lstm_tagger.json", "spec/transformer_encoder.json", "keras/nested.json", "keras/mobilenetv2.json"],
          [".bin", ".safetensors", ".npz"])
    func kerasToTorchAndBackIsTheSame(spec: String, ending: String) throws {
        let dir = try TemporaryDirectory()
        let specPath = TestPaths.fixture(spec)
        #expect(try Self.run(["init", specPath, "-o", dir.path("model.keras"), "-q", "--seed", "3"]).status == 0)
        let there = try Self.run(["convert", dir.path("model.keras"), dir.path("torch" + ending), "--layout", "torch", "-q"])
        #expect(there.status == 0, "\(there.stderr)")
        let back = try Self.run(["convert", dir.path("torch" + ending), dir.path("back.weights.h5"), "--layout", "keras", "--spec", specPath, "-q"])
        #expect(back.status == 0, "\(back.stderr)")
        let diff = try Self.run(["diff", dir.path("model.keras"), dir.path("back.weights.h5")])
        #expect(diff.status == 0 && diff.stdout.contains("same:"), "\(diff.stdout)\(diff.stderr)")
    }

    @Test func torchNamesAndDTypes() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("spec/cnn.json")
        #expect(try Self.run(["init", spec, "-o", dir.path("m.weights.h5"), "-q"]).status == 0)
        let converted = try Self.run(["convert", dir.path("m.weights.h5"), dir.path("m.safetensors"), "--spec", spec, "--layout", "torch", "--dtype", "float16"])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stderr.contains("ckpt: warning: batch_normalization (torch.nn.BatchNorm2d): Keras epsilon 0.001"))
        let reader = try CheckpointReaders.open(path: dir.path("m.safetensors"))
        let byName = Dictionary(uniqueKeysWithValues: reader.tensors.map { ($0.name, $0.info) })
        #expect(byName["conv2d.weight"]?.shape == [32, 1, 3, 3])
        #expect(byName["conv2d.weight"]?.dtype == .float16)
        #expect(byName["dense.weight"]?.shape == [128, 2304])
        #expect(byName["batch_normalization.num_batches_tracked"] == TensorInfo(name: "batch_normalization.num_batches_tracked", shape: [], dtype: .int64))
        #expect(reader.tensors.first?.name == "conv2d.weight")
    }

    @Test func refusals() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("spec/cnn.json")
        #expect(try Self.run(["init", spec, "-o", dir.path("m.npz"), "-q"]).status == 0)
        // No model: an npz carries none.
        let noModel = try Self.run(["convert", dir.path("m.npz"), dir.path("t.bin"), "--layout", "torch"])
        #expect(noModel.status != 0 && noModel.stderr.contains("--layout torch needs the Keras model"), "\(noModel.stderr)")
        // A Keras target for torch's layout.
        let kerasTarget = try Self.run(["convert", dir.path("m.npz"), dir.path("t.weights.h5"), "--layout", "torch", "--spec", spec])
        #expect(kerasTarget.status != 0 && kerasTarget.stderr.contains("writes a torch state_dict"), "\(kerasTarget.stderr)")
        // Keras names read as torch's.
        let notTorch = try Self.run(["convert", dir.path("m.npz"), dir.path("k.weights.h5"), "--layout", "keras", "--spec", spec])
        #expect(notTorch.status != 0 && notTorch.stderr.contains("not the torch state_dict") && notTorch.stderr.contains("conv2d.weight"), "\(notTorch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("k.weights.h5")))
        let badValue = try Self.run(["convert", dir.path("m.npz"), dir.path("t.bin"), "--layout", "flax"])
        #expect(badValue.status != 0 && badValue.stderr.contains("--layout \"flax\" is not a layout"), "\(badValue.stderr)")
        let many = try Self.run(["convert", dir.path("m.npz"), "-o", dir.path("out/"), "--to", "bin", "--layout", "torch"])
        #expect(many.status != 0 && many.stderr.contains("--layout converts one checkpoint"), "\(many.stderr)")
    }

    /// BatchNorm's num_batches_tracked, which no Keras variable reads, may be absent (torch < 0.4.1).
    @Test func aStateDictWithoutNumBatchesTracked() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("spec/cnn.json")
        #expect(try Self.run(["init", spec, "-o", dir.path("m.weights.h5"), "-q"]).status == 0)
        #expect(try Self.run(["convert", dir.path("m.weights.h5"), dir.path("t.npz"), "--spec", spec, "--layout", "torch", "-q"]).status == 0)
        let reader = try CheckpointReaders.open(path: dir.path("t.npz"))
        let kept = reader.tensors.filter { !$0.name.hasSuffix("num_batches_tracked") }
        #expect(kept.count == reader.tensors.count - 1)
        let writer = try NPZWriter(path: dir.path("old.npz"), tensors: kept.map(\.info))
        for tensor in kept {
            try writer.beginTensor(tensor.info)
            try reader.read(tensor, maximumPieceBytes: 1 << 20) { try writer.append($0) }
            try writer.endTensor()
        }
        try writer.finish()
        let back = try Self.run(["convert", dir.path("old.npz"), dir.path("k.weights.h5"), "--spec", spec, "--layout", "keras", "-q"])
        #expect(back.status == 0, "\(back.stderr)")
        let diff = try Self.run(["diff", dir.path("m.weights.h5"), dir.path("k.weights.h5")])
        #expect(diff.status == 0 && diff.stdout.contains("same:"), "\(diff.stdout)\(diff.stderr)")
    }

    /// A torch-layout file with a tensor of another shape, or one the modules do not have.
    @Test func torchFilesThatDoNotFitTheModel() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("spec/mlp.json")
        #expect(try Self.run(["init", spec, "-o", dir.path("m.weights.h5"), "-q"]).status == 0)
        #expect(try Self.run(["convert", dir.path("m.weights.h5"), dir.path("t.npz"), "--spec", spec, "--layout", "torch", "-q"]).status == 0)
        let reader = try CheckpointReaders.open(path: dir.path("t.npz"))
        var tensors = reader.tensors.map(\.info)
        tensors.append(TensorInfo(name: "stray.weight", shape: [2], dtype: .float32))
        let writer = try NPZWriter(path: dir.path("extra.npz"), tensors: tensors)
        for info in tensors {
            try writer.beginTensor(info)
            try [UInt8](repeating: 0, count: info.byteCount).withUnsafeBytes { try writer.append($0) }
            try writer.endTensor()
        }
        try writer.finish()
        let refused = try Self.run(["convert", dir.path("extra.npz"), dir.path("k.weights.h5"), "--spec", spec, "--layout", "keras"])
        #expect(refused.status != 0 && refused.stderr.contains("1 extra (stray.weight)"), "\(refused.stderr)")
    }
}
