import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    /// `ckpt formats`: the format registry, as a table or JSON.
    struct FormatsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "formats",
            abstract: "List the checkpoint formats ckpt reads and writes.",
            discussion: """
                For each format: its name (the value of --format), the file endings that choose it, \
                how its tensors are keyed (by canonical name, Keras saving path or position, which \
                decides whether writing it needs the model), whether ckpt writes it and whether it \
                can be sharded.
                """
        )

        @Flag(help: "Print JSON Lines, one format per line.")
        var json = false

        func run() throws {
            if json {
                for descriptor in FormatRegistry.all {
                    let object = JSONObject([
                        ("format", .string(descriptor.format.rawValue)),
                        ("extensions", .array(descriptor.extensions.map { .string($0) })),
                        ("keyed_by", .string(descriptor.keying.rawValue)),
                        ("needs_model", .bool(descriptor.needsModel)),
                        ("writes", .bool(descriptor.isWritable)),
                        ("shards", .bool(descriptor.shards)),
                        ("summary", .string(descriptor.summary)),
                    ])
                    print(JSONWriter.string(.object(object), style: .compact))
                }
                return
            }
            let rows = FormatRegistry.all.map { descriptor in
                [descriptor.format.rawValue, descriptor.extensions.isEmpty ? "-" : descriptor.extensions.joined(separator: " "),
                 descriptor.keying.rawValue, descriptor.isWritable ? "yes" : "no", descriptor.shards ? "yes" : "no",
                 descriptor.summary]
            }
            let header = ["format", "extensions", "keyed by", "writes", "shards", "summary"]
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                let cells = row.indices.map { $0 == row.count - 1 ? row[$0] : row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                print(cells.joined(separator: "  "))
            }
        }
    }
}
