import CkptKit
import CkptTestSupport
import Foundation
import Testing

/// `CKPT_KERNELS` caps ckpt's random kernels, whose bits are the same at every level; it must not
/// change any output byte, orthogonal tensors (LAPACK QR in OpenBLAS) included.
@Suite("Bytes across CKPT_KERNELS levels")
struct KernelLevelBytesCLITests {
    @Test("rnn.json (orthogonal recurrent kernels) gives the same bytes at every kernel level", arguments: ["float32", "float64"])
    func sameBytesAtEveryLevel(dtype: String) throws {
        let dir = try TemporaryDirectory()
        let levels = ["default", "portable", "avx2", "avx512"]
        var files: [String: Data] = [:]
        var cores: Set<String> = []
        for level in levels {
            let out = dir.path("\(level).safetensors")
            let env = level == "default" ? [:] : ["CKPT_KERNELS": level]
            let made = try ProcessRunner.run(TestPaths.ckptBinary,
                                             ["init", TestPaths.fixture("keras/rnn.json"), "-o", out, "--seed", "5",
                                              "--dtype", dtype, "-q"], environment: env)
            try #require(made.status == 0, "\(level): \(made.stderr)")
            files[level] = try Data(contentsOf: URL(fileURLWithPath: out))
            let shown = try ProcessRunner.ckpt(["inspect", out, "--json", "--no-stats"])
            let root = try JSONParser.parse(shown.stdout)
            if let core = root["recipe"]?["openblas_core"]?.string { cores.insert(core) }
        }
        #expect(cores.count == 1, "OpenBLAS kernels differ between levels: \(cores.sorted())")
        let reference = try #require(files["default"])
        for level in levels.dropFirst() {
            #expect(files[level] == reference, "CKPT_KERNELS=\(level) changed the bytes")
        }
    }
}
