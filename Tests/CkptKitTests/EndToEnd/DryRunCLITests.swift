import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// `--dry-run` wherever batch options are taken: it shows, as the run would decide, what each
/// output would get (write, replace, skip, refuse), writes nothing, and needs no `--force`.
@Suite("--dry-run of init --seeds, convert -o DIR/ and batch")
struct DryRunCLITests {
    /// `id<TAB>path<TAB>action` lines → path's file name → action.
    static func actions(_ stdout: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count == 3, Int(fields[0]) != nil else { continue }
            result[URL(fileURLWithPath: fields[1]).lastPathComponent] = fields[2]
        }
        return result
    }

    @Test("init --seeds --dry-run: write before a run; refuse (exit 1, nothing written) after it; replace with --force; skip with --resume")
    func initSeeds() throws {
        let dir = try BatchCLITests.folder()
        let base = ["init", "mlp.json", "--seeds", "0..2", "-o", "out/seed{seed}.npz"]
        let fresh = try ProcessRunner.ckpt(base + ["--dry-run"], currentDirectory: dir.url.path)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(Self.actions(fresh.stdout) == ["seed0.npz": "write", "seed1.npz": "write", "seed2.npz": "write"], "\(fresh.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("out")), "a dry run created the output folder")

        let made = try ProcessRunner.ckpt(["init", "mlp.json", "--seeds", "0..1", "-o", "out/seed{seed}.npz", "--report", "r.jsonl", "-q"],
                                          currentDirectory: dir.url.path)
        try #require(made.status == 0, "\(made.stderr)")
        let before = try BatchCLITests.files(dir.path("out"))

        let refused = try ProcessRunner.ckpt(base + ["--dry-run"], currentDirectory: dir.url.path)
        #expect(refused.status == 1)
        #expect(Self.actions(refused.stdout) == ["seed0.npz": "refuse", "seed1.npz": "refuse", "seed2.npz": "write"], "\(refused.stdout)")
        #expect(refused.stderr.contains("exists (and 1 more output)") && refused.stderr.hasPrefix("ckpt: error: "), "\(refused.stderr)")

        let forced = try ProcessRunner.ckpt(base + ["--dry-run", "--force"], currentDirectory: dir.url.path)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(Self.actions(forced.stdout) == ["seed0.npz": "replace", "seed1.npz": "replace", "seed2.npz": "write"])

        let resumed = try ProcessRunner.ckpt(base + ["--dry-run", "--resume", "--report", "r.jsonl"], currentDirectory: dir.url.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(Self.actions(resumed.stdout) == ["seed0.npz": "skip", "seed1.npz": "skip", "seed2.npz": "write"], "\(resumed.stdout)")
        #expect(try BatchCLITests.files(dir.path("out")) == before, "a dry run changed the outputs")
        // The real resume does what the dry run said.
        let run = try ProcessRunner.ckpt(base + ["--resume", "--report", "r.jsonl"], currentDirectory: dir.url.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("1 ok, 0 failed, 2 skipped"), "\(run.stdout)")
    }

    @Test("convert INPUT... -o DIR/ --dry-run lists the conversions and writes nothing")
    func convertMany() throws {
        let dir = try BatchCLITests.folder()
        for seed in ["1", "2"] {
            #expect(try ProcessRunner.ckpt(["init", "mlp.json", "-o", "m\(seed).npz", "--seed", seed, "-q"], currentDirectory: dir.url.path).status == 0)
        }
        let listed = try ProcessRunner.ckpt(["convert", "m*.npz", "--to", "safetensors", "-o", "conv/", "--dry-run"], currentDirectory: dir.url.path)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(Self.actions(listed.stdout) == ["m1.safetensors": "write", "m2.safetensors": "write"], "\(listed.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("conv")))
    }

    @Test("batch --dry-run after a run shows the outputs as refused instead of refusing to list them")
    func batchAfterRun() throws {
        let dir = try BatchCLITests.folder()
        try BatchCLITests.write(#"{"jobs": [{"init": "mlp.json", "seeds": "0..1", "output": "o/s{seed}.safetensors"}]}"#, dir.path("jobs.json"))
        #expect(try ProcessRunner.ckpt(["batch", "jobs.json", "-q"], currentDirectory: dir.url.path).status == 0)
        let listed = try ProcessRunner.ckpt(["batch", "jobs.json", "--dry-run"], currentDirectory: dir.url.path)
        #expect(listed.status == 1)
        #expect(Self.actions(listed.stdout) == ["s0.safetensors": "refuse", "s1.safetensors": "refuse"], "\(listed.stdout)")
    }
}
