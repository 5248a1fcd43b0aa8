// libFuzzer target for the npz reader: the zip container (local and central records, ZIP64,
// data descriptors, stored and deflated members, CRC-32) and each member's `.npy` header.
@testable import CkptKit
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = FuzzInput.write(UnsafeRawBufferPointer(start: data, count: size), to: "input.npz")
    do {
        // The checkpoint adapter: rows regrouped from readChunks' pieces.
        let reader = try NPZCheckpointReader(path: path)
        try FuzzRead.readAll(reader)
    } catch {
        FuzzErrors.check(error, path: path)
    }
    do {
        // The public reader's whole-tensor path (Fortran-order transposition, byte swapping).
        let npz = try NPZReader(path: path)
        for tensor in npz.tensors where (FuzzRead.checkedByteCount(tensor) ?? .max) <= 1 << 20 {
            _ = try npz.readTensor(named: tensor.name)
        }
    } catch {
        FuzzErrors.check(error, path: path)
    }
    return 0
}
