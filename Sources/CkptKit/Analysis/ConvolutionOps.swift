/// How a window slides along one spatial axis: TensorFlow's rules, which Keras follows
/// (`same`: out = ⌈in/stride⌉, the padding split with the smaller half before; `valid`: no
/// padding; `causal`: all padding before).
struct WindowAxis: Sendable, Equatable {
    var input: Int, kernel: Int, stride: Int, dilation: Int
    var padBefore: Int, output: Int

    init(input: Int, kernel: Int, stride: Int, dilation: Int = 1, padding: String) throws(AnalysisError) {
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        let span = (kernel - 1) * dilation + 1
        switch padding {
        case "valid":
            padBefore = 0
            output = input >= span ? (input - span) / stride + 1 : 0
        case "same":
            output = (input + stride - 1) / stride
            padBefore = max((output - 1) * stride + span - input, 0) / 2
        case "causal":
            // All the padding before: out = ⌈in/stride⌉.
            padBefore = span - 1
            output = (input - 1) / stride + 1
        default:
            throw AnalysisError("padding \"\(padding)\" is not valid, same or causal")
        }
    }

    /// The input position of output `o`, kernel tap `k` (may be outside the input: padding).
    @inline(__always) func source(_ o: Int, _ k: Int) -> Int { o * stride - padBefore + k * dilation }
}

/// A 2-D sliding window over NHWC data (1-D data is H = 1).
struct Window2D: Sendable {
    var batch: Int, channels: Int
    var rows: WindowAxis, cols: WindowAxis

    var inputPlane: Int { rows.input * cols.input }
    var outputPlane: Int { rows.output * cols.output }
    var taps: Int { rows.kernel * cols.kernel }

    /// Every tap of every window that falls inside the input, in order: output position
    /// (n, oy, ox), then ky, then kx. `body` gets the flat output position
    /// ((n·oh + oy)·ow + ox), the flat input position ((n·ih + iy)·iw + ix) and the tap
    /// (ky·kw + kx); taps in the padding are skipped.
    func forEachTap(_ body: (_ output: Int, _ input: Int, _ tap: Int) -> Void) {
        for n in 0..<batch {
            for oy in 0..<rows.output {
                for ox in 0..<cols.output {
                    let output = (n * rows.output + oy) * cols.output + ox
                    for ky in 0..<rows.kernel {
                        let iy = rows.source(oy, ky)
                        if iy < 0 || iy >= rows.input { continue }
                        for kx in 0..<cols.kernel {
                            let ix = cols.source(ox, kx)
                            if ix < 0 || ix >= cols.input { continue }
                            body(output, (n * rows.input + iy) * cols.input + ix, ky * cols.kernel + kx)
                        }
                    }
                }
            }
        }
    }

    /// im2col of sample `n`: row (oy·ow + ox), column (ky·kw + kx)·C + c.
    func im2col(_ x: UnsafePointer<Float>, sample n: Int, into col: UnsafeMutablePointer<Float>) {
        let c = channels, width = taps * c
        let base = x + n * inputPlane * c
        for oy in 0..<rows.output {
            for ox in 0..<cols.output {
                let row = col + (oy * cols.output + ox) * width
                for ky in 0..<rows.kernel {
                    let iy = rows.source(oy, ky)
                    for kx in 0..<cols.kernel {
                        let ix = cols.source(ox, kx)
                        let dst = row + (ky * cols.kernel + kx) * c
                        if iy < 0 || iy >= rows.input || ix < 0 || ix >= cols.input {
                            dst.update(repeating: 0, count: c)
                        } else {
                            dst.update(from: base + (iy * cols.input + ix) * c, count: c)
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of ``im2col``: adds `col` into sample `n` of `dx`.
    func col2im(_ col: UnsafePointer<Float>, sample n: Int, into dx: UnsafeMutablePointer<Float>) {
        let c = channels, width = taps * c
        let base = dx + n * inputPlane * c
        for oy in 0..<rows.output {
            for ox in 0..<cols.output {
                let row = col + (oy * cols.output + ox) * width
                for ky in 0..<rows.kernel {
                    let iy = rows.source(oy, ky)
                    if iy < 0 || iy >= rows.input { continue }
                    for kx in 0..<cols.kernel {
                        let ix = cols.source(ox, kx)
                        if ix < 0 || ix >= cols.input { continue }
                        let src = row + (ky * cols.kernel + kx) * c
                        let dst = base + (iy * cols.input + ix) * c
                        for j in 0..<c { dst[j] += src[j] }
                    }
                }
            }
        }
    }
}

/// Conv1D, Conv2D and their transposes on channels-last data: im2col plus `sgemm`, one sample at
/// a time (the workspace is one sample's columns). Kernels are Keras's: [kh, kw, in, out] for a
/// convolution, [kh, kw, out, in] for a transpose; a 1-D kernel is the 2-D one with kh = 1.
struct ConvolutionOp: AnalysisOp {
    let rank: Int
    let kernelSize: [Int], strides: [Int], dilation: [Int]
    let padding: String
    let useBias: Bool
    let transposed: Bool

    private func spatial(_ shape: [Int]) -> [Int] { rank == 1 ? [1, shape[1]] : [shape[1], shape[2]] }
    private var kernel2: [Int] { rank == 1 ? [1] + kernelSize : kernelSize }
    private var strides2: [Int] { rank == 1 ? [1] + strides : strides }
    private var dilation2: [Int] { rank == 1 ? [1] + dilation : dilation }

    /// The window of the convolution (for a transpose, of the convolution it is the adjoint of,
    /// whose input is the transpose's output).
    private func window(batch: Int, spatialIn: [Int], channels: Int) throws(AnalysisError) -> Window2D {
        let pad = rank == 1 ? (padding == "causal" ? ["valid", "causal"] : ["valid", padding]) : [padding, padding]
        if !transposed {
            return Window2D(batch: batch, channels: channels,
                            rows: try WindowAxis(input: spatialIn[0], kernel: kernel2[0], stride: strides2[0], dilation: dilation2[0], padding: pad[0]),
                            cols: try WindowAxis(input: spatialIn[1], kernel: kernel2[1], stride: strides2[1], dilation: dilation2[1], padding: pad[1]))
        }
        // A transpose's output size (Keras `compute_conv_transpose_output_shape`, no output_padding).
        var axes: [WindowAxis] = []
        for a in 0..<2 {
            let span = (kernel2[a] - 1) * dilation2[a] + 1
            let size = pad[a] == "same" ? spatialIn[a] * strides2[a] : (spatialIn[a] - 1) * strides2[a] + max(span, strides2[a])
            axes.append(try WindowAxis(input: size, kernel: kernel2[a], stride: strides2[a], dilation: dilation2[a], padding: pad[a]))
        }
        return Window2D(batch: batch, channels: channels, rows: axes[0], cols: axes[1])
    }

    private func outputShape(_ x: AnalysisTensor, _ w: Window2D, channels: Int) -> [Int] {
        let plane = transposed ? [w.rows.input, w.cols.input] : [w.rows.output, w.cols.output]
        return [x.shape[0]] + (rank == 1 ? [plane[1]] : plane) + [channels]
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0], kernel = weights[0]
        let n = x.shape[0], cin = x.shape[x.rank - 1]
        let kshape = kernel.shape
        let kernelIn = kshape[kshape.count - (transposed ? 1 : 2)], kernelOut = kshape[kshape.count - (transposed ? 2 : 1)]
        guard kernelIn == cin else {
            throw AnalysisError("the kernel expects \(kernelIn) input channels and the input has \(cin)")
        }
        // A convolution's window runs over its input; a transpose's over its output.
        let w = try window(batch: n, spatialIn: spatial(x.shape), channels: transposed ? kernelOut : cin)
        var out = AnalysisTensor(zeros: outputShape(x, w, channels: kernelOut))
        let taps = w.taps
        var col = [Float](repeating: 0, count: w.outputPlane * taps * w.channels)
        try x.values.withUnsafeBufferPointer { px throws(AnalysisError) in
            try kernel.values.withUnsafeBufferPointer { pk throws(AnalysisError) in
                try col.withUnsafeMutableBufferPointer { pc throws(AnalysisError) in
                    try out.values.withUnsafeMutableBufferPointer { po throws(AnalysisError) in
                        for s in 0..<n {
                            if !transposed {
                                w.im2col(px.baseAddress!, sample: s, into: pc.baseAddress!)
                                try BLAS.gemm(m: w.outputPlane, n: kernelOut, k: taps * cin, pc.baseAddress!, lda: taps * cin,
                                              pk.baseAddress!, ldb: kernelOut, po.baseAddress! + s * w.outputPlane * kernelOut, ldc: kernelOut)
                            } else {
                                // cols = x_s · Kᵀ, K viewed as [taps·out, in]; then scatter them into y.
                                try BLAS.gemm(transB: true, m: w.outputPlane, n: taps * kernelOut, k: cin,
                                              px.baseAddress! + s * w.outputPlane * cin, lda: cin, pk.baseAddress!, ldb: cin,
                                              pc.baseAddress!, ldc: taps * kernelOut)
                                w.col2im(pc.baseAddress!, sample: s, into: po.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        if useBias {
            let bias = weights[1].values
            for i in out.values.indices { out.values[i] += bias[i % kernelOut] }
        }
        return out
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0], kernel = weights[0]
        let n = x.shape[0], cin = x.shape[x.rank - 1]
        let kshape = kernel.shape
        let kernelOut = kshape[kshape.count - (transposed ? 2 : 1)]
        let w = try window(batch: n, spatialIn: spatial(x.shape), channels: transposed ? kernelOut : cin)
        let taps = w.taps
        var dx = [Float](repeating: 0, count: x.count)
        var dk = [Float](repeating: 0, count: kernel.count)
        var col = [Float](repeating: 0, count: w.outputPlane * taps * w.channels)
        try x.values.withUnsafeBufferPointer { px throws(AnalysisError) in
            try kernel.values.withUnsafeBufferPointer { pk throws(AnalysisError) in
                try grad.values.withUnsafeBufferPointer { pg throws(AnalysisError) in
                    try col.withUnsafeMutableBufferPointer { pc throws(AnalysisError) in
                        try dx.withUnsafeMutableBufferPointer { pdx throws(AnalysisError) in
                            try dk.withUnsafeMutableBufferPointer { pdk throws(AnalysisError) in
                                for s in 0..<n {
                                    if !transposed {
                                        let g = pg.baseAddress! + s * w.outputPlane * kernelOut
                                        w.im2col(px.baseAddress!, sample: s, into: pc.baseAddress!)
                                        try BLAS.gemm(transA: true, m: taps * cin, n: kernelOut, k: w.outputPlane, pc.baseAddress!,
                                                      lda: taps * cin, g, ldb: kernelOut, beta: 1, pdk.baseAddress!, ldc: kernelOut)
                                        try BLAS.gemm(transB: true, m: w.outputPlane, n: taps * cin, k: kernelOut, g, lda: kernelOut,
                                                      pk.baseAddress!, ldb: kernelOut, pc.baseAddress!, ldc: taps * cin)
                                        w.col2im(pc.baseAddress!, sample: s, into: pdx.baseAddress!)
                                    } else {
                                        // The transpose's output gradient, gathered: cols(g_s) [plane_in, taps·out].
                                        let xs = px.baseAddress! + s * w.outputPlane * cin
                                        w.im2col(pg.baseAddress!, sample: s, into: pc.baseAddress!)
                                        try BLAS.gemm(m: w.outputPlane, n: cin, k: taps * kernelOut, pc.baseAddress!, lda: taps * kernelOut,
                                                      pk.baseAddress!, ldb: cin, pdx.baseAddress! + s * w.outputPlane * cin, ldc: cin)
                                        try BLAS.gemm(transA: true, m: taps * kernelOut, n: cin, k: w.outputPlane, pc.baseAddress!,
                                                      lda: taps * kernelOut, xs, ldb: cin, beta: 1, pdk.baseAddress!, ldc: cin)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var weightGrads = [AnalysisTensor(shape: kernel.shape, values: dk)]
        if useBias { weightGrads.append(Reduce.sumRows(grad, columns: kernelOut)) }
        return ([AnalysisTensor(shape: x.shape, values: dx)], weightGrads)
    }
}

/// DepthwiseConv1D/2D (kernel [kh, kw, C, M], output channel c·M + m) by direct loops, and
/// SeparableConv1D/2D: the depthwise convolution, then a 1×1 convolution (pointwise kernel
/// [1, 1, C·M, out]) plus the bias.
struct DepthwiseConvolutionOp: AnalysisOp {
    let rank: Int
    let kernelSize: [Int], strides: [Int], dilation: [Int]
    let padding: String
    let useBias: Bool
    /// SeparableConv: weights are [depthwise, pointwise, bias?]; else [kernel, bias?].
    let separable: Bool

    private func window(_ x: AnalysisTensor) throws(AnalysisError) -> Window2D {
        let k = rank == 1 ? [1] + kernelSize : kernelSize, s = rank == 1 ? [1] + strides : strides
        let d = rank == 1 ? [1] + dilation : dilation
        let sp = rank == 1 ? [1, x.shape[1]] : [x.shape[1], x.shape[2]]
        let pad = rank == 1 ? ["valid", padding] : [padding, padding]
        return Window2D(batch: x.shape[0], channels: x.shape[x.rank - 1],
                        rows: try WindowAxis(input: sp[0], kernel: k[0], stride: s[0], dilation: d[0], padding: pad[0]),
                        cols: try WindowAxis(input: sp[1], kernel: k[1], stride: s[1], dilation: d[1], padding: pad[1]))
    }

    private func depthwise(_ x: AnalysisTensor, _ kernel: AnalysisTensor, _ w: Window2D) -> AnalysisTensor {
        let c = w.channels, m = kernel.shape[kernel.rank - 1], oc = c * m
        let plane = rank == 1 ? [w.cols.output] : [w.rows.output, w.cols.output]
        var out = AnalysisTensor(zeros: [w.batch] + plane + [oc])
        w.forEachTap { output, input, tap in
            let o = output * oc, xi = input * c, ki = tap * oc
            for ch in 0..<c {
                let v = x.values[xi + ch]
                for j in 0..<m { out.values[o + ch * m + j] += v * kernel.values[ki + ch * m + j] }
            }
        }
        return out
    }

    private func depthwiseBackward(_ x: AnalysisTensor, _ kernel: AnalysisTensor, _ w: Window2D,
                                   _ grad: AnalysisTensor) -> (AnalysisTensor, AnalysisTensor) {
        let c = w.channels, m = kernel.shape[kernel.rank - 1], oc = c * m
        var dx = AnalysisTensor(zeros: x.shape)
        var dk = [Double](repeating: 0, count: kernel.count)
        w.forEachTap { output, input, tap in
            let o = output * oc, xi = input * c, ki = tap * oc
            for ch in 0..<c {
                let v = x.values[xi + ch]
                var acc: Float = 0
                for j in 0..<m {
                    let g = grad.values[o + ch * m + j]
                    acc += g * kernel.values[ki + ch * m + j]
                    dk[ki + ch * m + j] += Double(g * v)
                }
                dx.values[xi + ch] += acc
            }
        }
        return (dx, AnalysisTensor(shape: kernel.shape, values: dk.map { Float($0) }))
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0]
        let w = try window(x)
        var out = depthwise(x, weights[0], w)
        if separable {
            out = try DenseOp(useBias: false).forward([out], [weights[1].reshaped(Array(weights[1].shape.suffix(2)))])
        }
        if useBias {
            let bias = weights[separable ? 2 : 1].values, oc = out.shape[out.rank - 1]
            for i in out.values.indices { out.values[i] += bias[i % oc] }
        }
        return out
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0]
        let w = try window(x)
        var g = grad
        var pointwiseGrad: AnalysisTensor?
        if separable {
            let mid = depthwise(x, weights[0], w)
            let pointwise = weights[1].reshaped(Array(weights[1].shape.suffix(2)))
            let result = try DenseOp(useBias: false).backward([mid], [pointwise], output: output, grad: grad)
            g = result.inputs[0]!
            pointwiseGrad = result.weights[0].reshaped(weights[1].shape)
        }
        let (dx, dk) = depthwiseBackward(x, weights[0], w, g)
        var weightGrads = [dk]
        if let pointwiseGrad { weightGrads.append(pointwiseGrad) }
        if useBias { weightGrads.append(Reduce.sumRows(grad, columns: grad.shape[grad.rank - 1])) }
        return ([dx], weightGrads)
    }
}

/// A grouped convolution (Keras `groups` > 1): input channel group g goes through the kernel's
/// output channels g·out/G ..< (g+1)·out/G. Kernel [kh, kw, in/G, out].
struct GroupedConvolutionOp: AnalysisOp {
    let inner: ConvolutionOp
    let groups: Int

    /// Channels `range` of a channels-last tensor.
    static func channels(_ t: AnalysisTensor, _ range: Range<Int>) -> AnalysisTensor {
        let c = t.shape[t.rank - 1], rows = t.count / max(1, c)
        var out = [Float](); out.reserveCapacity(rows * range.count)
        for r in 0..<rows { out.append(contentsOf: t.values[(r * c + range.lowerBound)..<(r * c + range.upperBound)]) }
        return AnalysisTensor(shape: Array(t.shape.dropLast()) + [range.count], values: out)
    }

    /// Writes `part` into channels `range` of `t`.
    static func put(_ part: AnalysisTensor, into t: inout AnalysisTensor, _ range: Range<Int>) {
        let c = t.shape[t.rank - 1], rows = t.count / max(1, c)
        for r in 0..<rows { for j in 0..<range.count { t.values[r * c + range.lowerBound + j] = part.values[r * range.count + j] } }
    }

    private func split(_ x: AnalysisTensor, _ weights: [AnalysisTensor]) throws(AnalysisError) -> (Int, Int) {
        let cin = x.shape[x.rank - 1], cout = weights[0].shape[weights[0].rank - 1]
        guard cin % groups == 0, cout % groups == 0, weights[0].shape[weights[0].rank - 2] == cin / groups else {
            throw AnalysisError("\(cin) input and \(cout) output channels do not split into \(groups) groups")
        }
        return (cin / groups, cout / groups)
    }

    private func groupWeights(_ weights: [AnalysisTensor], _ g: Int, _ outPer: Int) -> [AnalysisTensor] {
        let range = (g * outPer)..<((g + 1) * outPer)
        var result = [Self.channels(weights[0], range)]
        if weights.count > 1 { result.append(AnalysisTensor(shape: [outPer], values: Array(weights[1].values[range]))) }
        return result
    }

    func forward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor]) throws(AnalysisError) -> AnalysisTensor {
        let x = inputs[0]
        let (inPer, outPer) = try split(x, weights)
        var out: AnalysisTensor?
        for g in 0..<groups {
            let part = try inner.forward([Self.channels(x, (g * inPer)..<((g + 1) * inPer))], groupWeights(weights, g, outPer))
            if out == nil { out = AnalysisTensor(zeros: Array(part.shape.dropLast()) + [outPer * groups]) }
            Self.put(part, into: &out!, (g * outPer)..<((g + 1) * outPer))
        }
        return out!
    }

    func backward(_ inputs: [AnalysisTensor], _ weights: [AnalysisTensor], output: AnalysisTensor,
                  grad: AnalysisTensor) throws(AnalysisError) -> (inputs: [AnalysisTensor?], weights: [AnalysisTensor]) {
        let x = inputs[0]
        let (inPer, outPer) = try split(x, weights)
        var dx = AnalysisTensor(zeros: x.shape)
        var dk = AnalysisTensor(zeros: weights[0].shape)
        var db = weights.count > 1 ? AnalysisTensor(zeros: weights[1].shape) : nil
        for g in 0..<groups {
            let inRange = (g * inPer)..<((g + 1) * inPer), outRange = (g * outPer)..<((g + 1) * outPer)
            let result = try inner.backward([Self.channels(x, inRange)], groupWeights(weights, g, outPer),
                                            output: Self.channels(output, outRange), grad: Self.channels(grad, outRange))
            Self.put(result.inputs[0]!, into: &dx, inRange)
            Self.put(result.weights[0], into: &dk, outRange)
            if db != nil { for (j, v) in result.weights[1].values.enumerated() { db!.values[outRange.lowerBound + j] = v } }
        }
        return ([dx], [dk] + (db.map { [$0] } ?? []))
    }
}
