import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// The PyTorch reader against files the real `torch.save` wrote (Fixtures/torch, made by
/// make_torch_fixtures.py): every tensor equal to what `torch.load` gave, kept beside each file
/// as `<name>.expected.npz`; and the hostile pickles of Fuzz/Regressions/FuzzTorch (made by
/// make_hostile_pickles.py) refused with one error naming the file and what was refused.
@Suite("PyTorch reader")
struct TorchReaderTests {
    static func fixture(_ name: String) -> String { TestPaths.fixture("torch/" + name) }
    static func hostile(_ name: String) -> String {
        TestPaths.repository.appendingPathComponent("Fuzz/Regressions/FuzzTorch").appendingPathComponent(name).path
    }

    /// The expected tensors, in file order: bfloat16 ones are stored as their uint16 bits under `<name>@bf16`.
    static func expected(_ path: String) throws -> [(info: TensorInfo, bytes: [UInt8])] {
        let npz = try NPZReader(path: path)
        return try npz.tensors.map { info in
            let bytes = try npz.readTensor(named: info.name)
            if info.name.hasSuffix("@bf16") {
                return (TensorInfo(name: String(info.name.dropLast(5)), shape: info.shape, dtype: .bfloat16), bytes)
            }
            return (info, bytes)
        }
    }

    static func values(_ reader: CheckpointReader, _ tensor: StoredTensor) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try reader.read(tensor, maximumPieceBytes: 64) { bytes.append(contentsOf: $0) }
        return bytes
    }

    @Test(arguments: [
        ("torch_zip.pt", "torch_zip.expected.npz"), ("torch_protocol4.pt", "torch_protocol4.expected.npz"),
        ("torch_legacy.pt", "torch_legacy.expected.npz"), ("torch_shared.pt", "torch_shared.expected.npz"),
        ("torch_shared_legacy.pt", "torch_shared_legacy.expected.npz"), ("lightning.ckpt", "lightning.expected.npz"),
        ("sharded/pytorch_model.bin.index.json", "sharded/pytorch_model.expected.npz"),
    ])
    func readsWhatTorchLoadGives(file: String, reference: String) throws {
        let reader = try CheckpointReaders.open(path: Self.fixture(file))
        #expect(reader.format == .pytorch)
        var expected = try Self.expected(Self.fixture(reference))
        var tensors = reader.tensors
        if file.hasSuffix(".index.json") {
            // An index lists its tensors in weight_map order (sorted by name), shards in shard order.
            expected.sort { $0.info.name < $1.info.name }
            tensors.sort { $0.name < $1.name }
        }
        #expect(tensors.map(\.name) == expected.map(\.info.name))
        for (tensor, want) in zip(tensors, expected) {
            #expect(tensor.info == want.info)
            #expect(try Self.values(reader, tensor) == want.bytes, "\(file): \(tensor.name)")
        }
    }

    @Test func sharedStoragesAndViewsReadTheirOwnRange() throws {
        let reader = try CheckpointReaders.open(path: Self.fixture("torch_shared.pt"))
        let row = try #require(reader.tensors.first { $0.name == "row" })
        #expect(row.info.shape == [6])
        let floats = try Self.values(reader, row).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == (12 ..< 18).map(Float.init))
    }

    @Test func lightningKeepsCountersAsMetadataAndLeavesOptimizerStatesOut() throws {
        let reader = try TorchCheckpointReader(path: Self.fixture("lightning.ckpt"))
        #expect(reader.tensors.map(\.name) == ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"])
        #expect(reader.metadata.contains { $0.key == "epoch" && $0.value == "3" })
        #expect(reader.metadata.contains { $0.key == "global_step" && $0.value == "120" })
        let everything = try TorchCheckpointReader(path: Self.fixture("lightning.ckpt"), options: ReadOptions(includeOptimizer: true))
        #expect(everything.tensors.contains { $0.name == "optimizer_states.0.state.0.exp_avg" })
    }

    @Test func nonContiguousViewIsAnErrorNamingIt() {
        let path = Self.fixture("torch_noncontiguous.pt")
        #expect { try CheckpointReaders.open(path: path) } throws: {
            "\($0)".contains("'t'") && "\($0)".contains("non-contiguous") && "\($0)".contains(path) && "\($0)".contains("--copy-strided")
        }
    }

    /// With copyStridedViews, the transposed view reads as torch.load gives it (its
    /// `.contiguous()` values, the expected npz torch wrote), in pieces of any size.
    @Test(arguments: [4, 8, 20, 96])
    func nonContiguousViewIsCopiedWhenAskedFor(pieceBytes: Int) throws {
        let reader = try CheckpointReaders.open(path: Self.fixture("torch_noncontiguous.pt"), options: ReadOptions(copyStridedViews: true))
        let tensor = try #require(reader.tensors.first { $0.name == "t" })
        #expect(tensor.info.shape == [6, 4])
        let bytes = try reader.open(tensor)
        var values: [UInt8] = []
        var piece = [UInt8](repeating: 0, count: pieceBytes)
        while values.count < tensor.info.byteCount {
            let count = min(pieceBytes, tensor.info.byteCount - values.count)
            try piece.withUnsafeMutableBytes { try bytes.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<count])) }
            values += piece[0..<count]
        }
        try bytes.finish()
        let floats = values.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        // base = arange(24).reshape(4, 6); t = base.t(): t[i][j] = base[j][i] = 6j + i.
        #expect(floats == (0..<6).flatMap { i in (0..<4).map { j in Float(6 * j + i) } })
        let expected = try NPZCheckpointReader(path: Self.fixture("torch_noncontiguous.expected.npz"))
        let reference = try #require(expected.tensors.first { $0.name == "t" })
        #expect(try Self.values(expected, reference) == values)
    }

    /// Every kind of view (transpose, strided slice at an offset, one column, a 3-D permutation,
    /// float16), zip and legacy: with copyStridedViews each reads equal to torch.load's values, in
    /// 64-byte pieces; without it the first is refused.
    @Test(arguments: ["torch_strided.pt", "torch_strided_legacy.pt"])
    func stridedViewsReadAsTorchLoadGivesThem(name: String) throws {
        let path = Self.fixture(name)
        #expect(throws: TorchError.self) { try CheckpointReaders.open(path: path) }
        let reader = try CheckpointReaders.open(path: path, options: ReadOptions(copyStridedViews: true))
        let expected = try NPZCheckpointReader(path: Self.fixture(name.replacingOccurrences(of: ".pt", with: ".expected.npz")))
        #expect(reader.tensors.map(\.name).sorted() == expected.tensors.map(\.name).sorted())
        for tensor in expected.tensors {
            let mine = try #require(reader.tensors.first { $0.name == tensor.name })
            #expect(mine.info.shape == tensor.info.shape, "\(tensor.name)")
            #expect(try Self.values(reader, mine) == Self.values(expected, tensor), "\(tensor.name)")
        }
    }

    /// Each hostile file: the error names the file and the refused global or the problem.
    @Test(arguments: [
        ("os-system-reduce.pt", "global 'os.system'"),
        ("os-system-in-state-dict.pt", "global 'os.system'"),
        ("builtins-eval.pt", "global 'builtins.eval'"),
        ("reduce-payload.pt", "global 'posix.system'"),
        ("reduce-payload-protocol4.pt", "global 'posix.system'"),
        ("rebuild-from-type-smuggled-global.pt", "global 'subprocess.getoutput'"),
        ("rebuild-from-type-wrong-function.pt", "not a tensor rebuild"),
        ("newobj.pt", "NEWOBJ"),
        ("build.pt", "BUILD"),
        ("huge-string-length.pt", "only 1 are left"),
        ("huge-binunicode8.pt", "are left"),
        ("huge-storage-numel.pt", "but its member has 16 bytes"),
        ("huge-tensor-size.pt", "overflows"),
        ("tensor-past-storage.pt", "reaches past its storage"),
        ("memo-never-written.pt", "memo entry"),
        ("missing-storage-member.pt", "has no member"),
        ("self-containing-list.pt", "nested deeper"),
        ("deep-nesting.pt", "nested deeper"),
        ("truncated-pickle.pt", "truncated"),
        ("empty-pickle.pt", "truncated"),
        ("no-stop.pt", "truncated"),
        ("legacy-os-system.pt", "global 'os.system'"),
        ("legacy-truncated-storage.pt", "truncated"),
    ])
    func hostilePicklesAreRefused(name: String, fragment: String) {
        let path = Self.hostile(name)
        #expect { try FuzzRegressionTests.readEverything(path) } throws: { error in
            let text = "\(error)"
            return text.contains(fragment) && text.contains(path) && !text.contains("\n")
        }
    }

    @Test func refusalNamesTheOffsetInDataPkl() {
        let path = Self.hostile("os-system-in-state-dict.pt")
        // PROTO, GLOBAL OrderedDict, EMPTY_TUPLE, REDUCE, MARK, 'weight': the GLOBAL os.system starts at 41.
        #expect { try CheckpointReaders.open(path: path) } throws: { "\($0)".contains("archive/data.pkl offset 41") }
    }

    @Test func pickleMachineReadsBigEndianFloatsAndLongs() throws {
        // BINFLOAT 1.5 (big-endian), LONG1 -2 in one byte, LONG1 2^63 as a big int, TUPLE3.
        let bytes: [UInt8] = [0x80, 0x02, 0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0x8A, 0x01, 0xFE,
                              0x8A, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0x87, 0x2E]
        var machine = PickleMachine(bytes: bytes) { key, _, _ throws(PickleProblem) in
            throw PickleProblem(kind: .invalidPickle, offset: 0, reason: key)
        }
        guard case .tuple(let items) = try machine.run(), items.count == 3,
              case .float(let x) = items[0], case .int(let y) = items[1], case .bigInt(let z) = items[2] else {
            Issue.record("not a 3-tuple of float, int, big int")
            return
        }
        #expect(x == 1.5)
        #expect(y == -2)
        #expect(z == [0, 0, 0, 0, 0, 0, 0, 0x80, 0])
    }

    @Test func shardedIndexRefusesATensorInTheWrongShard() throws {
        let dir = try TemporaryDirectory()
        let source = Self.fixture("sharded") + "/"
        for name in ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"] {
            try FileManager.default.copyItem(atPath: source + name, toPath: dir.path(name))
        }
        let index = #"{"metadata": {}, "weight_map": {"conv1.weight": "pytorch_model-00002-of-00002.bin"}}"#
        try index.write(toFile: dir.path("pytorch_model.bin.index.json"), atomically: true, encoding: .utf8)
        #expect { try CheckpointReaders.open(path: dir.path("pytorch_model.bin.index.json")) } throws: {
            "\($0)".contains("conv1.weight") && "\($0)".contains("which has no such tensor")
        }
    }

    /// A legacy file whose pickles pass the first 1 MiB read is read with a longer prefix.
    @Test func legacyPicklesLongerThanTheFirstRead() throws {
        func text(_ string: String) -> [UInt8] {
            let bytes = Array(string.utf8)
            return [0x58] + withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { Array($0) } + bytes
        }
        func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
        var file: [UInt8] = [0x80, 0x02, 0x8A, 0x0A] + TorchCheckpointReader.legacyMagic + [0x2E]
        file += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E, 0x80, 0x02, 0x7D, 0x2E]
        file += [0x80, 0x02, 0x7D, 0x28] + text("note") + text(String(repeating: "x", count: 3 << 20)) + text("w")
        file += global("torch._utils", "_rebuild_tensor_v2") + [0x28, 0x28] + text("storage") + global("torch", "FloatStorage")
        file += text("0") + text("cpu") + [0x4B, 2, 0x74, 0x51, 0x4B, 0, 0x28, 0x4B, 2, 0x74, 0x28, 0x4B, 1, 0x74, 0x89]
        file += global("collections", "OrderedDict") + [0x29, 0x52, 0x74, 0x52, 0x75, 0x2E]
        file += [0x80, 0x02, 0x5D, 0x28] + text("0") + [0x65, 0x2E]
        file += [2, 0, 0, 0, 0, 0, 0, 0] + [Float(1), Float(2)].withUnsafeBytes { Array($0) }
        let dir = try TemporaryDirectory()
        try Data(file).write(to: dir.url.appendingPathComponent("big.pt"))
        let reader = try CheckpointReaders.open(path: dir.path("big.pt"))
        #expect(reader.tensors.map(\.info) == [TensorInfo(name: "w", shape: [2], dtype: .float32)])
        #expect(try Self.values(reader, reader.tensors[0]) == [Float(1), Float(2)].withUnsafeBytes { Array($0) })
    }
}
