import ArgumentParser
import CkptKit
import Foundation

extension Ckpt {
    struct ExportKeras: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-keras",
            abstract: "Write the Keras 3 JSON (model.to_json()) of a compact spec or a Keras 2 model JSON.",
            discussion: """
                The output loads with keras.models.model_from_json, and a checkpoint ckpt makes from \
                SPEC loads into that model. Keras 3 JSON is printed as it is.
                """
        )

        @Argument(help: "The model architecture: a compact spec (docs/spec.md) or a Keras 2 / Keras 3 model JSON.")
        var spec: String

        @Option(name: [.short, .customLong("output")], help: "Write the JSON to this file instead of standard output.")
        var output: String?

        @Flag(help: "Indent the JSON (Keras itself writes one line).")
        var pretty = false

        func run() throws {
            try reportingErrors {
                var text = try Checkpoints.exportKeras(specPath: spec)
                if pretty, let parsed = try? JSONParser.parse(text) { text = JSONWriter.string(parsed, style: .pretty) }
                if let output {
                    do {
                        try (text + "\n").write(toFile: output, atomically: true, encoding: .utf8)
                    } catch {
                        throw ValidationError("cannot write \(output): \(error.localizedDescription)")
                    }
                } else {
                    print(text)
                }
            }
        }
    }
}
