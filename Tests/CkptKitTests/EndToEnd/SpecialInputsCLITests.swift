import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Inputs that are not regular files (issue: `inspect`, `convert` and `diff` of a FIFO blocked
/// forever in `open`) and JSON that is not UTF-8 (issue: 0xFF became U+FFFD and exit 0).
@Suite("Special files and non-UTF-8 JSON as inputs")
struct SpecialInputsCLITests {
    /// Runs ckpt under `timeout 20`, so a hang is exit 124, not a stuck suite.
    static func run(_ arguments: [String], in dir: String) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/timeout", ["20", TestPaths.ckptBinary] + arguments, currentDirectory: dir)
    }

    static func commands(_ input: String) -> [[String]] {
        [["inspect", input], ["convert", input, "o.npz"], ["diff", input, input], ["plan", input],
         ["init", input, "-o", "o.npz"], ["batch", input], ["init", TestPaths.fixture("keras/mlp.json"), "-o", "o.npz", "--rules", input]]
    }

    @Test(arguments: ["fifo", "socket", "device", "folder"])
    func noInputBlocksOrIsReadAsAFile(kind: String) throws {
        let dir = try TemporaryDirectory()
        let input: String
        let expected: String
        switch kind {
        case "fifo":
            input = dir.path("input")
            #expect(mkfifo(input, 0o600) == 0)
            expected = "a FIFO"
        case "socket":
            input = dir.path("input")
            let made = try ProcessRunner.run("/usr/bin/python3", ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", input])
            #expect(made.status == 0, "\(made.stderr)")
            expected = "a socket"
        case "device":
            input = "/dev/null"
            expected = "a character device"
        default:
            input = dir.path("input")
            try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: false)
            expected = "folder"
        }
        for arguments in Self.commands(input) {
            let result = try Self.run(arguments, in: dir.path(""))
            let what = "\(kind): ckpt \(arguments[0])"
            #expect(result.status == (arguments[0] == "diff" ? 2 : 1), "\(what): exit \(result.status) (124 is a hang): \(result.stderr)")
            #expect(result.stderr.hasPrefix("ckpt: error: ") && result.stderr.split(separator: "\n").count == 1, "\(what): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(what): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path("o.npz")))
    }

    @Test func jsonThatIsNotUTF8IsRefusedNamingTheByte() throws {
        let dir = try TemporaryDirectory()
        let spec = Array(#"{"ckpt_spec":1,"name":"a"#.utf8) + [0xFF] + Array(#"b","input":[4],"layers":[{"Dense":{"units":2}}]}"#.utf8)
        try Data(spec).write(to: URL(fileURLWithPath: dir.path("bad.json")))
        try Data([0xFF, 0xFE, UInt8(ascii: "{"), 0, UInt8(ascii: "}"), 0]).write(to: URL(fileURLWithPath: dir.path("u16.json")))
        for arguments in [["plan", "bad.json"], ["init", "bad.json", "-o", "o.npz"], ["export-keras", "bad.json"]] {
            let result = try Self.run(arguments, in: dir.path(""))
            #expect(result.status == 1 && result.stderr.contains("byte 0xFF at offset 24 is not valid UTF-8"), "\(arguments): \(result.stderr)")
        }
        for arguments in [["plan", "u16.json"], ["batch", "u16.json"], ["init", "bad.json", "-o", "o.npz", "--rules", "u16.json"]] {
            let result = try Self.run(arguments, in: dir.path(""))
            #expect(result.status == 1 && result.stderr.contains("UTF-16 (little-endian) byte-order mark"), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("\u{FFFD}"))
        }
    }
}

@Suite("JSON text must be UTF-8")
struct JSONEncodingTests {
    @Test func invalidSequencesAreFoundAtTheirByte() {
        let cases: [([UInt8], Int?)] = [
            (Array("plain ascii".utf8), nil), (Array("é ü 𝄞 中".utf8), nil), ([0x61, 0xFF], 1), ([0xC0, 0x80], 0),
            ([0xE0, 0x80, 0x80], 1), ([0xED, 0xA0, 0x80], 1), ([0xF4, 0x90, 0x80, 0x80], 1), ([0x61, 0xE2, 0x82], 1),
            ([0xE2, 0x28, 0xA1], 1), ([0xF0, 0x9F, 0x98], 0), ([0x80], 0),
        ]
        for (bytes, expected) in cases {
            #expect(JSONParser.firstInvalidUTF8(bytes) == expected, "\(bytes)")
        }
    }

    @Test func byteOrderMarks() throws {
        for (bytes, name) in [([0xFF, 0xFE, 0x7B, 0, 0x7D, 0], "UTF-16 (little-endian)"), ([0xFE, 0xFF, 0, 0x7B, 0, 0x7D], "UTF-16 (big-endian)"),
                              ([0xFF, 0xFE, 0, 0, 0x7B, 0, 0, 0], "UTF-32 (little-endian)"), ([0, 0, 0xFE, 0xFF], "UTF-32 (big-endian)")] as [([UInt8], String)] {
            let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
            #expect("\(error)".contains(name), "\(error)")
        }
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .object(JSONObject()))
    }
}
