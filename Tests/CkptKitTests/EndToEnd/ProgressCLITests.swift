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
}
