import Foundation
import Testing
@testable import CkptKit

@Suite("Initializer formulas (Keras 3)")
struct InitializerFormulaTests {
    static let shapes: [[Int]] = [[64, 128], [3, 3, 16, 32], [10]]

    /// The Keras formula written out independently: n = max(1, fan), s = scale/n.
    static func expected(_ scale: Double, _ mode: Initializer.FanMode, _ family: Initializer.VarianceScalingDistribution,
                         fans: Fans) -> Distribution {
        let n: Double
        switch mode {
        case .fanIn: n = max(1, fans.fanIn)
        case .fanOut: n = max(1, fans.fanOut)
        case .fanAvg: n = max(1, (fans.fanIn + fans.fanOut) / 2)
        case .fanGeoAvg: n = max(1, (fans.fanIn * fans.fanOut).squareRoot())
        }
        let s = scale / n
        switch family {
        case .truncatedNormal:
            let sigma = s.squareRoot() / 0.87962566103423978
            return .truncatedNormal(mean: 0, std: sigma, low: -2 * sigma, high: 2 * sigma)
        case .untruncatedNormal:
            return .normal(mean: 0, std: s.squareRoot())
        case .uniform:
            let limit = (3 * s).squareRoot()
            return .uniform(low: -limit, high: limit)
        }
    }

    static let presets: [(Initializer, Double, Initializer.FanMode, Initializer.VarianceScalingDistribution)] = [
        (.glorotUniform, 1, .fanAvg, .uniform), (.glorotNormal, 1, .fanAvg, .truncatedNormal),
        (.heUniform, 2, .fanIn, .uniform), (.heNormal, 2, .fanIn, .truncatedNormal),
        (.lecunUniform, 1, .fanIn, .uniform), (.lecunNormal, 1, .fanIn, .truncatedNormal),
    ]

    @Test("presets equal the variance-scaling formulas", arguments: 0..<6, shapes)
    func presets(_ index: Int, _ shape: [Int]) throws {
        let (initializer, scale, mode, family) = Self.presets[index]
        let fans = Fans.keras(shape: shape)
        #expect(try initializer.distribution(fans: fans) == Self.expected(scale, mode, family, fans: fans))
        // The same as the equivalent VarianceScaling, bit for bit.
        let vs = Initializer(.varianceScaling(scale: scale, mode: mode, distribution: family))
        #expect(try initializer.distribution(fans: fans) == vs.distribution(fans: fans))
    }

    /// Values printed by Python with Keras's own expressions (math.sqrt(scale)/0.879…, math.sqrt(3*scale)).
    @Test("spot values from Python")
    func pythonValues() throws {
        func limit(_ i: Initializer, _ shape: [Int]) throws -> Double {
            guard case .uniform(_, let high) = try i.distribution(fans: .keras(shape: shape)) else { return .nan }
            return high
        }
        func sigma(_ i: Initializer, _ shape: [Int]) throws -> Double {
            guard case .truncatedNormal(_, let std, _, _) = try i.distribution(fans: .keras(shape: shape)) else { return .nan }
            return std
        }
        #expect(try limit(.glorotUniform, [64, 128]) == 0.1767766952966369)
        #expect(try sigma(.heNormal, [64, 128]) == 0.20096809714349134)
        #expect(try limit(.heUniform, [3, 3, 16, 32]) == 0.2041241452319315)
        #expect(try sigma(.glorotNormal, [3, 3, 16, 32]) == 0.0773526566562144)
        #expect(try sigma(.lecunNormal, [10]) == 0.35950266121730234)
        #expect(try limit(.lecunUniform, [10]) == 0.5477225575051662)
    }

    @Test("truncated presets have exactly the target std after truncation")
    func truncatedStd() throws {
        let d = try Initializer.heNormal.distribution(fans: Fans(fanIn: 50, fanOut: 1))
        #expect(abs(d.standardDeviation - (2.0 / 50).squareRoot()) < 1e-15)
        #expect(abs(d.mean) < 1e-18)
    }

    @Test("variance scaling: every mode and distribution, and n = max(1, fan)")
    func varianceScaling() throws {
        let fans = Fans(fanIn: 20, fanOut: 0.5)
        for mode in Initializer.FanMode.allCases {
            for family in Initializer.VarianceScalingDistribution.allCases {
                let i = Initializer(.varianceScaling(scale: 0.7, mode: mode, distribution: family))
                #expect(try i.distribution(fans: fans) == Self.expected(0.7, mode, family, fans: fans))
            }
        }
        let fanOut = Initializer(.varianceScaling(scale: 3, mode: .fanOut, distribution: .untruncatedNormal))
        #expect(try fanOut.distribution(fans: Fans(fanIn: 7, fanOut: 0)) == .normal(mean: 0, std: 3.0.squareRoot()))
    }

    @Test("basic initializers")
    func basic() throws {
        let fans = Fans(fanIn: 3, fanOut: 4)
        #expect(try Initializer.zeros.distribution(fans: fans) == .constant(0))
        #expect(try Initializer.ones.distribution(fans: fans) == .constant(1))
        #expect(try Initializer(.constant(value: 0.3)).distribution(fans: fans) == .constant(0.3))
        #expect(try Initializer(.randomUniform(minval: -0.05, maxval: 0.05)).distribution(fans: fans)
            == .uniform(low: -0.05, high: 0.05))
        #expect(try Initializer(.randomNormal(mean: 1, stddev: 0.05)).distribution(fans: fans) == .normal(mean: 1, std: 0.05))
        // TruncatedNormal: cut at mean ± 2·stddev, no correction.
        #expect(try Initializer(.truncatedNormal(mean: 1, stddev: 0.05)).distribution(fans: fans)
            == .truncatedNormal(mean: 1, std: 0.05, low: 1 - 2 * 0.05, high: 1 + 2 * 0.05))
        let tn = try Initializer(.truncatedNormal(mean: 0, stddev: 0.05)).distribution(fans: fans)
        #expect(abs(tn.standardDeviation - 0.05 * 0.8796256610342398) < 1e-15)
    }

    @Test("orthogonal and identity parse but are not supported yet")
    func notSupported() {
        for kind in [Initializer.Kind.orthogonal(gain: 1), .identity(gain: 2)] {
            do {
                _ = try Initializer(kind).distribution(fans: Fans(fanIn: 2, fanOut: 2))
                Issue.record("expected notSupportedYet")
            } catch {
                guard case .notSupportedYet = error else { Issue.record("\(error)"); continue }
                #expect(error.description.contains("not supported yet"))
            }
        }
    }

    @Test("parameters out of range name the parameter")
    func invalid() {
        let cases: [(Initializer, String)] = [
            (Initializer(.randomNormal(mean: 0, stddev: -1)), "stddev"),
            (Initializer(.truncatedNormal(mean: .nan, stddev: 1)), "mean"),
            (Initializer(.randomUniform(minval: 1, maxval: 0)), "minval"),
            (Initializer(.varianceScaling(scale: 0, mode: .fanIn, distribution: .uniform)), "scale"),
            (Initializer(.constant(value: .infinity)), "value"),
        ]
        for (initializer, parameter) in cases {
            do {
                _ = try initializer.distribution(fans: Fans(fanIn: 1, fanOut: 1))
                Issue.record("expected an error for \(initializer)")
            } catch {
                #expect(error.description.contains("\"\(parameter)\""), "\(error)")
                #expect(error.description.contains(initializer.name), "\(error)")
            }
        }
        #expect(throws: InitializerError.self) {
            try Initializer.heNormal.distribution(fans: Fans(fanIn: -1, fanOut: 2))
        }
    }

    @Test("names, class names, parameters and descriptions")
    func display() {
        #expect(Initializer.heNormal.name == "he_normal")
        #expect(Initializer.heNormal.kerasClassName == "HeNormal")
        #expect(Initializer.heNormal.description == "he_normal")
        #expect(Initializer(.heNormal, seed: 3).description == "he_normal(seed=3)")
        #expect(Initializer(.randomNormal(mean: 0, stddev: 0.05)).description == "random_normal(mean=0.0, stddev=0.05)")
        let vs = Initializer(.varianceScaling(scale: 2, mode: .fanOut, distribution: .untruncatedNormal))
        #expect(vs.description == "variance_scaling(scale=2.0, mode=fan_out, distribution=untruncated_normal)")
        #expect(Initializer.glorotUniform.parameters.map(\.name) == ["scale", "mode", "distribution"])
        #expect(Initializer.glorotUniform.parameters.last?.value == .string("uniform"))
        let json = Initializer(.randomNormal(mean: 0, stddev: 0.05), seed: 4).parameterList
        #expect(json.map(\.key) == ["mean", "stddev", "seed"])
        #expect(json[1].value.double == 0.05 && json[2].value.int == 4)
    }
}
