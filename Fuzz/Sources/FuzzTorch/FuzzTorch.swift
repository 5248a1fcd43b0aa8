// libFuzzer target for the PyTorch reader: the zip container and `<root>/data.pkl`, the legacy
// format (magic number, protocol, system info, object, storage keys and records), and ckpt's
// allow-list pickle interpreter on the raw input itself (as a data.pkl whose storages all exist).
@testable import CkptKit
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTorch(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let path = FuzzInput.write(input, to: "input.pt")
    do {
        // Optimizer states kept and non-contiguous views copied: every tensor the file holds is read.
        let reader = try CheckpointReaders.open(path: path, options: ReadOptions(includeOptimizer: true, copyStridedViews: true))
        try FuzzRead.readAll(reader)
    } catch {
        FuzzErrors.check(error, path: path)
    }
    // The interpreter alone: any storage resolves to 1 KiB, so tensors and walks are reached.
    var machine = PickleMachine(bytes: Array(input)) { key, dtype, count throws(PickleProblem) in
        TorchStorage(key: key, dtype: dtype, byteCount: 1024)
    }
    if let root = try? machine.run() {
        var walk = TorchObjectWalk(heap: machine.heap, includeOptimizer: true, copyStridedViews: true)
        _ = try? walk.walk(root)
    }
    return 0
}
