/// Puts the mean-field prediction beside the measured figures: following each tensor's mean and
/// second moment from the measured input through Dense and convolution layers (σ_w² = fan_in ·
/// E[W²] of the layer's own weights, q = σ_w²·E[x²] + E[b²]), activations and identity layers.
/// A layer of another kind ends the prediction for what it feeds.
enum MeanFieldPrediction {
    static func predict(_ report: inout AnalysisReport, executor: AnalysisExecutor, run: AnalysisExecutor.Run) {
        var predicted: [ModelGraph.CallNode: MeanField.Moments] = [:]
        var rowByLayer: [String: Int] = [:]
        for (i, layer) in report.layers.enumerated() { rowByLayer[layer.name] = i }
        var chiProduct: Double?
        for node in executor.order {
            let layer = executor.model.layers[node.layer], analysis = executor.layers[node.layer]
            guard let trace = run.nodes[node] else { continue }
            let calls = executor.graph.calls[node.layer]
            var input: MeanField.Moments?
            if !calls.indices.contains(node.call) {
                // A model input: the measured figures.
                let s = SignalStatistics(trace.inputs[0], channelAxis: -1)
                input = MeanField.Moments(mean: s.mean, secondMoment: s.variance + s.mean * s.mean)
            } else if calls[node.call].count == 1, let edge = calls[node.call][0] {
                input = predicted[ModelGraph.CallNode(layer: edge.producer, call: edge.node)]
            }
            guard let input else { continue }
            var q: Double, sigmaW2 = 1.0, biasMean = 0.0
            switch analysis.op {
            case is IdentityOp:
                q = input.secondMoment
                if analysis.activation.isLinear {
                    predicted[node] = input
                    record(&report, rowByLayer, layer.name, node, variance: input.variance, chi: 1, &chiProduct)
                    continue
                }
            case let op as DenseOp:
                (sigmaW2, q, biasMean) = length(executor.weights[node.layer], fanIn: executor.weights[node.layer][0].shape[0], useBias: op.useBias, input)
            case let op as ConvolutionOp where !op.transposed:
                let kernel = executor.weights[node.layer][0]
                let fanIn = kernel.shape.dropLast().reduce(1, *)
                (sigmaW2, q, biasMean) = length(executor.weights[node.layer], fanIn: fanIn, useBias: op.useBias, input)
            default:
                continue
            }
            if case .softmax = analysis.activation { continue }
            let m = MeanField.moments(analysis.activation, q: max(0, q - biasMean * biasMean))
            let outMean = analysis.activation.isLinear ? biasMean : m.mean
            let outSecond = analysis.activation.isLinear ? q : m.square
            let moments = MeanField.Moments(mean: outMean, secondMoment: outSecond)
            predicted[node] = moments
            record(&report, rowByLayer, layer.name, node, variance: moments.variance, chi: sigmaW2 * m.derivativeSquare, &chiProduct)
        }
        report.predictedChiProduct = chiProduct
    }

    /// (σ_w², q, mean of the bias) of a dense or convolution layer.
    private static func length(_ weights: [AnalysisTensor], fanIn: Int, useBias: Bool, _ input: MeanField.Moments) -> (Double, Double, Double) {
        let kernel = weights[0]
        let w2 = kernel.values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, kernel.count))
        let sigmaW2 = Double(fanIn) * w2
        var b2 = 0.0, bMean = 0.0
        if useBias, let bias = weights.last {
            b2 = bias.values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, bias.count))
            bMean = bias.values.reduce(0.0) { $0 + Double($1) } / Double(max(1, bias.count))
        }
        return (sigmaW2, sigmaW2 * input.secondMoment + b2, bMean)
    }

    private static func record(_ report: inout AnalysisReport, _ rows: [String: Int], _ name: String, _ node: ModelGraph.CallNode,
                               variance: Double, chi: Double, _ product: inout Double?) {
        guard node.call == 0, let row = rows[name] else { return }
        report.layers[row].predictedVariance = variance
        report.layers[row].predictedChi = chi
        product = (product ?? 1) * chi
    }
}
