/// Sample statistics for tests (accumulated in Double).
public struct SampleStatistics: Sendable {
    public var count = 0
    public var mean = 0.0
    private var m2 = 0.0
    public var minimum = Double.infinity
    public var maximum = -Double.infinity

    public init() {}

    /// Statistics of a sequence of values.
    public init<S: Sequence>(_ values: S) where S.Element: BinaryFloatingPoint {
        for value in values { add(Double(value)) }
    }

    /// Adds one value (Welford's update).
    public mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        m2 += delta * (x - mean)
        minimum = Swift.min(minimum, x)
        maximum = Swift.max(maximum, x)
    }

    /// Population standard deviation.
    public var standardDeviation: Double { count > 0 ? (m2 / Double(count)).squareRoot() : 0 }
}
