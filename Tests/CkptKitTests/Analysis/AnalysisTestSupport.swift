import Foundation
@testable import CkptKit
import CkptTestSupport

/// Compact specs and runs of the analysis pass for the tests.
enum AnalysisFixtures {
    /// An MLP: `depth` Dense layers of `width` units with `activation`, on an input of `inputs` features.
    static func mlp(depth: Int, width: Int, activation: String, inputs: Int? = nil) -> String {
        let layers = (1...depth).map { "{\"Dense\": {\"units\": \(width), \"activation\": \"\(activation)\"}, \"name\": \"d\($0)\"}" }
        return "{\"ckpt_spec\": 1, \"name\": \"mlp\", \"input\": [\(inputs ?? width)], \"layers\": [\(layers.joined(separator: ", "))]}"
    }

    /// Writes `spec` and analyzes it with `rules` (`GLOB=INITIALIZER`), in process.
    static func analyze(_ spec: String, rules: [String] = [], batch: Int = 16, seed: UInt64 = 1,
                        inputs: [String] = [], in dir: TemporaryDirectory) throws -> AnalysisReport {
        let path = dir.path("model-\(UUID().uuidString).json")
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        var options = PlanOptions()
        if !rules.isEmpty { options.rules = try RuleSet.load(file: nil, rules: rules) }
        var request = AnalysisRequest(specPath: path, planOptions: options)
        request.batch = batch
        request.seed = seed
        request.inputArguments = inputs
        return try Checkpoints.analyze(request)
    }

    /// Writes a little-endian float32 `.npy`.
    static func writeNPY(_ values: [Float], shape: [Int], to path: String) throws {
        let header = NPYHeader(dtype: .float32, shape: shape)
        var bytes = try header.encoded()
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
