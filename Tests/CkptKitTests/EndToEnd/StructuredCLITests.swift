import CkptKit
import CkptTestSupport
import Foundation
import Testing

/// Structured fills are generated whole and handed to the writers in pieces of whole rows: a
/// tensor larger than one piece whose rows do not divide it (3000 × 3000 against 2²⁰ elements)
/// writes to HDF5 (which appends whole rows) exactly as to npz and safetensors.
@Suite("Structured fills through every writer")
struct StructuredCLITests {
    @Test("a 3000 × 3000 orthogonal kernel is written whole by every format", arguments: ["float32", "bfloat16"])
    func largeOrthogonalKernel(dtype: String) throws {
        let dir = try TemporaryDirectory()
        let spec = dir.path("big.json")
        try #"{"ckpt_spec": 1, "name": "big", "input": [3000], "layers": [{"Dense": {"units": 3000, "name": "d"}}]}"#
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let outputs = ["m.weights.h5", "m.h5", "m.npz", "m.safetensors"]
        for name in outputs {
            let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "--rule", "d/kernel=orthogonal",
                                               "--dtype", dtype, "--seed", "3", "-q"])
            #expect(made.status == 0, "\(name): \(made.stderr)")
        }
        for name in outputs.dropFirst() {
            let compared = try ProcessRunner.ckpt(["diff", dir.path("m.npz"), dir.path(name), "--quiet"])
            #expect(compared.status == 0, "\(name) differs from the npz: \(compared.stdout) \(compared.stderr)")
        }
        let stats = try ProcessRunner.ckpt(["inspect", dir.path("m.weights.h5"), "--json"])
        // Orthonormal columns of length 3000: every entry's mean square is 1/3000.
        let root = try JSONParser.parse(stats.stdout)
        let kernel = try #require(root["tensors"]?.array?.first { $0["name"]?.string?.hasSuffix("vars/0") == true })
        let std = try #require(kernel["std"]?.double)
        #expect(abs(std / (1.0 / 3000).squareRoot() - 1) < 1e-3, "std \(std)")
    }
}
