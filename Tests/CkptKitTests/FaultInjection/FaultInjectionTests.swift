import Foundation
import Testing
import CkptTestSupport

/// The fault campaign, as part of the tests: truncated files at every structural boundary of
/// each format, full disks (a small tmpfs when root, a file-size limit everywhere), a read-only
/// target, signals during init, convert and batch, kill -9 and a rerun, concurrent writers,
/// special files and huge shapes. Every case asserts its exit code, exactly one clear line on
/// stderr (`ckpt: error: …` or `ckpt: interrupted …`, no stack trace), nothing at the target and
/// no temporary left; the totals are printed:
/// `fault suite: N cases, N clean errors, 0 crashes, 0 hangs, 0 leftovers, 0 lost writes`.
@Suite("Fault injection", .serialized)
struct FaultInjectionTests {
    /// One case's outcome.
    enum Outcome: String { case clean, crash, hang, leftover, lostWrite, wrong }

    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [Outcome: Int] = [:]
        private(set) var problems: [String] = []
        func add(_ outcome: Outcome, _ what: String, _ detail: String = "") {
            lock.withLock {
                counts[outcome, default: 0] += 1
                if outcome != .clean { problems.append("\(outcome.rawValue): \(what): \(detail)") }
            }
        }
        var total: Int { lock.withLock { counts.values.reduce(0, +) } }
        func count(_ outcome: Outcome) -> Int { lock.withLock { counts[outcome, default: 0] } }
        var summary: String {
            "fault suite: \(total) cases, \(count(.clean)) clean errors, \(count(.crash)) crashes, \(count(.hang)) hangs, "
                + "\(count(.leftover)) leftovers, \(count(.lostWrite)) lost writes, \(count(.wrong)) other failures"
        }
    }

    static let ckpt = TestPaths.ckptBinary
    static let small = TestPaths.fixture("keras/mlp.json")

    /// Runs `script` with sh under a 60 s timeout (exit 124 is a hang); `$CKPT` is the binary.
    static func sh(_ script: String, in dir: String) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/timeout", ["-s", "KILL", "60", "/bin/sh", "-c", script],
                              environment: ["CKPT": ckpt, "SWIFT_BACKTRACE": "enable=no"], currentDirectory: dir)
    }

    /// Files in `dir` that are ckpt temporaries.
    static func temporaries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".ckpt-") }
    }

    /// Classifies a run that must fail with `status` and one line starting with `prefix`, leave
    /// nothing at `target` and no temporary in `dir`.
    static func judge(_ result: ProcessResult, _ what: String, status: Int32 = 1, prefix: String = "ckpt: error: ",
                      target: String?, dir: String, tally: Tally) {
        let lines = result.stderr.split(separator: "\n")
        if result.status == 124 || result.status == 137 && status != 137 {
            tally.add(.hang, what, "killed by the timeout")
        } else if result.stderr.contains("Program crashed") || result.stderr.contains("Fatal error")
                    || (result.status > 128 && result.status != status) {
            tally.add(.crash, what, "exit \(result.status): \(result.stderr.prefix(300))")
        } else if !temporaries(dir).isEmpty {
            tally.add(.leftover, what, temporaries(dir).joined(separator: ", "))
        } else if let target, FileManager.default.fileExists(atPath: target) {
            tally.add(.leftover, what, "\(target) exists")
        } else if result.status != status || lines.count != 1 || !lines[0].hasPrefix(prefix) {
            tally.add(.wrong, what, "exit \(result.status), stderr: \(result.stderr.prefix(300))")
        } else {
            tally.add(.clean, what)
        }
    }

    // MARK: - Cases

    /// Structural boundaries of a file: its ends, the zip records (local headers, central
    /// directory, end record), safetensors' header length and header, HDF5's superblock.
    static func boundaries(of bytes: [UInt8], format: String) -> [Int] {
        var cuts: Set<Int> = [0, 1, bytes.count / 4, bytes.count / 2, bytes.count - 1]
        switch format {
        case "npz", "keras":
            for signature: [UInt8] in [[0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x01, 0x02], [0x50, 0x4B, 0x05, 0x06]] {
                var i = 0
                while i + 4 <= bytes.count {
                    if Array(bytes[i..<i + 4]) == signature { cuts.formUnion([i, i + 4, i + 30]) }
                    i += 1
                }
            }
        case "safetensors":
            let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            cuts.formUnion([4, 8, 9, 8 + length / 2, 8 + length - 1, 8 + length, 8 + length + 1])
        default:
            cuts.formUnion([8, 16, 48, 96, 512, 2048, bytes.count * 3 / 4])
        }
        return cuts.filter { $0 >= 0 && $0 < bytes.count }.sorted()
    }

    static func truncations(_ tally: Tally) throws {
        let dir = try TemporaryDirectory()
        let spec = TestPaths.fixture("keras/cnn.json")
        for (name, extra) in [("m.npz", [String]()), ("z.npz", ["--compress"]), ("m.safetensors", []), ("m.weights.h5", []),
                              ("m.h5", []), ("w.h5", ["--weights-only"]), ("m.keras", [])] {
            let made = try ProcessRunner.ckpt(["init", spec, "-o", dir.path(name), "-q"] + extra)
            #expect(made.status == 0, "\(made.stderr)")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.path(name))))
            let format = String(name.split(separator: ".").last!)
            for cut in boundaries(of: bytes, format: format == "h5" ? "h5" : format) {
                let cutName = "cut\(cut)-" + name
                try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: dir.path(cutName)))
                for (command, target) in [("inspect", nil), ("convert", "out.npz")] as [(String, String?)] {
                    let script = command == "inspect" ? "\"$CKPT\" inspect \(cutName) >/dev/null" : "\"$CKPT\" convert \(cutName) out.npz -q"
                    let result = try sh(script, in: dir.path(""))
                    judge(result, "\(command) \(name) cut at \(cut) of \(bytes.count)", target: target.map { dir.path($0) },
                          dir: dir.path(""), tally: tally)
                }
                try FileManager.default.removeItem(atPath: dir.path(cutName))
            }
        }
    }

    static let formats = ["m.weights.h5", "m.h5", "w.h5", "m.keras", "m.npz", "m.safetensors"]

    static func fullDisk(_ tally: Tally) throws {
        let dir = try TemporaryDirectory()
        #expect(try ProcessRunner.ckpt(["init", small, "-o", dir.path("src.npz"), "-q"]).status == 0)
        // Everywhere: a file-size limit (the writes fail with EFBIG; SIGXFSZ is ignored).
        for name in formats {
            let extra = name == "w.h5" ? "--weights-only" : ""
            for (what, script) in [("init", "\"$CKPT\" init \(small) -o \(name) \(extra) -q"),
                                   ("convert", "\"$CKPT\" convert src.npz \(name) --spec \(small) \(extra) -q")] {
                let result = try sh("trap '' XFSZ; ulimit -f 100; exec \(script)", in: dir.path(""))
                judge(result, "\(what) \(name) over a 100-block file-size limit", target: dir.path(name), dir: dir.path(""), tally: tally)
            }
        }
        // As root: a real full file system, a 256 KiB tmpfs (the model is 940 KB).
        guard getuid() == 0 else {
            print("fault suite: full-disk cases on a tmpfs skipped: not root (mounting needs it); the file-size limit cases ran")
            return
        }
        let mount = dir.path("tmpfs")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: false)
        let mounted = try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mount])
        guard mounted.status == 0 else {
            print("fault suite: full-disk cases on a tmpfs skipped: mount failed (\(mounted.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))")
            return
        }
        defer { _ = try? ProcessRunner.run("/bin/umount", [mount]) }
        for name in formats {
            let extra = name == "w.h5" ? "--weights-only" : ""
            for (what, script) in [("init", "\"$CKPT\" init \(small) -o tmpfs/\(name) \(extra) -q"),
                                   ("convert", "\"$CKPT\" convert src.npz tmpfs/\(name) --spec \(small) \(extra) -q")] {
                let result = try sh(script, in: dir.path(""))
                judge(result, "\(what) \(name) on a full 256 KiB tmpfs", target: mount + "/" + name, dir: mount, tally: tally)
            }
        }
        let jobs = formats.map { #"{"init":"\#(small)","output":"tmpfs/b-\#($0)"\#($0 == "w.h5" ? #","weights_only":true"# : "")}"# }
        try #"{"jobs":[\#(jobs.joined(separator: ","))]}"#.write(toFile: dir.path("jobs.json"), atomically: true, encoding: .utf8)
        let batch = try sh("\"$CKPT\" batch jobs.json -q --threads 2", in: dir.path(""))
        let failures = batch.stderr.split(separator: "\n").filter { $0.hasPrefix("ckpt: error: ") }
        if batch.status == 1, failures.count == formats.count, temporaries(mount).isEmpty,
           !batch.stderr.contains("crashed"), (try? FileManager.default.contentsOfDirectory(atPath: mount))?.isEmpty == true {
            tally.add(.clean, "batch of every format on a full tmpfs")
        } else {
            tally.add(batch.status > 128 ? .crash : .wrong, "batch on a full tmpfs", "exit \(batch.status): \(batch.stderr.prefix(400))")
        }
    }

    static func readOnlyTarget(_ tally: Tally) throws {
        let dir = try TemporaryDirectory()
        let target = dir.path("ro")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        var unmount = false
        if getuid() == 0 {
            // Root ignores permissions: a read-only mount is the real thing.
            unmount = try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", target]).status == 0
        } else {
            chmod(target, 0o555)
        }
        defer { if unmount { _ = try? ProcessRunner.run("/bin/umount", [target]) } else { chmod(target, 0o755) } }
        for name in formats {
            let result = try sh("\"$CKPT\" init \(small) -o ro/\(name) -q", in: dir.path(""))
            judge(result, "init \(name) into a read-only folder", target: target + "/" + name, dir: target, tally: tally)
        }
    }

    /// A model that takes a few seconds to write on one thread (four 4096 × 16384 kernels, 1 GiB).
    static let slow = #"{"ckpt_spec":1,"input":[4096],"layers":[{"Dense":{"units":16384}},{"Dense":{"units":4096}},{"Dense":{"units":16384}},{"Dense":{"units":4096}}]}"#

    /// Shell that waits (up to 10 s) until a ckpt temporary exists in the current folder, so a
    /// signal lands mid-write however fast the machine is (a fixed sleep let fast writers finish
    /// first, and their finished output was then counted as a leftover).
    /// A named temporary shows in the folder; an unnamed one (`O_TMPFILE`) as a `(deleted)` file
    /// among the process's descriptors.
    static let untilWriting = #"i=0; while [ $i -lt 1000 ] && ! { ls -A | grep -q '\.ckpt-' || ls -l /proc/$p/fd 2>/dev/null | grep -q '(deleted)'; }; do sleep 0.01; i=$((i+1)); done"#

    static func signals(_ tally: Tally) throws {
        let dir = try TemporaryDirectory()
        try slow.write(toFile: dir.path("slow.json"), atomically: true, encoding: .utf8)
        #expect(try ProcessRunner.ckpt(["init", dir.path("slow.json"), "-o", dir.path("src.safetensors"), "-q"]).status == 0)
        try #"{"jobs":[{"init":"slow.json","output":"b1.npz"},{"init":"slow.json","output":"b2.safetensors"}]}"#
            .write(toFile: dir.path("jobs.json"), atomically: true, encoding: .utf8)
        for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] as [(String, Int32)] {
            for (what, command, target) in [
                ("init .safetensors", "\"$CKPT\" init slow.json -o out.safetensors --threads 1 -q", "out.safetensors"),
                ("init sharded", "\"$CKPT\" init slow.json -o sh.safetensors --max-shard-size 100MB --threads 1 -q", "sh.safetensors.index.json"),
                ("init .h5", "\"$CKPT\" init slow.json -o out.h5 --threads 1 -q", "out.h5"),
                ("convert to .npz", "\"$CKPT\" convert src.safetensors out.npz --compress -q", "out.npz"),
                ("batch", "\"$CKPT\" batch jobs.json -q --threads 1", "b1.npz"),
            ] {
                let script = "\(command) & p=$!; \(untilWriting); kill -\(signal) $p; wait $p"
                let result = try sh(script, in: dir.path(""))
                judge(result, "SIG\(signal) during \(what)", status: 128 + number, prefix: "ckpt: interrupted by SIG\(signal)",
                      target: dir.path(target), dir: dir.path(""), tally: tally)
                for leftover in ["b2.safetensors", "sh-00001-of-00011.safetensors"] { try? FileManager.default.removeItem(atPath: dir.path(leftover)) }
            }
        }
    }

    static func killAndRerun(_ tally: Tally) throws {
        let dir = try TemporaryDirectory()
        try slow.write(toFile: dir.path("slow.json"), atomically: true, encoding: .utf8)
        for name in ["k.npz", "k.h5", "k.safetensors"] {
            let killed = try sh("\"$CKPT\" init slow.json -o \(name) --threads 1 -q & p=$!; \(untilWriting); kill -KILL $p; wait $p", in: dir.path(""))
            let left = temporaries(dir.path(""))
            let rerun = try sh("\"$CKPT\" init \(small) -o small-\(name) -q", in: dir.path(""))
            if killed.status != 137 {
                tally.add(.wrong, "kill -9 during init \(name)", "exit \(killed.status) (finished before the kill?)")
            } else if rerun.status != 0 || !temporaries(dir.path("")).isEmpty || FileManager.default.fileExists(atPath: dir.path(name)) {
                tally.add(.leftover, "kill -9 during init \(name), then a rerun", "temporaries after the rerun: \(temporaries(dir.path(""))) (before: \(left))")
            } else {
                tally.add(.clean, "kill -9 during init \(name), then a rerun")
            }
        }
    }

    static func concurrentWriters(_ tally: Tally) throws {
        let dir = try TemporaryDirectory()
        for name in ["race.npz", "race.safetensors", "race.h5", "race.keras"] {
            for force in [false, true] {
                try? FileManager.default.removeItem(atPath: dir.path(name))
                let flag = force ? "--force" : ""
                let script = (1...4).map { "\"$CKPT\" init \(small) -o \(name) --seed \($0) \(flag) -q 2>err\($0) & p\($0)=$!" }.joined(separator: "; ")
                    + "; " + (1...4).map { "wait $p\($0); echo $?" }.joined(separator: "; ")
                let result = try sh(script, in: dir.path(""))
                let codes = result.stdout.split(separator: "\n").compactMap { Int32($0) }
                let inspect = try ProcessRunner.ckpt(["inspect", "--no-stats", dir.path(name)])
                let what = "4 writers of \(name)\(force ? " with --force" : "")"
                let winners = codes.filter { $0 == 0 }.count
                let errors = (1...4).compactMap { try? String(contentsOfFile: dir.path("err\($0)"), encoding: .utf8) }.filter { !$0.isEmpty }
                if codes.count != 4 || inspect.status != 0 {
                    tally.add(.lostWrite, what, "codes \(codes), target readable: \(inspect.status == 0): \(inspect.stderr)")
                } else if !temporaries(dir.path("")).isEmpty {
                    tally.add(.leftover, what, "\(temporaries(dir.path("")))")
                } else if force ? winners != 4 : (winners != 1 || errors.count != 3 || !errors.allSatisfy { $0.contains(name) && $0.contains("exists") }) {
                    tally.add(force ? .wrong : .lostWrite, what, "codes \(codes), errors \(errors)")
                } else {
                    tally.add(.clean, what)
                }
            }
        }
    }

    static func specialInputs(_ tally: Tally) throws {
        let dir = try TemporaryDirectory()
        #expect(mkfifo(dir.path("fifo"), 0o600) == 0)
        #expect(mkdir(dir.path("folder"), 0o755) == 0)
        // A Unix socket cannot be opened at all (ENXIO): the error must still name what it is.
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let socketPath = dir.path("sock")
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(socketPath.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0, "bind a Unix socket at \(socketPath)")
        defer { close(listener) }
        for special in ["fifo", "sock", "folder", "/dev/zero"] {
            for command in ["inspect \(special)", "convert \(special) o.npz", "diff \(special) \(special)", "plan \(special)",
                            "init \(special) -o o.npz", "batch \(special)", "init '\(Self.small)' -o o.npz --rules \(special)"] {
                judge(try sh("\"$CKPT\" \(command)", in: dir.path("")), "ckpt \(command)", status: command.hasPrefix("diff") ? 2 : 1,
                      target: dir.path("o.npz"), dir: dir.path(""), tally: tally)
            }
        }
        // Huge sizes, including the catalog's own products (gates × units, channels × depth_multiplier).
        let huge = [
            #"{"ckpt_spec":1,"input":[8],"layers":[{"Dense":{"units":4611686018427387904}}]}"#,
            #"{"ckpt_spec":1,"input":[4,8],"layers":[{"LSTM":{"units":4611686018427387904}}]}"#,
            #"{"ckpt_spec":1,"input":[4,8],"layers":[{"GRU":{"units":4611686018427387904}}]}"#,
            #"{"ckpt_spec":1,"input":[4,8,8,3],"layers":[{"ConvLSTM2D":{"filters":4611686018427387904,"kernel_size":3}}]}"#,
            #"{"ckpt_spec":1,"input":[16,16,3],"layers":[{"SeparableConv2D":{"filters":8,"kernel_size":3,"depth_multiplier":4611686018427387904}}]}"#,
        ]
        for (number, json) in huge.enumerated() {
            try json.write(toFile: dir.path("huge\(number).json"), atomically: true, encoding: .utf8)
            for command in ["plan huge\(number).json", "plan --json huge\(number).json", "init huge\(number).json -o o.npz"] {
                judge(try sh("\"$CKPT\" \(command)", in: dir.path("")), "ckpt \(command) (\(json))", target: dir.path("o.npz"), dir: dir.path(""), tally: tally)
            }
        }
    }

    @Test func campaign() throws {
        let tally = Tally()
        try Self.truncations(tally)
        try Self.fullDisk(tally)
        try Self.readOnlyTarget(tally)
        try Self.signals(tally)
        try Self.killAndRerun(tally)
        try Self.concurrentWriters(tally)
        try Self.specialInputs(tally)
        print(tally.summary)
        for problem in tally.problems { print("  " + problem) }
        #expect(tally.problems.isEmpty, "\(tally.summary)\n\(tally.problems.joined(separator: "\n"))")
        #expect(tally.total > 200, "the campaign ran only \(tally.total) cases")
    }
}
