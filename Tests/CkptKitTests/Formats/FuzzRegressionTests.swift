import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Inputs the fuzzers found (Fuzz/Regressions): each must end in one clear error, not a trap or a
/// huge allocation. scripts/fuzz.sh replays them under the sanitizers too.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static func regression(_ path: String) -> String {
        TestPaths.repository.appendingPathComponent("Fuzz/Regressions").appendingPathComponent(path).path
    }

    static func readEverything(_ path: String) throws {
        let reader = try CheckpointReaders.open(path: path)
        for tensor in reader.tensors {
            try reader.read(tensor, maximumPieceBytes: 1 << 20) { _ in }
        }
    }

    @Test func npzZeroLeadingDimensionCannotHideAnOverflow() {
        let path = Self.regression("FuzzNPZ/npz-zero-leading-dim-row-overflow.npz")
        #expect { try Self.readEverything(path) } throws: { "\($0)".contains("overflows") && "\($0)".contains(path) }
    }

    @Test func hdf5UnwrittenHugeRowIsRefusedBeforeAllocating() {
        let path = Self.regression("FuzzHDF5/hdf5-unwritten-4gib-row.h5")
        #expect { try Self.readEverything(path) } throws: { "\($0)".contains("stores 0 bytes") }
    }

    /// FuzzHDF5 (the 10⁶-input campaign): files whose structure reads cleanly but whose values
    /// made libhdf5's `H5Dread` overflow a heap buffer (`H5VM_memcpyvv`). ckpt now reads
    /// contiguous and chunked values itself, checking each range against the layout and the
    /// file: one error naming the dataset and why.
    @Test(arguments: [
        ("hdf5-h5dread-memcpyvv-overflow-1.h5", "past the end of the 21684-byte file"),
        ("hdf5-h5dread-memcpyvv-overflow-2.h5", "stores 38 bytes for an unfiltered chunk of 60"),
    ])
    func hdf5ValuesAreReadByCkptNotH5Dread(name: String, reason: String) {
        let path = Self.regression("FuzzHDF5/" + name)
        #expect { try Self.readEverything(path) } throws: { "\($0)".contains(reason) && "\($0)".contains("dataset") }
    }

    /// FuzzKeras (the 10⁶-input campaign): a `.keras` whose weights member sets libhdf5's end of
    /// addresses near 2⁶⁴ overflowed the embedded driver's offset arithmetic (a trap).
    @Test(arguments: ["keras-embedded-eoa-overflow.keras", "keras-embedded-eoa-overflow-2.keras"])
    func kerasEmbeddedEndOfAddressesCannotOverflow(name: String) {
        let path = Self.regression("FuzzKeras/" + name)
        do {
            try Self.readEverything(path)
        } catch {
            #expect("\(error)".contains(path), "\(error)")
        }
    }

    @Test func safetensorsZeroDimensionCannotHideAnOverflow() throws {
        let dir = try TemporaryDirectory()
        let header = Array(#"{"a":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        bytes += header
        try Data(bytes).write(to: dir.url.appendingPathComponent("x.safetensors"))
        #expect { try Self.readEverything(dir.path("x.safetensors")) } throws: { "\($0)".contains("overflows") }
    }

    @Test func shapeArithmeticChecksNonzeroDimensions() {
        #expect(ShapeArithmetic.byteCount([0, 1 << 40, 1 << 40], elementSize: 4) == nil)
        #expect(ShapeArithmetic.byteCount([0, 3], elementSize: 4) == 0)
        #expect(ShapeArithmetic.byteCount([2, 3], elementSize: 4) == 24)
        #expect(ShapeArithmetic.byteCount([], elementSize: 8) == 8)
        #expect(ShapeArithmetic.byteCount([-1], elementSize: 1) == nil)
    }
}
