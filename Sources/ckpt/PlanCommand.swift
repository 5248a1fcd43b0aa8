import Foundation
import ArgumentParser
import CkptKit

extension Ckpt {
    struct PlanCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Show every tensor a checkpoint of the model would hold, with its initializer and why."
        )

        @Argument(help: "The model architecture: a Keras model JSON (model.to_json(), Keras 3 or 2), a compact spec (docs/spec.md) or a Hugging Face config.json (docs/huggingface.md).")
        var spec: String

        @Flag(help: "Print the plan as JSON (the schema is in docs/cli.md).")
        var json = false

        @Flag(help: "Use the initializers written in the model JSON, exactly as Keras would.")
        var respectConfig = false

        @OptionGroup var planning: PlanningOptions

        func run() throws {
            try reportingErrors {
                let options = try planning.apply(to: PlanOptions(respectConfig: respectConfig))
                let plan = try Checkpoints.plan(specPath: spec, options: options)
                for warning in plan.warnings { printError("ckpt: warning: \(warning)") }
                if json {
                    print(JSONWriter.string(plan.json(options: options), style: .pretty))
                } else {
                    print(PlanTable.render(plan))
                }
            }
        }
    }
}

/// The readable table of `ckpt plan`.
enum PlanTable {
    /// `(gain=1.5)`, or nothing when the initializer has no parameters.
    static func parameters(_ initializer: Initializer) -> String {
        let list = initializer.parameterList
        guard !list.isEmpty else { return "" }
        return "(" + list.map { "\($0.key)=\(JSONWriter.string($0.value, style: .compact))" }.joined(separator: ", ") + ")"
    }

    static func render(_ plan: Plan) -> String {
        let header = ["tensor", "shape", "params", "initializer", "std", "reason"]
        var rows: [[String]] = []
        for entry in plan.entries {
            let shape = "(" + entry.shape.map(String.init).joined(separator: ", ") + (entry.shape.count == 1 ? ",)" : ")")
            rows.append([
                entry.name, shape, String(entry.info.elementCount),
                entry.initializer.name + Self.parameters(entry.initializer) + " " + entry.fill.summary,
                entry.fill.expectedMoments(shape: entry.shape).map { NumberText.short($0.std) } ?? "-", entry.reason,
            ])
        }
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < row.count - 1 { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var lines = ["model \(plan.modelName)", line(header)]
        lines += rows.map(line)
        lines.append("total: \(plan.entries.count) tensors, \(plan.parameterCount) parameters, \(NumberText.bytes(plan.byteCount))")
        return lines.joined(separator: "\n")
    }
}
