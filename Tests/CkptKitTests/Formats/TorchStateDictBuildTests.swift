import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `torch.save(module.state_dict())` pickles the OrderedDict's `_metadata` attribute with BUILD:
/// ckpt reads such files (the attributes must be plain values and are dropped), and refuses a
/// BUILD on anything else. Fixtures/layouts/make_layout_fixtures.py wrote the file with torch.
@Suite("PyTorch: state_dict _metadata (BUILD)")
struct TorchStateDictBuildTests {
    static func values(_ reader: CheckpointReader, _ name: String) throws -> [UInt8] {
        let tensor = try #require(reader.tensors.first { $0.name == name }, "\(name) in \(reader.path)")
        var bytes: [UInt8] = []
        try reader.read(tensor, maximumPieceBytes: 1 << 20) { bytes.append(contentsOf: $0) }
        return bytes
    }

    @Test func readsAModulesStateDictAsTorchLoadDoes() throws {
        let reader = try CheckpointReaders.open(path: TestPaths.fixture("layouts/small_state_dict.bin"))
        let expected = try CheckpointReaders.open(path: TestPaths.fixture("layouts/small_state_dict.expected.npz"))
        #expect(reader.tensors.map(\.name) == expected.tensors.map(\.name))
        for tensor in expected.tensors {
            #expect(try Self.values(reader, tensor.name) == Self.values(expected, tensor.name), "\(tensor.name)")
        }
        #expect(reader.tensors.first { $0.name == "bn1.num_batches_tracked" }?.info.dtype == .int64)
    }

    /// The file torch wrote, with --layout keras: the LSTM's two biases are summed into Keras' one.
    @Test func convertsToKerasWithTheBiasesFolded() throws {
        let dir = try TemporaryDirectory()
        let converted = try ProcessRunner.ckpt(["convert", TestPaths.fixture("layouts/small_state_dict.bin"), dir.path("k.npz"),
                                                "--spec", TestPaths.fixture("layouts/small.json"), "--layout", "keras", "-q"])
        #expect(converted.status == 0, "\(converted.stderr)")
        let keras = try CheckpointReaders.open(path: dir.path("k.npz"))
        let torch = try CheckpointReaders.open(path: TestPaths.fixture("layouts/small_state_dict.expected.npz"))
        func floats(_ bytes: [UInt8]) -> [Float] { bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } }
        let sum = zip(floats(try Self.values(torch, "lstm.bias_ih_l0")), floats(try Self.values(torch, "lstm.bias_hh_l0"))).map { Float(Double($0) + Double($1)) }
        #expect(floats(try Self.values(keras, "lstm/lstm_cell/bias")) == sum)
        #expect(try Self.values(keras, "bn1/moving_variance") == Self.values(torch, "bn1.running_var"))
    }

    // Pickle pieces (protocol 2).
    static func text(_ string: String) -> [UInt8] {
        let bytes = Array(string.utf8)
        return [0x58] + withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { Array($0) } + bytes
    }
    static let orderedDict: [UInt8] = [0x63] + Array("collections\nOrderedDict\n".utf8) + [0x29, 0x52]  // GLOBAL ) REDUCE

    static func run(_ bytes: [UInt8]) throws(PickleProblem) -> PickleValue {
        var machine = PickleMachine(bytes: bytes) { key, _, _ throws(PickleProblem) in
            throw PickleProblem(kind: .invalidPickle, offset: 0, reason: key)
        }
        return try machine.run()
    }

    @Test func buildOfPlainAttributesOnAnOrderedDictIsAccepted() throws {
        // OrderedDict(), then BUILD {"_metadata": OrderedDict([("", {"version": 1})])}, as torch writes it.
        let metadata = Self.orderedDict + [0x28] + Self.text("") + [0x7D] + Self.text("version") + [0x4B, 0x01, 0x73, 0x75]
        let bytes: [UInt8] = [0x80, 0x02] + Self.orderedDict + [0x7D] + Self.text("_metadata") + metadata + [0x73, 0x62, 0x2E]
        guard case .dict = try Self.run(bytes) else {
            Issue.record("not a dict")
            return
        }
    }

    static let refusedBuilds: [([UInt8], String)] = {
        let header: [UInt8] = [0x80, 0x02]
        let global: [UInt8] = [0x63] + Array("collections\nOrderedDict\n".utf8)
        var cases: [([UInt8], String)] = []
        // BUILD on a plain dict: any object's __setstate__.
        cases.append((header + [0x7D, 0x7D, 0x62, 0x2E], "not of a collections.OrderedDict"))
        // An attribute holding a global.
        var withGlobal: [UInt8] = header + orderedDict + [0x7D] + text("x")
        withGlobal += global + [0x73, 0x62, 0x2E]
        cases.append((withGlobal, "not plain values"))
        // A state that is no dict (a tuple of state and slot state).
        cases.append((header + orderedDict + [0x4E, 0x7D, 0x86, 0x62, 0x2E], "not a dict of attributes"))
        // An attribute named by a number.
        cases.append((header + orderedDict + [0x7D, 0x4B, 0x01, 0x4B, 0x02, 0x73, 0x62, 0x2E], "attribute named by an int"))
        return cases
    }()

    @Test(arguments: refusedBuilds)
    func otherBuildsAreRefused(bytes: [UInt8], fragment: String) {
        #expect { _ = try Self.run(bytes) } throws: { error in
            guard let problem = error as? PickleProblem else { return false }
            return problem.kind == .refused && problem.reason.contains(fragment)
        }
    }
}
