/// BatchNormalization over one channel axis. With batch statistics (the default of `ckpt
/// analyze`, as in signal-propagation studies: Keras's `training=True`) it normalizes by the
/// batch's mean and biased variance; in inference mode by the moving statistics. Weights:
/// [gamma?, beta?, moving_mean, moving_variance]; the moving statistics get zero gradients.
struct BatchNormalizationOp: AnalysisOp {
    let axis: Int
    let epsilon: Double
    let scale: Bool, center: Bool
    let batchStatistics: Bool

    private func parts(_ weights: [AnalysisTensor]) -> (gamma: [Float]?, beta: [Float]?, mean: [Float], variance: [Float]) {
        var i = 0
        let gamma = scale ? weights[i].values : nil
        if scale { i += 1 }
        let beta = center ? weights[i].values : nil
        if center { i += 1 }
        return (gamma, beta, weights[i].values, weights[i + 1].values)
    }

    /// Per channel: mean and 1/√(var + ε) (batch or moving).
    private func statistics(_ x: AnalysisTensor, _ weights: [AnalysisTensor]) -> (mean: [Double], invStd: [Double]) {
        let (outer, size, inner) = AnalysisActivation.split(x.shape, axis: axis)
        let p = parts(weights)
        var mean = [Double](repeating: 0, count: size), invStd = [Double](repeating: 0, count: size)
        for c in 0..<size {
            if batchStatistics {
                var sum = 0.0
                for o in 0..<outer { for i in 0..<inner { sum += Double(x.values[(o * size + c) * inner + i]) } }
                let m = sum / Double(outer * inner)
                var squares = 0.0
                for o in 0..<outer { for i in 0..<inner { let d = Double(x.values[(o * size + c) * inner + i]) - m; squares += d * d } }
                mean[c] = m
                invStd[c] = 1 / (squares / Double(outer * inner) + epsilon).squareRoot()
            } else {
                mean[c] = Double(p.mean[c])
                invStd[c] = 1 / (Double(p.variance[c]) + epsilon).squareRoot()
            }
        }
        return (mean, invStd)
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0]
        let (outer, size, inner) = AnalysisActivation.split(x.shape, axis: axis)
        let p = parts(weights), (mean, invStd) = statistics(x, weights)
        var out = x
        for o in 0..<outer {
            for c in 0..<size {
                let g = Double(p.gamma?[c] ?? 1), b = Double(p.beta?[c] ?? 0)
                for i in 0..<inner {
                    let k = (o * size + c) * inner + i
                    out.values[k] = Float((Double(x.values[k]) - mean[c]) * invStd[c] * g + b)
                }
            }
        }
        return out
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0]
        let (outer, size, inner) = AnalysisActivation.split(x.shape, axis: axis)
        let p = parts(weights), (mean, invStd) = statistics(x, weights)
        let count = Double(outer * inner)
        var dx = x
        var dGamma = [Double](repeating: 0, count: size), dBeta = [Double](repeating: 0, count: size)
        for c in 0..<size {
            let gamma = Double(p.gamma?[c] ?? 1)
            var sumG = 0.0, sumGX = 0.0
            for o in 0..<outer {
                for i in 0..<inner {
                    let k = (o * size + c) * inner + i
                    let g = Double(grad.values[k]), xhat = (Double(x.values[k]) - mean[c]) * invStd[c]
                    sumG += g
                    sumGX += g * xhat
                }
            }
            dGamma[c] = sumGX
            dBeta[c] = sumG
            for o in 0..<outer {
                for i in 0..<inner {
                    let k = (o * size + c) * inner + i
                    let g = Double(grad.values[k])
                    if batchStatistics {
                        let xhat = (Double(x.values[k]) - mean[c]) * invStd[c]
                        dx.values[k] = Float(gamma * invStd[c] * (g - sumG / count - xhat * sumGX / count))
                    } else {
                        dx.values[k] = Float(g * gamma * invStd[c])
                    }
                }
            }
        }
        var weightGrads: [AnalysisTensor] = []
        if scale { weightGrads.append(AnalysisTensor(shape: [size], values: dGamma.map { Float($0) })) }
        if center { weightGrads.append(AnalysisTensor(shape: [size], values: dBeta.map { Float($0) })) }
        weightGrads.append(AnalysisTensor(zeros: [size]))
        weightGrads.append(AnalysisTensor(zeros: [size]))
        return ([dx], weightGrads)
    }
}

/// LayerNormalization over the trailing `axes` axes jointly (Keras's `axis` as a trailing run);
/// weights [gamma?, beta?] of those axes' shape.
struct LayerNormalizationOp: AnalysisOp {
    let trailingAxes: Int
    let epsilon: Double
    let scale: Bool, center: Bool

    private func rows(_ x: AnalysisTensor) -> (rows: Int, width: Int) {
        let width = x.shape.suffix(trailingAxes).reduce(1, *)
        return (x.count / max(1, width), width)
    }

    private func moments(_ x: AnalysisTensor, row: Int, width: Int) -> (mean: Double, invStd: Double) {
        var sum = 0.0
        for j in 0..<width { sum += Double(x.values[row * width + j]) }
        let mean = sum / Double(width)
        var squares = 0.0
        for j in 0..<width { let d = Double(x.values[row * width + j]) - mean; squares += d * d }
        return (mean, 1 / (squares / Double(width) + epsilon).squareRoot())
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0], (count, width) = rows(x)
        let gamma = scale ? weights[0].values : nil, beta = center ? weights[scale ? 1 : 0].values : nil
        var out = x
        for r in 0..<count {
            let (mean, invStd) = moments(x, row: r, width: width)
            for j in 0..<width {
                let k = r * width + j
                out.values[k] = Float((Double(x.values[k]) - mean) * invStd * Double(gamma?[j] ?? 1) + Double(beta?[j] ?? 0))
            }
        }
        return out
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0], (count, width) = rows(x)
        let gamma = scale ? weights[0].values : nil
        var dx = x
        var dGamma = [Double](repeating: 0, count: width), dBeta = [Double](repeating: 0, count: width)
        var dxhat = [Double](repeating: 0, count: width), xhat = [Double](repeating: 0, count: width)
        for r in 0..<count {
            let (mean, invStd) = moments(x, row: r, width: width)
            var sum = 0.0, sumX = 0.0
            for j in 0..<width {
                let k = r * width + j, g = Double(grad.values[k])
                xhat[j] = (Double(x.values[k]) - mean) * invStd
                dxhat[j] = g * Double(gamma?[j] ?? 1)
                dGamma[j] += g * xhat[j]
                dBeta[j] += g
                sum += dxhat[j]
                sumX += dxhat[j] * xhat[j]
            }
            let w = Double(width)
            for j in 0..<width { dx.values[r * width + j] = Float(invStd * (dxhat[j] - sum / w - xhat[j] * sumX / w)) }
        }
        let shape = Array(x.shape.suffix(trailingAxes))
        var weightGrads: [AnalysisTensor] = []
        if scale { weightGrads.append(AnalysisTensor(shape: shape, values: dGamma.map { Float($0) })) }
        if center { weightGrads.append(AnalysisTensor(shape: shape, values: dBeta.map { Float($0) })) }
        return ([dx], weightGrads)
    }
}

/// Keras's Normalization layer with its stored statistics: (x − mean) / max(√variance, 1e-7)
/// along one axis (`keras/src/layers/preprocessing/normalization.py`; 1e-7 is `backend.epsilon()`).
/// Weights [mean, variance], not trainable.
struct StandardizationOp: AnalysisOp {
    let axis: Int
    /// The mean and variance given in the config (then the layer has no variables to read).
    var constants: (mean: [Float], variance: [Float])? = nil

    private func scale(_ weights: [AnalysisTensor]) -> (mean: [Float], inverse: [Float]) {
        let (mean, variance) = constants ?? (weights[0].values, weights[1].values)
        return (mean, variance.map { 1 / max($0.squareRoot(), 1e-7) })
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0]
        let (outer, size, inner) = AnalysisActivation.split(x.shape, axis: axis)
        let (mean, inverse) = scale(weights)
        guard mean.count == size, inverse.count == size else { throw AnalysisError("the mean has \(mean.count) values for \(size) channels") }
        var out = x
        for o in 0..<outer { for c in 0..<size { for i in 0..<inner {
            let k = (o * size + c) * inner + i
            out.values[k] = (x.values[k] - mean[c]) * inverse[c]
        } } }
        return out
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let (outer, size, inner) = AnalysisActivation.split(grad.shape, axis: axis)
        let (_, inverse) = scale(weights)
        var dx = grad
        for o in 0..<outer { for c in 0..<size { for i in 0..<inner { dx.values[(o * size + c) * inner + i] *= inverse[c] } } }
        return ([dx], weights.map { AnalysisTensor(zeros: $0.shape) })
    }
}
