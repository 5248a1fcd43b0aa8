import Foundation
import Testing
@testable import CkptKit
import CkptTestSupport

/// The mean-field prediction against the measured figures on wide MLPs (width 1024, batch 256).
@Suite("Mean-field prediction")
struct MeanFieldTests {
    /// Gauss–Hermite moments against closed forms: E[z²] = 1, E[relu(z)²] = 1/2, E[tanh'(0·z)²] = 1.
    @Test func quadratureMatchesClosedForms() {
        #expect(abs(MeanField.expectation(q: 1) { $0 * $0 } - 1) < 1e-12)
        #expect(abs(MeanField.expectation(q: 4) { $0 * $0 * $0 * $0 } - 48) < 1e-9)
        #expect(abs(MeanField.expectation(q: 1) { max($0, 0) * max($0, 0) } - 0.5) < 1e-3)
        let relu = MeanField.moments(.plainReLU, q: 2)
        #expect(relu.square == 1 && relu.derivativeSquare == 0.5)
        // The generic path for leaky ReLU with slope 0 agrees with ReLU's closed form.
        let leaky = MeanField.moments(.relu(negativeSlope: 0, maxValue: 1e30, threshold: 0), q: 2)
        #expect(abs(leaky.square - 1) < 1e-2 && abs(leaky.mean - (2 / (2 * Double.pi)).squareRoot()) < 1e-2, "\(leaky)")
    }

    static let activations = ["relu", "linear", "tanh", "sigmoid", "gelu", "silu", "selu", "elu", "softplus", "leaky_relu", "hard_sigmoid"]

    @Test(arguments: activations)
    func predictionWithinFivePercentOfMeasurement(activation: String) throws {
        let dir = try TemporaryDirectory()
        let report = try AnalysisFixtures.analyze(AnalysisFixtures.mlp(depth: 3, width: 1024, activation: activation), batch: 256, in: dir)
        for layer in report.layers where layer.className == "Dense" {
            let predicted = try #require(layer.predictedVariance, "\(layer.name)")
            #expect(abs(predicted - layer.variance) <= 0.05 * layer.variance,
                    "\(activation) \(layer.name): predicted \(predicted), measured \(layer.variance)")
            let chi = try #require(layer.predictedChi)
            #expect(chi > 0 && chi.isFinite)
        }
        #expect(report.predictedChiProduct != nil)
    }
}
