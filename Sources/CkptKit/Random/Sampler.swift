import CkptKernels

/// A valid `Distribution` with its constants prepared, and the loops that fill buffers from a
/// `TensorStream`. This file and `NormalQuantile.swift` are the hot loops.
///
/// Words are generated into a small scratch buffer a chunk at a time, then transformed; both
/// loops are written element by element, branch-free, so that the optimiser vectorises them.
/// The mapping from words to values is in `docs/random-streams.md`. At a vector `KernelLevel`
/// the float32 transforms and Philox run in the `CkptKernels` C target instead, with the same bits.
struct Sampler: Sendable {
    private enum Plan: Sendable {
        case constant(Double)
        case uniform(Uniform)
        case normal(mean: Double, std: Double)
        case truncated(Truncation)
    }

    private struct Uniform: Sendable {
        var low: Double, high: Double
        /// (low + high)/2 and (high − low)/2, so that symmetric bounds give exactly symmetric values.
        var mid: Double, half: Double
    }

    private struct Truncation: Sendable {
        var mean: Double, std: Double, low: Double, high: Double
        /// Φ(α), Φ(−β) and Φ(β) − Φ(α) for the standardised bounds α, β.
        var lowerMass: Double, upperMass: Double, mass: Double
        /// Whether the float32 kernel keeps full precision (all probabilities are normal floats).
        var floatKernelIsExact: Bool { mass >= 0x1p-60 }
    }

    private let plan: Plan
    /// Which implementation of the loops runs (every level gives the same bits).
    let level: KernelLevel

    /// Prepares `distribution`, which must be valid (`Distribution.validate()`).
    init(_ distribution: Distribution, level: KernelLevel = .detected) {
        self.level = level
        switch distribution {
        case .constant(let value):
            plan = .constant(value)
        case .uniform(let low, let high):
            plan = low == high
                ? .constant(low)
                : .uniform(Uniform(low: low, high: high, mid: low / 2 + high / 2, half: high / 2 - low / 2))
        case .normal(let mean, let std):
            plan = .normal(mean: mean, std: std)
        case .truncatedNormal(let mean, let std, let low, let high):
            if std == 0 {
                plan = .constant(min(max(mean, low), high))
            } else {
                let alpha = (low - mean) / std, beta = (high - mean) / std
                plan = .truncated(Truncation(
                    mean: mean, std: std, low: low, high: high,
                    lowerMass: StandardNormal.cdf(alpha),
                    upperMass: StandardNormal.complementaryCDF(beta),
                    mass: StandardNormal.probability(from: alpha, to: beta)))
            }
        }
    }

    /// Elements processed per chunk: a chunk's words and scratch stay in L1.
    private static let chunk = 1024

    // MARK: float32

    /// Fills `out[0 ..< count]` with elements `first ..< first + count`; element i uses word i.
    func fill(_ out: UnsafeMutablePointer<Float>, count: Int, stream: TensorStream, first: UInt64) {
        switch plan {
        case .constant(let value):
            out.update(repeating: Float(value), count: count)
        case .uniform(let p):
            let (low, high) = Sampler.floatBounds(p.low, p.high)
            let mid = Float(p.mid), half = Float(p.half)
            if level != .portable {
                chunked(out, count: count, stream: stream, firstWord: first, wordsPerElement: 1) { words, dst, n in
                    ckpt_uniform_f32(level.code, words, dst, n, mid, half, low, high)
                }
                return
            }
            chunked(out, count: count, stream: stream, firstWord: first, wordsPerElement: 1) {
                words, dst, n in
                for i in 0..<n {
                    // v = 2u − 1 with u = (2j + 1)/2²⁴, j = the top 23 bits: exact, in (−1, 1).
                    let j = Int32(bitPattern: words[i] &>> 9) &- 0x40_0000
                    let v = Float(j) * 0x1p-22 + 0x1p-23
                    dst[i] = min(max(mid + half * v, low), high)
                }
            }
        case .normal(let meanD, let stdD):
            let mean = Float(meanD), std = Float(stdD)
            if level != .portable {
                chunked(out, count: count, stream: stream, firstWord: first, wordsPerElement: 1) { words, dst, n in
                    ckpt_normal_f32(level.code, words, dst, n, mean, std)
                }
                return
            }
            chunkedQuantiles(out, count: count, stream: stream, first: first) { words, q, r, n in
                for i in 0..<n {
                    // u = (w + ½)/2³²: q = u − ½ from the signed word, r = min(u, 1 − u) from
                    // w or ~w, each with one rounding.
                    let w = words[i]
                    let m = w ^ UInt32(bitPattern: Int32(bitPattern: w) &>> 31)
                    r[i] = (Float(Int32(bitPattern: m)) + 0.5) * 0x1p-32
                    q[i] = Float(Int32(bitPattern: w ^ 0x8000_0000)) * 0x1p-32 + 0x1p-33
                }
            } write: { z in
                mean + std * z
            }
        case .truncated(let p) where p.floatKernelIsExact:
            let (low, high) = Sampler.floatBounds(p.low, p.high)
            let mean = Float(p.mean), std = Float(p.std)
            let lowerMass = Float(p.lowerMass), upperMass = Float(p.upperMass), mass = Float(p.mass)
            if level != .portable {
                chunked(out, count: count, stream: stream, firstWord: first, wordsPerElement: 1) { words, dst, n in
                    ckpt_truncated_f32(level.code, words, dst, n, mean, std, lowerMass, upperMass, mass, low, high)
                }
                return
            }
            chunkedQuantiles(out, count: count, stream: stream, first: first) { words, q, r, n in
                for i in 0..<n {
                    let w = words[i]
                    let isUpper = Int32(bitPattern: w) < 0
                    let m = w ^ UInt32(bitPattern: Int32(bitPattern: w) &>> 31)
                    let small = (Float(Int32(bitPattern: m)) + 0.5) * 0x1p-32  // min(u, 1 − u)
                    let large = 1 - small
                    // p = Φ(α) + u·Δ and 1 − p = Φ(−β) + (1 − u)·Δ, each accurate in its own tail.
                    let lower = lowerMass + (isUpper ? large : small) * mass
                    let upper = upperMass + (isUpper ? small : large) * mass
                    q[i] = 0.5 * (lower - upper)
                    r[i] = min(lower, upper)
                }
            } write: { z in
                min(max(mean + std * z, low), high)
            }
        case .truncated(let p):
            // Probabilities below the float range: the same words and mapping, evaluated in float64.
            let (low, high) = Sampler.floatBounds(p.low, p.high)
            chunked(out, count: count, stream: stream, firstWord: first, wordsPerElement: 1) {
                words, dst, n in
                for i in 0..<n {
                    let w = words[i]
                    let m = w ^ UInt32(bitPattern: Int32(bitPattern: w) &>> 31)
                    let small = (Double(m) + 0.5) * 0x1p-32
                    let x = Sampler.truncatedDouble(p, isUpper: Int32(bitPattern: w) < 0, small: small)
                    dst[i] = min(max(Float(x), low), high)
                }
            }
        }
    }

    // MARK: float64

    /// Fills `out[0 ..< count]` with elements `first ..< first + count`; element i uses words
    /// 2i (low half) and 2i + 1 (high half) as one 64-bit word k.
    func fill(_ out: UnsafeMutablePointer<Double>, count: Int, stream: TensorStream, first: UInt64) {
        switch plan {
        case .constant(let value):
            out.update(repeating: value, count: count)
        case .uniform(let p):
            chunked(out, count: count, stream: stream, firstWord: 2 * first, wordsPerElement: 2) {
                words, dst, n in
                for i in 0..<n {
                    // v = 2u − 1 with u = (2j + 1)/2⁵³, j = the top 52 bits of k.
                    let k = UInt64(words[2 * i]) | UInt64(words[2 * i + 1]) << 32
                    let j = Int64(bitPattern: k &>> 12) &- 0x8_0000_0000_0000
                    let v = Double(j) * 0x1p-51 + 0x1p-52
                    dst[i] = min(max(p.mid + p.half * v, p.low), p.high)
                }
            }
        case .normal(let mean, let std):
            chunkedQuantiles(out, count: count, stream: stream, first: first) { words, q, r, n in
                for i in 0..<n {
                    // u = (k + ½)/2⁶⁴, q and r as in the float32 path.
                    let k = UInt64(words[2 * i]) | UInt64(words[2 * i + 1]) << 32
                    let m = k ^ UInt64(bitPattern: Int64(bitPattern: k) &>> 63)
                    r[i] = (Double(Int64(bitPattern: m)) + 0.5) * 0x1p-64
                    q[i] = Double(Int64(bitPattern: k ^ 0x8000_0000_0000_0000)) * 0x1p-64 + 0x1p-65
                }
            } write: { z in
                mean + std * z
            }
        case .truncated(let p):
            chunkedQuantiles(out, count: count, stream: stream, first: first) { words, q, r, n in
                for i in 0..<n {
                    let k = UInt64(words[2 * i]) | UInt64(words[2 * i + 1]) << 32
                    let m = k ^ UInt64(bitPattern: Int64(bitPattern: k) &>> 63)
                    let small = (Double(Int64(bitPattern: m)) + 0.5) * 0x1p-64
                    (q[i], r[i]) = Sampler.truncatedProbability(p, isUpper: Int64(bitPattern: k) < 0, small: small)
                }
            } write: { z in
                min(max(p.mean + p.std * z, p.low), p.high)
            }
        }
    }

    // MARK: Helpers

    /// q = p − ½ and r = min(p, 1 − p) for a truncated normal in float64, from
    /// `small` = min(u, 1 − u) and which half u is in: p = Φ(α) + u·Δ, 1 − p = Φ(−β) + (1 − u)·Δ.
    @inline(__always)
    private static func truncatedProbability(_ p: Truncation, isUpper: Bool, small: Double) -> (q: Double, r: Double) {
        let large = 1 - small
        let lower = p.lowerMass + (isUpper ? large : small) * p.mass
        let upper = p.upperMass + (isUpper ? small : large) * p.mass
        return (0.5 * (lower - upper), min(lower, upper))
    }

    /// One truncated-normal value in float64 (the float32 fallback for tiny truncation masses).
    @inline(__always)
    private static func truncatedDouble(_ p: Truncation, isUpper: Bool, small: Double) -> Double {
        let (q, r) = truncatedProbability(p, isUpper: isUpper, small: small)
        let z = NormalQuantile.double(q: q, r: r)
        return min(max(p.mean + p.std * z, p.low), p.high)
    }

    /// The float32 bounds that keep every value inside [low, high]: the smallest float ≥ low and
    /// the largest float ≤ high (nearest rounding if no float lies in between).
    static func floatBounds(_ low: Double, _ high: Double) -> (Float, Float) {
        var lowF = Float(low), highF = Float(high)
        if Double(lowF) < low { lowF = lowF.nextUp }
        if Double(highF) > high { highF = highF.nextDown }
        if lowF > highF { return (Float(low), Float(high)) }
        return (lowF, highF)
    }

    /// The float32 normal and truncated-normal loop: `prepare` turns a chunk's words into q and r
    /// (see `NormalQuantile`), then the central formula runs on every value and the tail formula
    /// only on the values with r < 0.075, gathered into a short list. Each pass is a simple loop
    /// that vectorises; computing the logarithm of the tails for every value would cost more
    /// than the gather.
    @inline(__always)
    private func chunkedQuantiles(
        _ out: UnsafeMutablePointer<Float>, count: Int, stream: TensorStream, first: UInt64,
        prepare: (UnsafePointer<UInt32>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
        write: (Float) -> Float
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * Sampler.chunk) { floats in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: Sampler.chunk + 1) { indices in
                guard let f = floats.baseAddress, let index = indices.baseAddress else { return }
                let chunk = Sampler.chunk
                let q = f, r = f + chunk, tailQ = f + 2 * chunk, tailR = f + 3 * chunk
                chunked(out, count: count, stream: stream, firstWord: first, wordsPerElement: 1) { words, dst, n in
                    prepare(words, q, r, n)
                    for i in 0..<n {
                        dst[i] = write(NormalQuantile.floatCentral(q: q[i]))
                    }
                    // Compaction of the tail positions (r < 0.075), branch-free: for positive
                    // floats the bit patterns order like the values, and the borrow of the
                    // subtraction is the comparison (a branch here mispredicts 15 % of the time).
                    let threshold = Float(0.075).bitPattern
                    var tails = 0
                    for i in 0..<n {
                        index[tails] = Int32(truncatingIfNeeded: i)
                        tails &+= Int((r[i].bitPattern &- threshold) &>> 31)
                    }
                    for j in 0..<tails {
                        let i = Int(index[j])
                        tailQ[j] = q[i]
                        tailR[j] = r[i]
                    }
                    for j in 0..<tails {
                        tailQ[j] = NormalQuantile.floatTail(q: tailQ[j], r: tailR[j])
                    }
                    for j in 0..<tails {
                        dst[Int(index[j])] = write(tailQ[j])
                    }
                }
            }
        }
    }

    /// The float64 version of the loop above (two words per element).
    @inline(__always)
    private func chunkedQuantiles(
        _ out: UnsafeMutablePointer<Double>, count: Int, stream: TensorStream, first: UInt64,
        prepare: (UnsafePointer<UInt32>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void,
        write: (Double) -> Double
    ) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * Sampler.chunk) { floats in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: Sampler.chunk + 1) { indices in
                guard let f = floats.baseAddress, let index = indices.baseAddress else { return }
                let chunk = Sampler.chunk
                let q = f, r = f + chunk, tailQ = f + 2 * chunk, tailR = f + 3 * chunk
                chunked(out, count: count, stream: stream, firstWord: 2 * first, wordsPerElement: 2) { words, dst, n in
                    prepare(words, q, r, n)
                    for i in 0..<n {
                        dst[i] = write(NormalQuantile.doubleCentral(q: q[i]))
                    }
                    let threshold = (0.075 as Double).bitPattern
                    var tails = 0
                    for i in 0..<n {
                        index[tails] = Int32(truncatingIfNeeded: i)
                        tails &+= Int(truncatingIfNeeded: (r[i].bitPattern &- threshold) &>> 63)
                    }
                    for j in 0..<tails {
                        let i = Int(index[j])
                        tailQ[j] = q[i]
                        tailR[j] = r[i]
                    }
                    for j in 0..<tails {
                        tailQ[j] = NormalQuantile.doubleTail(q: tailQ[j], r: tailR[j])
                    }
                    for j in 0..<tails {
                        dst[Int(index[j])] = write(tailQ[j])
                    }
                }
            }
        }
    }

    /// Runs `body(words, destination, n)` over chunks of the output, with the chunk's words.
    @inline(__always)
    private func chunked<T>(
        _ out: UnsafeMutablePointer<T>, count: Int, stream: TensorStream, firstWord: UInt64,
        wordsPerElement: Int, _ body: (UnsafePointer<UInt32>, UnsafeMutablePointer<T>, Int) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Sampler.chunk * wordsPerElement) { scratch in
            guard let words = scratch.baseAddress else { return }
            var done = 0
            while done < count {
                let n = min(Sampler.chunk, count - done)
                stream.fillWords(
                    words, count: n * wordsPerElement,
                    startingAt: firstWord + UInt64(done * wordsPerElement), level: level)
                body(UnsafePointer(words), out + done, n)
                done += n
            }
        }
    }
}
