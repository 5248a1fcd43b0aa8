import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Compressed HDF5 files (issue: a legitimate gzip file was refused for its compression ratio):
/// read whatever their ratio, with the work bounded by `--max-decompressed`, not by a ratio.
@Suite("ckpt on compressed HDF5 files")
struct CompressedHDF5CLITests {
    /// 100 Mi float32 elements of 0.5 with gzip in 1 MiB chunks, as h5py writes with
    /// `compression="gzip"`: 400 MiB declared, about 400 KB stored (a ratio near 1000:1).
    static func constantFile(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.path("constant.h5")
        let file = try HDF5File.create(atPath: path)
        let count = 100 << 20
        let dataset = try file.root.createFilteredDataset("w", shape: [count], chunkShape: [1 << 18], filters: [.deflate(level: 4)])
        let values = [Float](repeating: 0.5, count: count)
        try values.withUnsafeBytes { try dataset.write($0) }
        try file.close()
        return path
    }

    @Test("A 400 MiB dataset of 0.5 that gzip stores in about 400 KB is read, and its limit is a flag")
    func constantGzip() throws {
        let dir = try TemporaryDirectory()
        let file = try Self.constantFile(dir)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(size < 4 << 20, "the test file must be highly compressed (\(size) bytes)")

        let inspect = try ProcessRunner.run(TestPaths.ckptBinary, ["inspect", "--json", file])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let report = try JSONParser.parse(inspect.stdout)
        let tensor = try #require(report["tensors"]?.array?.first)
        #expect(tensor["shape"]?.array?.first?.double == Double(100 << 20))
        #expect(tensor["mean"]?.double == 0.5 && tensor["min"]?.double == 0.5 && tensor["max"]?.double == 0.5, "\(tensor)")

        let out = dir.path("out.safetensors")
        let convert = try ProcessRunner.run(TestPaths.ckptBinary, ["convert", file, out])
        #expect(convert.status == 0, "\(convert.stderr)")
        let reader = try SafetensorsReader(path: out)
        #expect(reader.tensors.map(\.info.shape) == [[100 << 20]])

        // Below the file's 400 MiB of expansion: refused before any value is read, naming the flag.
        let limited = try ProcessRunner.run(TestPaths.ckptBinary, ["inspect", "--max-decompressed", "100MiB", file])
        #expect(limited.status == 1)
        #expect(limited.stderr.hasPrefix("ckpt: error: ") && limited.stderr.contains("100 MiB")
                && limited.stderr.contains("--max-decompressed"), "\(limited.stderr)")
        #expect(limited.stderr.split(separator: "\n").count == 1)
        let bad = try ProcessRunner.run(TestPaths.ckptBinary, ["inspect", "--max-decompressed", "lots", file])
        #expect(bad.status == 64 && bad.stderr.contains("--max-decompressed"), "\(bad.stderr)")
    }

    @Test("A file declaring 32 GiB it never wrote is refused by default and read when the limit allows it")
    func unwrittenBomb() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("bomb.h5")
        let file = try HDF5File.create(atPath: path)
        _ = try file.root.createDataset("layers/dense/vars/0", dtype: .float32, shape: [524_288, 16_384], chunkShape: [1, 16_384])
        try file.close()
        let refused = try ProcessRunner.run(TestPaths.ckptBinary, ["inspect", "--no-stats", path])
        #expect(refused.status == 1 && refused.stderr.contains("16 GiB") && refused.stderr.contains("--max-decompressed"), "\(refused.stderr)")
        // The probe child gets the same limit: with it raised, the structure is read (no values).
        let allowed = try ProcessRunner.run(TestPaths.ckptBinary, ["inspect", "--no-stats", "--max-decompressed", "32GiB", path])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("(524288, 16384)"))
    }
}
