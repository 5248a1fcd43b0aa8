import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "analyze",
            abstract: "Measure signal propagation (forward and backward variance per layer) on a model's initial weights.",
            discussion: """
                Runs a forward and a backward pass on the CPU over the model graph and prints, per layer, the mean and \
                variance of its output, Brock et al.'s channel statistics, dead and saturated units, the variance of \
                dL/d(output) and of each weight's gradient, and the mean-field prediction (docs/analyze.md). Without \
                --weights it analyzes what ckpt init would write with the same options, generated in memory.
                """
        )

        @Argument(help: "The model architecture: a Keras model JSON (Keras 3 or 2) or a compact spec (docs/spec.md).")
        var spec: String

        @Option(help: "A checkpoint to analyze, in any format ckpt reads (default: the weights ckpt init would write).")
        var weights: String?

        @Option(parsing: .unconditional, help: "The seed of the generated weights, input and output gradient (default 0).", transform: parseSeed)
        var seed: UInt64?

        @Flag(help: "Use the initializers written in the model JSON, exactly as Keras would.")
        var respectConfig = false

        @OptionGroup var planning: PlanningOptions

        @Option(help: "The input batch: X.npy (a model with one input), NAME=X.npy (repeatable), or BATCH.npz (arrays named by input). Default: N(0, 1) from the seed; token ids uniform over the vocabulary.")
        var input: [String] = []

        @Option(help: "The batch of the generated input (default 16).")
        var batch: Int = 16

        @Option(help: "A .npy of dL/d(output) (default: N(0, 1) from the seed); the pass differentiates L = Σ(output ⊙ G).")
        var outputGrad: String?

        @Option(help: "BatchNormalization statistics: batch (default; as in signal-propagation studies) or inference (the moving mean and variance).")
        var bn: String = "batch"

        @Flag(help: "Print JSON instead of a table (schema in docs/analyze.md).")
        var json = false

        func validate() throws {
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1, not \(batch)") }
            guard bn == "batch" || bn == "inference" else { throw ValidationError("--bn must be batch or inference, not \"\(bn)\"") }
        }

        func run() throws {
            try reportingErrors {
                var request = AnalysisRequest(specPath: spec, planOptions: try planning.apply(to: PlanOptions(respectConfig: respectConfig)))
                request.weightsPath = weights
                request.seed = seed ?? 0
                request.inputArguments = input
                request.batch = batch
                request.outputGradPath = outputGrad
                request.batchNormInference = bn == "inference"
                let report = try Checkpoints.analyze(request)
                if json {
                    print(JSONWriter.string(report.json, style: .pretty))
                } else {
                    AnalysisTable.print(report)
                }
            }
        }
    }
}

/// The terminal table of `ckpt analyze`: one row per layer, with bars for the variances on a
/// log scale.
enum AnalysisTable {
    static let glyphs: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// An 8-level bar for `value` on a log scale between `low` and `high`.
    static func bar(_ value: Double?, low: Double, high: Double) -> String {
        guard let value, value > 0, value.isFinite else { return " " }
        guard high > low else { return String(glyphs[3]) }
        let t = (log10(value) - log10(low)) / (log10(high) - log10(low))
        return String(glyphs[max(0, min(glyphs.count - 1, Int((t * Double(glyphs.count - 1)).rounded())))])
    }

    static func print(_ report: AnalysisReport) {
        let inputs = report.inputs.map { "\($0.name) \(ShapeDescription.of($0.shape)) (\($0.source))" }.joined(separator: ", ")
        Swift.print("model \(report.model): weights \(report.weights); input \(inputs); BatchNormalization: \(report.batchNorm) statistics")
        func range(_ values: [Double]) -> (Double, Double) {
            let positive = values.filter { $0 > 0 && $0.isFinite }
            return (positive.min() ?? 1, positive.max() ?? 1)
        }
        let forward = range(report.layers.map(\.variance)), backward = range(report.layers.compactMap(\.gradVariance))
        let nameWidth = min(28, max(5, report.layers.map(\.name.count).max() ?? 5))
        let classWidth = min(22, max(5, report.layers.map(\.className.count).max() ?? 5))
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? String(s.prefix(n)) : s + String(repeating: " ", count: n - s.count) }
        func num(_ x: Double?) -> String { pad(x.map(NumberText.short) ?? "-", 10) }
        Swift.print(pad("layer", nameWidth) + "  " + pad("class", classWidth) + "  " + pad("output", 18) + "  "
                    + pad("mean", 10) + "  " + pad("var", 10) + " f  " + pad("pred var", 10) + "  " + pad("grad var", 10) + " b  dead/sat")
        for layer in report.layers {
            var flags = ""
            if let d = layer.deadFraction { flags += "dead \(Int((d * 100).rounded()))%" }
            if let s = layer.saturatedFraction { flags += "sat \(Int((s * 100).rounded()))%" }
            Swift.print(pad(layer.name, nameWidth) + "  " + pad(layer.className, classWidth) + "  " + pad(ShapeDescription.of(layer.outputShape), 18) + "  "
                        + num(layer.mean) + "  " + num(layer.variance) + " " + bar(layer.variance, low: forward.0, high: forward.1) + "  "
                        + num(layer.predictedVariance) + "  " + num(layer.gradVariance) + " " + bar(layer.gradVariance, low: backward.0, high: backward.1)
                        + "  " + flags)
        }
        if let product = report.predictedChiProduct { Swift.print("predicted χ product through the depth: \(NumberText.short(product))") }
        if report.warnings.isEmpty {
            Swift.print("no warnings")
        } else {
            for warning in report.warnings { Swift.print("warning [\(warning.kind)] \(warning.layer): \(warning.message)") }
        }
    }
}

/// Shapes for the table: `(16, 32, 32, 3)`.
enum ShapeDescription {
    static func of(_ shape: [Int]) -> String { "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")") }
}
