import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Compare two checkpoints tensor by tensor, across formats.",
            discussion: """
                Exit status, as diff and cmp: 0 when every tensor is present in both and equal within --atol/--rtol, \
                1 when the files differ, 2 on trouble (a file cannot be read, a bad --spec); 64 for a command line the \
                parser refuses.
                """
        )

        @Argument(help: "The first checkpoint.")
        var a: String

        @Argument(help: "The second checkpoint.")
        var b: String

        @Option(help: "A Keras model JSON to name the tensors of .weights.h5/.h5 files when they carry no model.")
        var spec: String?

        @Option(help: "Absolute tolerance: |a − b| ≤ atol + rtol·|b| (default 0).")
        var atol: Double = 0

        @Option(help: "Relative tolerance (default 0: values must be equal).")
        var rtol: Double = 0

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @Flag(name: .shortAndLong, help: "Print only the summary line.")
        var quiet = false

        @OptionGroup var reading: ReadingOptions

        @OptionGroup var torchReading: TorchReadingOptions

        func validate() throws {
            guard atol >= 0, rtol >= 0, atol.isFinite, rtol.isFinite else {
                throw ValidationError("--atol and --rtol must be finite and non-negative")
            }
        }

        func run() throws {
            reading.apply()
            var equal = false
            try reportingErrors(exitCode: 2) {
                var request = DiffRequest(pathA: a, pathB: b, specPath: spec, absoluteTolerance: atol, relativeTolerance: rtol)
                request.readOptions = torchReading.options
                let report = try Checkpoints.diff(request)
                equal = report.isEqual
                if json {
                    print(JSONWriter.string(report.json, style: .pretty))
                    return
                }
                if !quiet {
                    for tensor in report.tensors where tensor.status != .equal {
                        var line = "\(tensor.status.rawValue)  \(tensor.name)"
                        if tensor.status == .different || tensor.status == .close {
                            line += "  max abs \(NumberText.short(tensor.maxAbsolute)), max rel \(NumberText.short(tensor.maxRelative)), \(tensor.mismatchedElements) elements outside tolerance"
                        }
                        if tensor.status == .shapeDiffers, let x = tensor.a, let y = tensor.b {
                            line += "  \(x.shape) vs \(y.shape)"
                        }
                        print(line)
                    }
                }
                let counts = Dictionary(grouping: report.tensors, by: \.status).mapValues(\.count)
                let summary = TensorDifference.Status.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
                print((equal ? "same: " : "differ: ") + summary.joined(separator: ", "))
            }
            if !equal { throw ExitCode(1) }
        }
    }
}

extension TensorDifference.Status: CaseIterable {
    public static let allCases: [TensorDifference.Status] = [.equal, .close, .different, .shapeDiffers, .onlyInA, .onlyInB]
}
