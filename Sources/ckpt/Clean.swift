import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clean",
            abstract: "Remove the temporary files that killed ckpt processes left in folders.",
            discussion: """
                A ckpt killed with SIGKILL (or by a crash or power loss) cannot remove its temporary file \
                (.NAME.ckpt-HOST-PID-RANDOM.tmp). The next ckpt that writes into the folder removes those \
                of this host whose process is gone; this does it by hand and prints each path removed. \
                Temporaries of live processes and of other hosts (a shared network folder) are kept and listed.
                """
        )

        @Argument(help: "The folders to clean (default: the current folder).")
        var folders: [String] = []

        func run() throws {
            try reportingErrors {
                for folder in folders.isEmpty ? ["."] : folders {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                        throw UsageError("\(folder): not a folder")
                    }
                    for path in AtomicOutput.reclaimStale(in: folder) { print("removed \(path)") }
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                    for name in names.sorted() {
                        guard let owner = TemporaryName.owner(of: name) else { continue }
                        let whose = owner.host == TemporaryName.host ? "process \(owner.pid) is running" : "made on host \(owner.host)"
                        print("kept \(folder == "." ? name : folder + "/" + name) (\(whose))")
                    }
                }
            }
        }
    }
}
