/// What `ckpt inspect` reports about a checkpoint file.
public struct InspectReport: Sendable {
    /// The file and its format.
    public var path: String
    public var format: CheckpointFormat
    /// Format-level metadata (attributes, `__metadata__` entries, archive members).
    public var metadata: [(key: String, value: String)]
    /// The model JSON the file carries, if any.
    public var modelConfig: String?
    /// Why the model config the file carries is unreadable, when it is broken.
    public var modelConfigError: String? = nil
    /// The recipe ckpt embedded, if any.
    public var recipe: String?
    /// One summary per tensor, in file order.
    public var tensors: [TensorSummary]
}

/// One tensor's description and (optionally) its statistics.
public struct TensorSummary: Sendable {
    /// Name, shape and dtype as the file has them.
    public var info: TensorInfo
    /// Where it is in the file.
    public var location: String
    /// Statistics over every element, when computed.
    public var statistics: TensorStatistics?
}

/// Summary statistics of a tensor, accumulated in float64 over finite values.
public struct TensorStatistics: Sendable {
    /// Number of elements.
    public var count = 0
    /// Mean and population standard deviation of the finite values (NaN when there are none).
    public var mean = Double.nan
    public var standardDeviation = Double.nan
    /// Smallest and largest finite values (NaN when there are none).
    public var minimum = Double.nan
    public var maximum = Double.nan
    /// Counts of NaN and ±Inf values.
    public var nanCount = 0
    public var infinityCount = 0

    /// An accumulator (Chan et al.'s parallel Welford update per piece).
    struct Accumulator {
        var count = 0
        var finite = 0
        var mean = 0.0
        var m2 = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var nans = 0
        var infinities = 0

        mutating func add(_ bytes: UnsafeRawBufferPointer, dtype: DType) {
            let n = bytes.count / dtype.byteSize
            count += n
            var pieceCount = 0
            var pieceSum = 0.0
            var values = [Double]()
            values.reserveCapacity(n)
            for i in 0..<n {
                let value = ElementConversion.double(at: i, of: bytes, dtype: dtype)
                if value.isNaN { nans += 1; continue }
                if value.isInfinite { infinities += 1; continue }
                values.append(value)
                pieceSum += value
                pieceCount += 1
                if value < minimum { minimum = value }
                if value > maximum { maximum = value }
            }
            guard pieceCount > 0 else { return }
            let pieceMean = pieceSum / Double(pieceCount)
            var pieceM2 = 0.0
            for value in values {
                let d = value - pieceMean
                pieceM2 += d * d
            }
            let total = finite + pieceCount
            let delta = pieceMean - mean
            mean += delta * Double(pieceCount) / Double(total)
            m2 += pieceM2 + delta * delta * Double(finite) * Double(pieceCount) / Double(total)
            finite = total
        }

        var statistics: TensorStatistics {
            var result = TensorStatistics()
            result.count = count
            result.nanCount = nans
            result.infinityCount = infinities
            if finite > 0 {
                result.mean = mean
                result.standardDeviation = (m2 / Double(finite)).squareRoot()
                result.minimum = minimum
                result.maximum = maximum
            }
            return result
        }
    }
}

extension Checkpoints {
    /// Describes a checkpoint file: format, metadata, recipe and every tensor (with statistics
    /// unless `statistics` is false). Reads one piece at a time; `options` as for every reader.
    public static func inspect(path: String, statistics: Bool = true, options: ReadOptions = ReadOptions()) throws -> InspectReport {
        let reader = try CheckpointReaders.open(path: path, options: options)
        var summaries: [TensorSummary] = []
        for tensor in reader.tensors {
            var summary = TensorSummary(info: tensor.info, location: tensor.location, statistics: nil)
            if statistics {
                var accumulator = TensorStatistics.Accumulator()
                try reader.read(tensor, maximumPieceBytes: 4 << 20) { accumulator.add($0, dtype: tensor.info.dtype) }
                summary.statistics = accumulator.statistics
            }
            summaries.append(summary)
        }
        if statistics { try reader.verify() }
        var report = InspectReport(path: path, format: reader.format, metadata: reader.metadata,
                                   modelConfig: reader.modelConfig, recipe: reader.recipe, tensors: summaries)
        report.modelConfigError = reader.modelConfigError
        return report
    }
}
