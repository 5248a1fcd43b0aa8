/// MaxPooling and AveragePooling 1D/2D on channels-last data. Average pooling with `same`
/// padding divides by the number of input elements in the window (padding not counted), as
/// TensorFlow and Keras do; max pooling sends the gradient to the first maximum.
struct PoolingOp: AnalysisOp {
    let rank: Int
    let poolSize: [Int], strides: [Int]
    let padding: String
    let isMax: Bool

    private func window(_ x: AnalysisTensor) throws(AnalysisError) -> Window2D {
        let k = rank == 1 ? [1] + poolSize : poolSize, s = rank == 1 ? [1] + strides : strides
        let sp = rank == 1 ? [1, x.shape[1]] : [x.shape[1], x.shape[2]]
        let pad = rank == 1 ? ["valid", padding] : [padding, padding]
        return Window2D(batch: x.shape[0], channels: x.shape[x.rank - 1],
                        rows: try WindowAxis(input: sp[0], kernel: k[0], stride: s[0], padding: pad[0]),
                        cols: try WindowAxis(input: sp[1], kernel: k[1], stride: s[1], padding: pad[1]))
    }

    /// For each output element, the input indices in its window.
    private func visit(_ w: Window2D, _ body: (_ out: Int, _ sources: [Int]) -> Void) {
        let c = w.channels
        var sources: [Int] = []
        for n in 0..<w.batch {
            for oy in 0..<w.rows.output {
                for ox in 0..<w.cols.output {
                    for ch in 0..<c {
                        sources.removeAll(keepingCapacity: true)
                        for ky in 0..<w.rows.kernel {
                            let iy = w.rows.source(oy, ky)
                            if iy < 0 || iy >= w.rows.input { continue }
                            for kx in 0..<w.cols.kernel {
                                let ix = w.cols.source(ox, kx)
                                if ix < 0 || ix >= w.cols.input { continue }
                                sources.append(((n * w.rows.input + iy) * w.cols.input + ix) * c + ch)
                            }
                        }
                        body(((n * w.rows.output + oy) * w.cols.output + ox) * c + ch, sources)
                    }
                }
            }
        }
    }

    private func shape(_ w: Window2D) -> [Int] {
        [w.batch] + (rank == 1 ? [w.cols.output] : [w.rows.output, w.cols.output]) + [w.channels]
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0], w = try window(x)
        var out = AnalysisTensor(zeros: shape(w))
        visit(w) { o, sources in
            if isMax {
                out.values[o] = sources.map { x.values[$0] }.max() ?? 0
            } else {
                let sum = sources.reduce(0.0) { $0 + Double(x.values[$1]) }
                out.values[o] = sources.isEmpty ? 0 : Float(sum / Double(sources.count))
            }
        }
        return out
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0], w = try window(x)
        var dx = AnalysisTensor(zeros: x.shape)
        visit(w) { o, sources in
            guard !sources.isEmpty else { return }
            if isMax {
                var best = sources[0]
                for s in sources where x.values[s] > x.values[best] { best = s }
                dx.values[best] += grad.values[o]
            } else {
                let share = grad.values[o] / Float(sources.count)
                for s in sources { dx.values[s] += share }
            }
        }
        return ([dx], [])
    }
}

/// GlobalAveragePooling and GlobalMaxPooling 1D/2D on channels-last data.
struct GlobalPoolingOp: AnalysisOp {
    let isMax: Bool
    let keepDims: Bool

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0]
        let n = x.shape[0], c = x.shape[x.rank - 1], plane = x.count / max(1, n * c)
        var out = [Float](repeating: 0, count: n * c)
        for b in 0..<n {
            for ch in 0..<c {
                if isMax {
                    var top = -Float.infinity
                    for p in 0..<plane { top = max(top, x.values[(b * plane + p) * c + ch]) }
                    out[b * c + ch] = top
                } else {
                    var sum = 0.0
                    for p in 0..<plane { sum += Double(x.values[(b * plane + p) * c + ch]) }
                    out[b * c + ch] = Float(sum / Double(plane))
                }
            }
        }
        let shape = keepDims ? [n] + Array(repeating: 1, count: x.rank - 2) + [c] : [n, c]
        return AnalysisTensor(shape: shape, values: out)
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0]
        let n = x.shape[0], c = x.shape[x.rank - 1], plane = x.count / max(1, n * c)
        var dx = AnalysisTensor(zeros: x.shape)
        for b in 0..<n {
            for ch in 0..<c {
                let g = grad.values[b * c + ch]
                if isMax {
                    var best = 0
                    for p in 0..<plane where x.values[(b * plane + p) * c + ch] > x.values[(b * plane + best) * c + ch] { best = p }
                    dx.values[(b * plane + best) * c + ch] += g
                } else {
                    for p in 0..<plane { dx.values[(b * plane + p) * c + ch] = g / Float(plane) }
                }
            }
        }
        return ([dx], [])
    }
}

/// UpSampling1D/2D, nearest neighbour, on channels-last data.
struct UpSamplingOp: AnalysisOp {
    /// The factor along each spatial axis.
    let size: [Int]

    private func mapping(_ x: AnalysisTensor) -> (shape: [Int], source: [Int]) {
        let spatial = Array(x.shape[1..<(x.rank - 1)])
        let outSpatial = zip(spatial, size).map { $0 * $1 }
        let n = x.shape[0], c = x.shape[x.rank - 1]
        let outPlane = outSpatial.reduce(1, *)
        var source = [Int](repeating: 0, count: n * outPlane * c)
        var index = [Int](repeating: 0, count: outSpatial.count)
        for p in 0..<outPlane {
            var inFlat = 0
            for a in 0..<outSpatial.count { inFlat = inFlat * spatial[a] + index[a] / size[a] }
            for b in 0..<n { for ch in 0..<c { source[(b * outPlane + p) * c + ch] = (b * spatial.reduce(1, *) + inFlat) * c + ch } }
            var a = outSpatial.count - 1
            while a >= 0 { index[a] += 1; if index[a] < outSpatial[a] { break }; index[a] = 0; a -= 1 }
        }
        return ([n] + outSpatial + [c], source)
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let (shape, source) = mapping(inputs[0])
        return AnalysisTensor(shape: shape, values: source.map { inputs[0].values[$0] })
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let (_, source) = mapping(inputs[0])
        var dx = AnalysisTensor(zeros: inputs[0].shape)
        for (o, s) in source.enumerated() { dx.values[s] += grad.values[o] }
        return ([dx], [])
    }
}
