import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// The `pytorch_model.bin` writer: the members torch 2.x writes, in its order, storages 64-byte
/// aligned, and a pickle ckpt's own reader reads back (the real torch reads it in
/// TorchInteropTests; every dtype and shape round-trips in WriterConformanceTests).
@Suite("PyTorch writer")
struct TorchWriterTests {
    static func write(_ tensors: [TensorInfo], to path: String, recipe: String? = nil) throws {
        let layout = CheckpointLayout(tensors: tensors.map { LayoutTensor(info: $0) }, recipe: recipe)
        let writer = try CheckpointFormat.pytorch.descriptor.makeWriter(WriterRequest(path: path, layout: layout, options: WriterOptions()))
        for tensor in layout.tensors {
            try writer.beginTensor(tensor)
            let bytes = [UInt8](repeating: 7, count: tensor.info.byteCount)
            if !bytes.isEmpty { try bytes.withUnsafeBytes { try writer.append($0) } }
            try writer.endTensor()
        }
        try writer.finish()
    }

    @Test func membersAreTorchsInItsOrderAndAligned() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("pytorch_model.bin")
        try Self.write([TensorInfo(name: "a.weight", shape: [3, 5], dtype: .float32),
                        TensorInfo(name: "b", shape: [], dtype: .uint16)], to: path, recipe: #"{"ckpt": 1}"#)
        let zip = try ZipReader(path: path)
        #expect(zip.entries.map(\.name) == [
            "pytorch_model/data.pkl", "pytorch_model/.format_version", "pytorch_model/.storage_alignment",
            "pytorch_model/byteorder", "pytorch_model/data/0", "pytorch_model/data/1", "pytorch_model/ckpt_recipe.json",
            "pytorch_model/version", "pytorch_model/.data/serialization_id",
        ])
        #expect(zip.entries.allSatisfy { $0.method == .stored && $0.dataOffset % 64 == 0 })
        let reader = try CheckpointReaders.open(path: path)
        #expect(reader.format == .pytorch)
        #expect(reader.tensors.map(\.info) == [TensorInfo(name: "a.weight", shape: [3, 5], dtype: .float32),
                                               TensorInfo(name: "b", shape: [], dtype: .uint16)])
        #expect(reader.recipe == #"{"ckpt": 1}"#)
    }

    @Test func sameLayoutSameBytes() throws {
        let (first, second) = (try TemporaryDirectory(), try TemporaryDirectory())
        let tensors = [TensorInfo(name: "x", shape: [2], dtype: .bfloat16)]
        try Self.write(tensors, to: first.path("m.bin"))
        try Self.write(tensors, to: second.path("m.bin"))
        #expect(try Data(contentsOf: first.url.appendingPathComponent("m.bin")) == Data(contentsOf: second.url.appendingPathComponent("m.bin")))
        #expect(TorchCheckpointWriter.rootName(for: "/a/pytorch_model.bin") == "pytorch_model")
        #expect(TorchCheckpointWriter.rootName(for: "/a/.bin") == "archive")
    }

    @Test func largeIntegersPickleAsLong1() throws {
        let pickle = TorchPickleWriter.pickle([TensorInfo(name: "big", shape: [1 << 33], dtype: .int8)])
        var machine = PickleMachine(bytes: pickle) { key, dtype, count throws(PickleProblem) in
            TorchStorage(key: key, dtype: dtype, byteCount: count * (dtype ?? .uint8).byteSize)
        }
        guard case .dict(let id) = try machine.run(), case .tensor(let tensor) = machine.heap.dicts[id][0].value else {
            Issue.record("not a dict of a tensor")
            return
        }
        #expect(tensor.shape == [1 << 33])
        #expect(tensor.storage.byteCount == 1 << 33)
    }
}
