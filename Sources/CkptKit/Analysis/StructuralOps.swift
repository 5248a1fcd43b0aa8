/// The index of each output element's source in each input under NumPy broadcasting.
struct Broadcast {
    let shape: [Int]
    let sources: [[Int]]

    init(_ shapes: [[Int]]) throws(AnalysisError) {
        let rank = shapes.map(\.count).max() ?? 0
        let padded = shapes.map { Array(repeating: 1, count: rank - $0.count) + $0 }
        var shape = [Int](repeating: 1, count: rank)
        for s in padded {
            for a in 0..<rank where s[a] != 1 {
                guard shape[a] == 1 || shape[a] == s[a] else {
                    throw AnalysisError("the inputs' shapes \(shapes.map { ShapeText.describe($0) }.joined(separator: ", ")) do not broadcast")
                }
                shape[a] = s[a]
            }
        }
        self.shape = shape
        let total = shape.reduce(1, *)
        sources = padded.map { s in
            var strides = [Int](repeating: 0, count: rank)
            var step = 1
            for a in stride(from: rank - 1, through: 0, by: -1) { strides[a] = s[a] == 1 ? 0 : step; step *= s[a] }
            var result = [Int](repeating: 0, count: total)
            var index = [Int](repeating: 0, count: rank)
            for flat in 0..<total {
                var offset = 0
                for a in 0..<rank { offset += index[a] * strides[a] }
                result[flat] = offset
                var a = rank - 1
                while a >= 0 { index[a] += 1; if index[a] < shape[a] { break }; index[a] = 0; a -= 1 }
            }
            return result
        }
    }
}

/// Add, Subtract, Multiply, Average, Maximum, Minimum, with broadcasting.
struct MergeOp: AnalysisOp {
    enum Kind: Sendable { case add, subtract, multiply, average, maximum, minimum }
    let kind: Kind

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let b = try Broadcast(inputs.map(\.shape))
        var out = [Float](repeating: 0, count: b.shape.reduce(1, *))
        for o in out.indices {
            var v = inputs[0].values[b.sources[0][o]]
            for i in 1..<inputs.count {
                let w = inputs[i].values[b.sources[i][o]]
                switch kind {
                case .add, .average: v += w
                case .subtract: v -= w
                case .multiply: v *= w
                case .maximum: v = max(v, w)
                case .minimum: v = min(v, w)
                }
            }
            out[o] = kind == .average ? v / Float(inputs.count) : v
        }
        return AnalysisTensor(shape: b.shape, values: out)
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let b = try Broadcast(inputs.map(\.shape))
        var grads = inputs.map { AnalysisTensor(zeros: $0.shape) }
        for o in grad.values.indices {
            let g = grad.values[o]
            for i in inputs.indices {
                let s = b.sources[i][o]
                switch kind {
                case .add: grads[i].values[s] += g
                case .average: grads[i].values[s] += g / Float(inputs.count)
                case .subtract: grads[i].values[s] += i == 0 ? g : -g
                case .multiply:
                    var product: Float = 1
                    for j in inputs.indices where j != i { product *= inputs[j].values[b.sources[j][o]] }
                    grads[i].values[s] += g * product
                case .maximum, .minimum:
                    // To the first input that is the result.
                    if let first = inputs.indices.first(where: { inputs[$0].values[b.sources[$0][o]] == output.values[o] }), first == i {
                        grads[i].values[s] += g
                    }
                }
            }
        }
        return (grads.map { Optional($0) }, [])
    }
}

/// Concatenate along `axis` (negative from the end).
struct ConcatenateOp: AnalysisOp {
    let axis: Int

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let rank = inputs[0].rank, a = axis < 0 ? axis + rank : axis
        var shape = inputs[0].shape
        shape[a] = inputs.reduce(0) { $0 + $1.shape[a] }
        let outer = shape[..<a].reduce(1, *)
        var out: [Float] = []
        out.reserveCapacity(shape.reduce(1, *))
        for o in 0..<outer {
            for t in inputs {
                let block = t.shape[a...].reduce(1, *)
                out.append(contentsOf: t.values[(o * block)..<((o + 1) * block)])
            }
        }
        return AnalysisTensor(shape: shape, values: out)
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let rank = inputs[0].rank, a = axis < 0 ? axis + rank : axis
        let outer = output.shape[..<a].reduce(1, *), outBlock = output.shape[a...].reduce(1, *)
        var grads = inputs.map { AnalysisTensor(zeros: $0.shape) }
        for o in 0..<outer {
            var start = o * outBlock
            for (i, t) in inputs.enumerated() {
                let block = t.shape[a...].reduce(1, *)
                for j in 0..<block { grads[i].values[o * block + j] = grad.values[start + j] }
                start += block
            }
        }
        return (grads.map { Optional($0) }, [])
    }
}

/// Reshape and Flatten (the same values under another shape; Flatten of channels-first data
/// moves the channels last first, as Keras does), and Permute.
struct ReshapeOp: AnalysisOp {
    /// The shape after the batch axis (-1 at most once), nil to flatten.
    let target: [Int]?
    /// Permute's order of the non-batch axes (0-based), when this is a Permute.
    var permutation: [Int]? = nil
    /// Flatten of channels-first data.
    var channelsFirst = false

    private func order(_ rank: Int) -> [Int]? {
        if let permutation { return [0] + permutation.map { $0 + 1 } }
        if channelsFirst && rank > 2 { return [0] + Array(2..<rank) + [1] }
        return nil
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        var x = inputs[0]
        if let order = order(x.rank) { x = x.permuted(order) }
        if permutation != nil { return x }
        let n = x.shape[0], rest = x.count / max(1, n)
        guard var target else { return x.reshaped([n, rest]) }
        if let unknown = target.firstIndex(of: -1) {
            let known = target.filter { $0 != -1 }.reduce(1, *)
            target[unknown] = known == 0 ? 0 : rest / known
        }
        guard target.reduce(1, *) == rest else {
            throw AnalysisError("cannot reshape \(ShapeText.describe(Array(x.shape.dropFirst()))) to \(ShapeText.describe(target))")
        }
        return x.reshaped([n] + target)
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0]
        guard let order = order(x.rank) else { return ([grad.reshaped(x.shape)], []) }
        let permutedShape = order.map { x.shape[$0] }
        return ([grad.reshaped(permutedShape).permuted(AnalysisTensor.inverse(order))], [])
    }
}

/// ZeroPadding and Cropping 1D/2D/3D on channels-last data: (before, after) per spatial axis.
struct PadCropOp: AnalysisOp {
    let amounts: [(Int, Int)]
    let crop: Bool

    private func mapping(_ x: AnalysisTensor) throws(AnalysisError) -> (shape: [Int], source: [Int]) {
        let spatial = Array(x.shape[1..<(x.rank - 1)])
        guard spatial.count == amounts.count else { throw AnalysisError("expected \(amounts.count) spatial axes, the input has \(spatial.count)") }
        let outSpatial = zip(spatial, amounts).map { crop ? $0 - $1.0 - $1.1 : $0 + $1.0 + $1.1 }
        guard outSpatial.allSatisfy({ $0 > 0 }) else { throw AnalysisError("cropping leaves nothing of \(ShapeText.describe(x.shape))") }
        let n = x.shape[0], c = x.shape[x.rank - 1], outPlane = outSpatial.reduce(1, *), inPlane = spatial.reduce(1, *)
        var source = [Int](repeating: -1, count: n * outPlane * c)
        var index = [Int](repeating: 0, count: outSpatial.count)
        for p in 0..<outPlane {
            var inFlat = 0, inside = true
            for a in 0..<outSpatial.count {
                let i = crop ? index[a] + amounts[a].0 : index[a] - amounts[a].0
                if i < 0 || i >= spatial[a] { inside = false }
                inFlat = inFlat * spatial[a] + i
            }
            if inside { for b in 0..<n { for ch in 0..<c { source[(b * outPlane + p) * c + ch] = (b * inPlane + inFlat) * c + ch } } }
            var a = outSpatial.count - 1
            while a >= 0 { index[a] += 1; if index[a] < outSpatial[a] { break }; index[a] = 0; a -= 1 }
        }
        return ([n] + outSpatial + [c], source)
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let (shape, source) = try mapping(inputs[0])
        return AnalysisTensor(shape: shape, values: source.map { $0 < 0 ? 0 : inputs[0].values[$0] })
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let (_, source) = try mapping(inputs[0])
        var dx = AnalysisTensor(zeros: inputs[0].shape)
        for (o, s) in source.enumerated() where s >= 0 { dx.values[s] += grad.values[o] }
        return ([dx], [])
    }
}

/// Rescaling: x·scale + offset.
struct RescalingOp: AnalysisOp {
    let scale: Float, offset: Float

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        var out = inputs[0]
        for i in out.values.indices { out.values[i] = out.values[i] * scale + offset }
        return out
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        var dx = grad
        for i in dx.values.indices { dx.values[i] *= scale }
        return ([dx], [])
    }
}

/// Embedding: integer ids (held as floats) → rows of the table; no gradient to the ids.
struct EmbeddingOp: AnalysisOp {
    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let ids = inputs[0], table = weights[0]
        let vocabulary = table.shape[0], dim = table.shape[1]
        var out = [Float](repeating: 0, count: ids.count * dim)
        for (i, raw) in ids.values.enumerated() {
            let id = Int(raw)
            guard raw == raw.rounded(), id >= 0, id < vocabulary else {
                throw AnalysisError("token id \(raw) is outside the vocabulary of \(vocabulary)")
            }
            for j in 0..<dim { out[i * dim + j] = table.values[id * dim + j] }
        }
        return AnalysisTensor(shape: ids.shape + [dim], values: out)
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let ids = inputs[0], table = weights[0], dim = table.shape[1]
        var sums = [Double](repeating: 0, count: table.count)
        for (i, raw) in ids.values.enumerated() {
            let id = Int(raw)
            for j in 0..<dim { sums[id * dim + j] += Double(grad.values[i * dim + j]) }
        }
        return ([nil], [AnalysisTensor(shape: table.shape, values: sums.map { Float($0) })])
    }
}
