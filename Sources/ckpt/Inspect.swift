import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show a checkpoint's format, metadata, recipe and tensors with their statistics."
        )

        @Argument(help: "The checkpoint to read.")
        var file: String

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @Flag(inversion: .prefixedNo, help: "Compute mean, std, min, max and NaN/Inf counts (reads every value).")
        var stats = true

        @OptionGroup var reading: ReadingOptions

        @OptionGroup var torchReading: TorchReadingOptions

        func run() throws {
            reading.apply()
            try reportingErrors {
                let report = try Checkpoints.inspect(path: file, statistics: stats, options: torchReading.options)
                print(json ? JSONWriter.string(report.json, style: .pretty) : InspectTable.render(report))
                if let problem = report.modelConfigError {
                    throw CheckpointError(path: file, "the model config it carries is unreadable: \(problem)")
                }
            }
        }
    }
}

enum InspectTable {
    static func render(_ report: InspectReport) -> String {
        var lines = ["\(report.path): \(report.format.rawValue), \(report.tensors.count) tensors, "
            + "\(report.tensors.reduce(0) { $0 + $1.info.elementCount }) parameters"]
        for (key, value) in report.metadata {
            let shown = value.count > 120 ? String(value.prefix(117)) + "…" : value
            lines.append("  \(key): \(shown)")
        }
        if report.modelConfig != nil { lines.append("  model config: present") }
        if let problem = report.modelConfigError { lines.append("  model config: UNREADABLE: \(problem)") }
        if let recipe = report.recipe, let parsed = try? JSONParser.parse(recipe) {
            let seed = parsed["seed"].map { JSONWriter.string($0, style: .compact) } ?? "?"
            let version = parsed["ckpt_version"]?.string ?? "?"
            lines.append("  recipe: ckpt \(version), seed \(seed), \(parsed["tensors"]?.object?.members.count ?? 0) tensors")
        }
        var rows = [["tensor", "dtype", "shape", "bytes", "mean", "std", "min", "max", "nan", "inf"]]
        for tensor in report.tensors {
            let shape = "(" + tensor.info.shape.map(String.init).joined(separator: ", ") + (tensor.info.shape.count == 1 ? ",)" : ")")
            var row = [tensor.info.name, tensor.info.dtype.rawValue, shape, String(tensor.info.byteCount)]
            if let s = tensor.statistics {
                row += [s.mean, s.standardDeviation, s.minimum, s.maximum].map { NumberText.short($0) }
                row += [String(s.nanCount), String(s.infinityCount)]
            } else {
                row += ["", "", "", "", "", ""]
            }
            rows.append(row)
        }
        var widths = rows[0].map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        for row in rows {
            lines.append(row.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        return lines.joined(separator: "\n")
    }
}
