import Foundation
import Testing
import CkptTestSupport

/// `--include-optimizer` and `--copy-strided` on the commands that read one checkpoint
/// (convert, inspect, diff), with the torch.save fixtures of Fixtures/torch.
@Suite("torch reading options, end to end")
struct TorchReadingCLITests {
    static func fixture(_ name: String) -> String { TestPaths.fixture("torch/" + name) }

    static func ckpt(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(TestPaths.ckptBinary, arguments)
    }

    @Test func optimizerStatesOnlyWhenAskedFor() throws {
        let dir = try TemporaryDirectory()
        let plain = try Self.ckpt(["inspect", Self.fixture("lightning.ckpt"), "--json", "--no-stats"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.contains("optimizer_states.0.state.0.exp_avg"))
        let all = try Self.ckpt(["inspect", Self.fixture("lightning.ckpt"), "--json", "--no-stats", "--include-optimizer"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("optimizer_states.0.state.0.exp_avg"))
        #expect(all.stdout.contains("optimizer_states.0.state.0.exp_avg_sq"))
        let out = dir.path("all.npz")
        let converted = try Self.ckpt(["convert", Self.fixture("lightning.ckpt"), out, "--include-optimizer", "-q"])
        #expect(converted.status == 0, "\(converted.stderr)")
        let listed = try Self.ckpt(["inspect", out, "--json", "--no-stats"])
        #expect(listed.stdout.contains("optimizer_states.0.state.1.exp_avg"))
        #expect(listed.stdout.contains("model.0.weight"))
    }

    @Test func stridedViewsAreCopiedWhenAskedFor() throws {
        let dir = try TemporaryDirectory()
        let source = Self.fixture("torch_strided.pt")
        let refused = try Self.ckpt(["convert", source, dir.path("a.safetensors")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("non-contiguous") && refused.stderr.contains("--copy-strided"), "\(refused.stderr)")
        #expect(dir.contents().isEmpty, "a refused conversion leaves nothing")
        let out = dir.path("a.safetensors")
        let copied = try Self.ckpt(["convert", source, out, "--copy-strided", "-q"])
        #expect(copied.status == 0, "\(copied.stderr)")
        // The copy equals torch.load's values (the expected npz torch wrote), tensor by tensor.
        let same = try Self.ckpt(["diff", out, Self.fixture("torch_strided.expected.npz")])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let diffed = try Self.ckpt(["diff", source, Self.fixture("torch_strided.expected.npz"), "--copy-strided"])
        #expect(diffed.status == 0, "\(diffed.stdout)\(diffed.stderr)")
        let inspected = try Self.ckpt(["inspect", Self.fixture("torch_strided_legacy.pt"), "--copy-strided"])
        #expect(inspected.status == 0, "\(inspected.stderr)")
    }

    @Test func convertingManyRefusesTheFlags() throws {
        let dir = try TemporaryDirectory()
        let result = try Self.ckpt(["convert", Self.fixture("torch_strided.pt"), "-o", dir.path("out") + "/", "--to", "npz", "--copy-strided"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("read one checkpoint"), "\(result.stderr)")
    }
}
