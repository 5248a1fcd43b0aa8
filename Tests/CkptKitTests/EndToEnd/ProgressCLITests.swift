import CkptTestSupport
import Foundation
import Testing

/// `ckpt init` and `ckpt convert` draw a progress bar on a terminal (here a pseudo-terminal made
/// by util-linux `script`), and nothing on standard error otherwise or with `--quiet`.
@Suite("Progress bar")
struct ProgressCLITests {
    /// Runs ckpt on a pseudo-terminal; returns everything the terminal received.
    static func onTerminal(_ arguments: [String]) throws -> ProcessResult {
        let command = ([TestPaths.ckptBinary] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try ProcessRunner.run("/usr/bin/script", ["-qec", command, "/dev/null"])
    }

    @Test("init and convert show bytes, throughput and ETA on a terminal, then clear the bar")
    func barOnTerminal() throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/vgg16.json")
        let made = try Self.onTerminal(["init", spec, "-o", dir.path("v.npz")])
        #expect(made.status == 0, "\(made.stdout)")
        #expect(made.stdout.contains("527.8 MiB]") || made.stdout.contains("/ 527.8 MiB"), "\(made.stdout.suffix(400))")
        #expect(made.stdout.contains("\u{1B}[2K"))
        #expect(made.stdout.contains("wrote \(dir.path("v.npz"))"))
        let converted = try Self.onTerminal(["convert", dir.path("v.npz"), dir.path("v.safetensors")])
        #expect(converted.status == 0, "\(converted.stdout)")
        #expect(converted.stdout.contains("/ 527.8 MiB"), "\(converted.stdout.suffix(400))")
        let quiet = try Self.onTerminal(["init", spec, "-o", dir.path("q.npz"), "--quiet"])
        #expect(quiet.status == 0 && !quiet.stdout.contains("MiB"), "\(quiet.stdout)")
    }

    @Test("no bar when standard error is not a terminal")
    func noBarInLogs() throws {
        let dir = try TemporaryDirectory()
        let made = try ProcessRunner.ckpt(["init", TestPaths.fixture("keras/vgg16.json"), "-o", dir.path("v.npz")])
        #expect(made.status == 0)
        #expect(made.stderr.isEmpty, "\(made.stderr)")
    }

    @Test("a batch logs one line per output, and draws its bar on a terminal")
    func batchProgress() throws {
        let dir = try TemporaryDirectory()
        let arguments = ["init", TestPaths.fixture("keras/mlp.json"), "--seeds", "1..2", "-o", dir.path("s{seed}.npz"), "--threads", "1"]
        let logged = try ProcessRunner.ckpt(arguments)
        #expect(logged.status == 0, "\(logged.stderr)")
        let lines = logged.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(logged.stderr)")
        #expect(lines.first?.hasPrefix("[1/2] ok       \(dir.path("s1.npz")) (npz, 920.9 KiB, ") == true, "\(logged.stderr)")
        #expect(lines.last?.hasPrefix("[2/2] ok       \(dir.path("s2.npz")) (npz, 920.9 KiB, ") == true, "\(logged.stderr)")
        #expect(lines.allSatisfy { $0.hasSuffix(" s)") }, "\(logged.stderr)")
        let drawn = try Self.onTerminal(arguments + ["--force"])
        #expect(drawn.status == 0, "\(drawn.stdout)")
        #expect(drawn.stdout.contains("] 0/2 outputs"), "\(drawn.stdout.suffix(400))")
        #expect(drawn.stdout.contains("\u{1B}[J"), "the bar is cleared")
        #expect(!drawn.stdout.contains("[1/2] ok"), "no log lines under the bar")
        #expect(drawn.stdout.contains("batch: 2 outputs: 2 ok"), "\(drawn.stdout.suffix(400))")
    }
}
