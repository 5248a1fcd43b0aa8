// libFuzzer target for the HDF5 checkpoint reader (Keras 3 .weights.h5, legacy .h5, plain
// HDF5) on top of libhdf5. libhdf5 is not instrumented: a crash whose stack is inside
// libhdf5.so is libhdf5's, one in CkptKit frames is ours.
@testable import CkptKit
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = FuzzInput.write(UnsafeRawBufferPointer(start: data, count: size), to: "input.h5")
    do {
        let reader = try HDF5CheckpointReader(path: path)
        _ = reader.legacyLayers.count
        for tensor in reader.tensors { _ = reader.legacyLocation(of: tensor) }
        try FuzzRead.readAll(reader)
    } catch {
        FuzzErrors.check(error, path: path)
    }
    return 0
}
