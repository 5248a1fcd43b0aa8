import Foundation
import Testing
import CkptTestSupport

/// The mistakes a newcomer makes get one `ckpt: error:` line that says what to do instead.
@Suite("Newcomer mistakes on the command line")
struct NewcomerCLITests {
    struct Case: CustomTestStringConvertible, Sendable {
        var arguments: [String]
        var status: Int32
        var fragments: [String]
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let mlp = TestPaths.fixture("keras/mlp.json")

    static let cases: [Case] = [
        Case(arguments: ["initt", "spec.json", "-o", "x.npz"], status: 64,
             fragments: ["unknown command \"initt\" (did you mean \"init\"?)", "the commands are init, plan"]),
        Case(arguments: ["inspekt", "f.npz"], status: 64, fragments: ["unknown command \"inspekt\" (did you mean \"inspect\"?)"]),
        Case(arguments: ["init", mlp, "-o", "x.npz", "--seed", "-1"], status: 64,
             fragments: ["--seed \"-1\" is not a whole number from 0 to 18446744073709551615", "(see 'ckpt init --help')"]),
        Case(arguments: ["init", mlp], status: 64, fragments: ["Missing expected argument '--output <output>'", "(see 'ckpt init --help')"]),
        Case(arguments: ["diff", "a.npz"], status: 64, fragments: ["(see 'ckpt diff --help')"]),
        Case(arguments: ["init", mlp, "--seeds", "1", "-o", "o/{dtype}.npz"], status: 1,
             fragments: ["{dtype} needs the dtype to write: add --dtype"]),
        Case(arguments: ["init", mlp, "--seeds", "1", "-o", "o/{format}"], status: 1,
             fragments: ["{format} needs the formats to write: add --format"]),
        Case(arguments: ["plan", mlp, "--rule", "*/kernel=zeroes"], status: 1,
             fragments: ["unknown initializer \"zeroes\"; did you mean \"zeros\""]),
    ]

    @Test("one line, the right exit code and a hint", arguments: cases)
    func mistake(_ c: Case) throws {
        let dir = try TemporaryDirectory()
        let result = try ProcessRunner.ckpt(c.arguments, currentDirectory: dir.url.path)
        #expect(result.status == c.status, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1 && lines[0].hasPrefix("ckpt: error: "), "\(result.stderr)")
        for fragment in c.fragments {
            #expect(result.stderr.contains(fragment), "\(result.stderr) lacks \(fragment)")
        }
        #expect(dir.contents().isEmpty, "\(dir.contents())")
    }

    @Test("an unknown job key suggests the close one, and the list of keys includes rules")
    func unknownJobKey() throws {
        let dir = try TemporaryDirectory()
        try #"{"jobs": [{"init": "m.json", "seed": 3, "output": "a.npz"}]}"#.write(toFile: dir.path("jobs.json"), atomically: true, encoding: .utf8)
        let result = try ProcessRunner.ckpt(["batch", "jobs.json"], currentDirectory: dir.url.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown key \"seed\" (did you mean \"seeds\"?); an init job has"), "\(result.stderr)")
        #expect(result.stderr.contains("rules"), "\(result.stderr)")
    }

    @Test("help and --version still print normally and exit 0", arguments: [["--help"], ["init", "--help"], ["--version"], []])
    func helpStillWorks(arguments: [String]) throws {
        let result = try ProcessRunner.ckpt(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.isEmpty)
    }

    @Test("convert of several inputs to a Keras format without --spec is refused before anything is written")
    func refusedUpFront() throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", Self.mlp, "-o", dir.path("a.keras"), "-q"]).status == 0)
        #expect(try ProcessRunner.ckpt(["init", Self.mlp, "-o", dir.path("b.npz"), "-q"]).status == 0)
        // a.keras carries its model, b.npz does not: nothing may be written for either.
        let result = try ProcessRunner.ckpt(["convert", "a.keras", "b.npz", "--to", "weights.h5", "-o", "out/", "--threads", "1"],
                                            currentDirectory: dir.url.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("b.npz carries none; add --spec"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("out")), "outputs were written before the refusal")
    }
}
