/// Brock et al.'s signal-propagation statistics of one tensor, in float64: the mean and variance
/// over every element, and the average over channels of each channel's squared mean and variance
/// (over batch and positions).
struct SignalStatistics: Sendable, Equatable {
    var mean: Double
    var variance: Double
    var averageChannelSquaredMean: Double
    var averageChannelVariance: Double
    var nonFiniteCount: Int

    /// `channelAxis` is the channel axis (the last for channels-last data).
    init(_ t: AnalysisTensor, channelAxis: Int) {
        var sum = 0.0, nonFinite = 0
        for v in t.values { if v.isFinite { sum += Double(v) } else { nonFinite += 1 } }
        let count = Double(max(1, t.count - nonFinite))
        mean = sum / count
        var squares = 0.0
        for v in t.values where v.isFinite { let d = Double(v) - mean; squares += d * d }
        variance = squares / count
        nonFiniteCount = nonFinite
        guard t.rank >= 2 else {
            averageChannelSquaredMean = mean * mean
            averageChannelVariance = variance
            return
        }
        let (outer, size, inner) = AnalysisActivation.split(t.shape, axis: channelAxis)
        var channelMeans = [Double](repeating: 0, count: size), channelSquares = [Double](repeating: 0, count: size)
        for o in 0..<outer { for c in 0..<size { for i in 0..<inner {
            channelMeans[c] += Double(t.values[(o * size + c) * inner + i])
        } } }
        let perChannel = Double(max(1, outer * inner))
        for c in 0..<size { channelMeans[c] /= perChannel }
        for o in 0..<outer { for c in 0..<size { for i in 0..<inner {
            let d = Double(t.values[(o * size + c) * inner + i]) - channelMeans[c]
            channelSquares[c] += d * d
        } } }
        averageChannelSquaredMean = channelMeans.reduce(0) { $0 + $1 * $1 } / Double(max(1, size))
        averageChannelVariance = channelSquares.reduce(0, +) / perChannel / Double(max(1, size))
    }

    /// The variance of `t`'s values (all elements, float64).
    static func variance(_ t: AnalysisTensor) -> Double {
        SignalStatistics(t, channelAxis: -1).variance
    }
}
