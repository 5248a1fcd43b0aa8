/// The number of input and output units of a weight, as variance-scaling initializers use them.
public struct Fans: Sendable, Hashable {
    /// Input units (`fan_in`).
    public var fanIn: Double
    /// Output units (`fan_out`).
    public var fanOut: Double

    /// Fans given directly.
    public init(fanIn: Double, fanOut: Double) {
        self.fanIn = fanIn
        self.fanOut = fanOut
    }

    /// Keras 3 `compute_fans(shape)`: rank 0 → (1, 1); rank 1 → (n, n); rank 2 → (shape[0],
    /// shape[1]); rank ≥ 3, the convolution rule: rf = ∏shape[:-2], fan_in = shape[-2]·rf,
    /// fan_out = shape[-1]·rf.
    public static func keras(shape: [Int]) -> Fans {
        switch shape.count {
        case 0:
            return Fans(fanIn: 1, fanOut: 1)
        case 1:
            return Fans(fanIn: Double(shape[0]), fanOut: Double(shape[0]))
        case 2:
            return Fans(fanIn: Double(shape[0]), fanOut: Double(shape[1]))
        default:
            let receptiveField = shape.dropLast(2).reduce(1.0) { $0 * Double($1) }
            return Fans(
                fanIn: Double(shape[shape.count - 2]) * receptiveField,
                fanOut: Double(shape[shape.count - 1]) * receptiveField)
        }
    }

    /// Keras 3 `compute_fans(shape, input_axes, output_axes)` with both axis lists given:
    /// fan_in = ∏shape[input_axes], fan_out = ∏shape[output_axes]. Negative axes count from the
    /// end, as in Python.
    public static func keras(shape: [Int], inputAxes: [Int], outputAxes: [Int]) throws(InitializerError) -> Fans {
        func product(_ axes: [Int], _ parameter: String) throws(InitializerError) -> Double {
            var result = 1.0
            for axis in axes {
                let index = axis < 0 ? axis + shape.count : axis
                guard shape.indices.contains(index) else {
                    throw .invalidParameter(
                        initializer: "VarianceScaling", parameter: parameter, value: "\(axes)",
                        expected: "axes of a rank-\(shape.count) shape \(shape)")
                }
                result *= Double(shape[index])
            }
            return result
        }
        return Fans(fanIn: try product(inputAxes, "input_axes"), fanOut: try product(outputAxes, "output_axes"))
    }
}
