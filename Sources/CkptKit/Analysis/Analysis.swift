import Foundation

/// What `ckpt analyze` is asked: the model, its weights (a checkpoint, or what `ckpt init` would
/// write with `planOptions` and `seed`), the input batch and the output gradient.
public struct AnalysisRequest: Sendable {
    /// The model architecture file.
    public var specPath: String
    /// A checkpoint in any format ckpt reads; nil: generate the weights in memory.
    public var weightsPath: String?
    /// The seed of the generated weights, the default input and the default output gradient.
    public var seed: UInt64 = 0
    /// How the weights are initialized when generated (the `ckpt init` options).
    public var planOptions: PlanOptions
    /// `--input` arguments: `X.npy` (the one input), `NAME=X.npy`, or `BATCH.npz` (by input name).
    public var inputArguments: [String] = []
    /// The batch of the generated input.
    public var batch: Int = 16
    /// A `.npy` of dL/d(output); nil: N(0, 1) from the seed.
    public var outputGradPath: String?
    /// How BatchNormalization normalizes.
    public var batchNormInference = false

    /// Creates a request.
    public init(specPath: String, planOptions: PlanOptions = PlanOptions()) {
        self.specPath = specPath
        self.planOptions = planOptions
    }
}

/// What `ckpt analyze` measured (schema in docs/analyze.md).
public struct AnalysisReport: Sendable {
    /// One layer's figures, over its first output.
    public struct Layer: Sendable {
        public var name: String
        public var className: String
        public var outputShape: [Int]
        public var mean: Double
        public var variance: Double
        public var averageChannelSquaredMean: Double
        public var averageChannelVariance: Double
        public var deadFraction: Double?
        public var saturatedFraction: Double?
        /// The variance of dL/d(output); nil when no gradient reaches the layer.
        public var gradVariance: Double?
        /// Each trainable weight's canonical name and the variance of its gradient.
        public var weights: [(name: String, gradVariance: Double)] = []
        /// The mean-field prediction of the output's variance and the layer's χ.
        public var predictedVariance: Double?
        public var predictedChi: Double?
        /// For an Add: the layer ending the residual branch and that branch's variance there.
        public var residualBranch: (layer: String, variance: Double, averageChannelVariance: Double)?
    }

    /// A warning: what kind, the layer, and a message with the fix.
    public struct Warning: Sendable, Equatable {
        public var kind: String
        public var layer: String
        public var message: String
    }

    /// One model input: its name, shape, dtype and where it came from.
    public struct Input: Sendable {
        public var name: String
        public var shape: [Int]
        public var dtype: String
        public var source: String
    }

    public var model: String
    public var weights: String
    public var seed: UInt64
    public var batchNorm: String
    public var inputs: [Input]
    public var outputGrad: String
    public var layers: [Layer]
    public var warnings: [Warning]
    /// The product of the predicted χ through the layers that have one.
    public var predictedChiProduct: Double?
}

extension Checkpoints {
    /// Runs the forward and backward pass of `ckpt analyze` and measures every layer.
    public static func analyze(_ request: AnalysisRequest) throws -> AnalysisReport {
        let spec = try loadSpec(path: request.specPath)
        let model = spec.model
        guard request.batch >= 1 else { throw AnalysisError("--batch must be at least 1, not \(request.batch)") }
        let plan = try plan(model: model, file: request.specPath, options: request.planOptions)
        let values = try weightValues(plan, request: request)
        var entryByLayer: [String: [String: PlanEntry]] = [:]
        for entry in plan.entries where entry.topLevelLayer == entry.layer {
            entryByLayer[entry.layer, default: [:]][entry.variable] = entry
        }
        let executor: AnalysisExecutor
        do {
            executor = try AnalysisExecutor(model: model, weights: { layer, variable in
                entryByLayer[layer.name]?[variable].flatMap { values[$0.name] }
            }, batchNorm: request.batchNormInference ? .inference : .batch)
        } catch let error as AnalysisError {
            throw AnalysisError(file: request.specPath, error.message)
        }
        let (inputs, inputSummaries) = try modelInputs(executor, request: request)
        var gradSource = "N(0, 1) from the seed"
        let run = try executor.run(inputs) { outputs in
            if let path = request.outputGradPath {
                guard outputs.count == 1 else { throw AnalysisError(file: path, "--output-grad takes one array and the model has \(outputs.count) outputs") }
                let g = try AnalysisArrays.readNPY(path: path)
                guard g.shape == outputs[0].shape else {
                    throw AnalysisError(file: path, "the output gradient has shape \(ShapeText.describe(g.shape)) and the model's output \(ShapeText.describe(outputs[0].shape))")
                }
                gradSource = path
                return [g]
            }
            return outputs.enumerated().map { i, out in
                normal(shape: out.shape, seed: request.seed, name: "analyze/output_grad/\(i)")
            }
        }
        var report = AnalysisReport(
            model: model.name, weights: request.weightsPath ?? "generated (ckpt init, seed \(request.seed))", seed: request.seed,
            batchNorm: request.batchNormInference ? "inference" : "batch", inputs: inputSummaries, outputGrad: gradSource,
            layers: [], warnings: [])
        report.layers = measure(executor, run, plan: plan, entryByLayer: entryByLayer)
        MeanFieldPrediction.predict(&report, executor: executor, run: run)
        report.warnings = AnalysisWarnings.find(report, executor: executor, run: run, plan: plan, entryByLayer: entryByLayer)
        return report
    }

    /// The weights by canonical name: generated as `ckpt init` would, or read from the checkpoint.
    static func weightValues(_ plan: Plan, request: AnalysisRequest) throws -> [String: AnalysisTensor] {
        var values: [String: AnalysisTensor] = [:]
        if let path = request.weightsPath {
            let reader = try CheckpointReaders.open(path: path)
            for pair in try TensorMatching.match(reader, plan: plan) {
                var bytes: [UInt8] = []
                try reader.read(pair.source, maximumPieceBytes: 4 << 20) { bytes.append(contentsOf: $0) }
                values[pair.entry.name] = AnalysisArrays.tensor(bytes, info: pair.source.info)
            }
            return values
        }
        let generator = TensorGenerator()
        for entry in plan.entries {
            var bytes: [UInt8] = []
            var rows = RowZeroing()
            rows.begin(entry)
            try generator.generate(entry, seed: request.seed) { piece in try rows.pass(piece) { bytes.append(contentsOf: $0) } }
            values[entry.name] = AnalysisArrays.tensor(bytes, info: entry.info)
        }
        return values
    }

    /// N(0, 1) values of `shape` from the stream of `name` under `seed`.
    static func normal(shape: [Int], seed: UInt64, name: String) -> AnalysisTensor {
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        values.withUnsafeMutableBufferPointer { Distribution.normal(mean: 0, std: 1).fill($0, stream: TensorStream(seed: seed, name: name), elementOffset: 0) }
        return AnalysisTensor(shape: shape, values: values)
    }

    /// The input batch: the `--input` arrays, checked against the model, or generated.
    static func modelInputs(_ executor: AnalysisExecutor, request: AnalysisRequest) throws -> ([AnalysisTensor], [AnalysisReport.Input]) {
        var given: [String: (AnalysisTensor, String)] = [:]
        for argument in request.inputArguments {
            if argument.hasSuffix(".npz") && !argument.contains("=") {
                for (name, tensor) in try AnalysisArrays.readNPZ(path: argument) { given[name] = (tensor, "\(argument):\(name)") }
            } else if let eq = argument.firstIndex(of: "="), !FileManager.default.fileExists(atPath: argument) {
                let name = String(argument[..<eq]), path = String(argument[argument.index(after: eq)...])
                given[name] = (try AnalysisArrays.readNPY(path: path), path)
            } else {
                guard executor.inputs.count == 1 else {
                    throw AnalysisError(file: argument, "the model has \(executor.inputs.count) inputs (\(executor.inputs.map(\.name).joined(separator: ", "))); pass --input NAME=X.npy for each, or one .npz")
                }
                given[executor.inputs[0].name] = (try AnalysisArrays.readNPY(path: argument), argument)
            }
        }
        if !request.inputArguments.isEmpty {
            let unknown = given.keys.filter { name in !executor.inputs.contains { $0.name == name } }.sorted()
            if !unknown.isEmpty {
                throw AnalysisError("--input names \(unknown.joined(separator: ", ")), which the model does not have (its inputs: \(executor.inputs.map(\.name).joined(separator: ", ")))")
            }
        }
        var tensors: [AnalysisTensor] = [], summaries: [AnalysisReport.Input] = []
        let batch = given.values.first?.0.shape.first ?? request.batch
        for input in executor.inputs {
            let expected = input.shape.dropFirst()
            if let (tensor, source) = given[input.name] {
                let shapeOK = tensor.rank == input.shape.count && zip(tensor.shape.dropFirst(), expected).allSatisfy { $1 == nil || $0 == $1! }
                guard shapeOK, tensor.shape.first == batch else {
                    throw AnalysisError(file: source, "the input \"\(input.name)\" should have shape \(ShapeText.describe([nil] + Array(expected))) (batch first, the same batch for every input); the array has \(ShapeText.describe(tensor.shape))")
                }
                if input.isInteger {
                    let vocabulary = input.vocabulary ?? Int.max
                    guard tensor.values.allSatisfy({ $0 == $0.rounded() && $0 >= 0 && Double($0) < Double(vocabulary) }) else {
                        throw AnalysisError(file: source, "the input \"\(input.name)\" takes integer token ids from 0 to \(vocabulary - 1); the array has other values")
                    }
                }
                tensors.append(tensor)
                summaries.append(.init(name: input.name, shape: tensor.shape, dtype: input.isInteger ? "int32" : "float32", source: source))
                continue
            }
            guard request.inputArguments.isEmpty else {
                throw AnalysisError("--input gives no array for the model's input \"\(input.name)\"")
            }
            var shape = [batch]
            for (axis, size) in expected.enumerated() {
                guard let size else {
                    throw AnalysisError(file: request.specPath, "the input \"\(input.name)\" has an unknown dimension \(axis + 1) in \(ShapeText.describe(input.shape)); pass --input with real data")
                }
                shape.append(size)
            }
            if input.isInteger {
                let vocabulary = input.vocabulary ?? 2
                var values = [Float](repeating: 0, count: shape.reduce(1, *))
                values.withUnsafeMutableBufferPointer {
                    Distribution.uniform(low: 0, high: Double(vocabulary)).fill($0, stream: TensorStream(seed: request.seed, name: "analyze/input/\(input.name)"), elementOffset: 0)
                }
                tensors.append(AnalysisTensor(shape: shape, values: values.map { min(Float(vocabulary - 1), $0.rounded(.down)) }))
                summaries.append(.init(name: input.name, shape: shape, dtype: "int32", source: "uniform over the vocabulary (\(vocabulary)) from the seed"))
            } else {
                tensors.append(normal(shape: shape, seed: request.seed, name: "analyze/input/\(input.name)"))
                summaries.append(.init(name: input.name, shape: shape, dtype: "float32", source: "N(0, 1) from the seed"))
            }
        }
        return (tensors, summaries)
    }

    /// The figures of every layer, over its first call's output.
    static func measure(_ executor: AnalysisExecutor, _ run: AnalysisExecutor.Run, plan: Plan,
                        entryByLayer: [String: [String: PlanEntry]]) -> [AnalysisReport.Layer] {
        var result: [AnalysisReport.Layer] = []
        let depths = nodeDepths(executor)
        for (index, layer) in executor.model.layers.enumerated() {
            guard let trace = run.nodes[ModelGraph.CallNode(layer: index, call: 0)] else { continue }
            let analysis = executor.layers[index]
            let out = trace.output
            let channelsFirst = layer.config["data_format"]?.string == "channels_first" && out.rank > 2
            let stats = SignalStatistics(out, channelAxis: channelsFirst ? 1 : -1)
            var item = AnalysisReport.Layer(
                name: layer.name, className: layer.className, outputShape: out.shape, mean: stats.mean, variance: stats.variance,
                averageChannelSquaredMean: stats.averageChannelSquaredMean, averageChannelVariance: stats.averageChannelVariance)
            let pre = trace.preActivation ?? trace.output
            if analysis.activation.isReLULike, case .relu(_, _, let threshold) = analysis.activation {
                // A unit (channel) is dead when no element of the batch, at no position, reaches the threshold.
                let (outer, size, inner) = AnalysisActivation.split(pre.shape, axis: channelsFirst ? 1 : -1)
                var alive = [Bool](repeating: false, count: size)
                for o in 0..<outer { for c in 0..<size { for i in 0..<inner where pre.values[(o * size + c) * inner + i] > threshold { alive[c] = true } } }
                item.deadFraction = Double(alive.filter { !$0 }.count) / Double(max(1, size))
            }
            if analysis.activation.saturates {
                item.saturatedFraction = Double(pre.values.filter { abs($0) > 2 }.count) / Double(max(1, pre.count))
            }
            item.gradVariance = trace.outputGrad.map(SignalStatistics.variance)
            for (variable, grad) in zip(analysis.variables, run.weightGrads[index]) {
                guard let entry = entryByLayer[layer.name]?[variable], entry.trainable else { continue }
                item.weights.append((entry.name, SignalStatistics.variance(grad)))
            }
            if layer.className == "Add", let call = executor.graph.calls[index].first, call.count == 2,
               let a = call[0], let b = call[1] {
                // The branch is the deeper input; the other is the shortcut.
                let nodeA = ModelGraph.CallNode(layer: a.producer, call: a.node), nodeB = ModelGraph.CallNode(layer: b.producer, call: b.node)
                let branch = depths[nodeA, default: 0] >= depths[nodeB, default: 0] ? nodeA : nodeB
                if let t = run.nodes[branch] {
                    let s = SignalStatistics(t.output, channelAxis: channelsFirst ? 1 : -1)
                    item.residualBranch = (executor.model.layers[branch.layer].name, s.variance, s.averageChannelVariance)
                }
            }
            result.append(item)
        }
        return result
    }

    /// Each call's depth: the longest path from a model input.
    static func nodeDepths(_ executor: AnalysisExecutor) -> [ModelGraph.CallNode: Int] {
        var depth: [ModelGraph.CallNode: Int] = [:]
        for node in executor.order {
            let calls = executor.graph.calls[node.layer]
            var d = 0
            if calls.indices.contains(node.call) {
                for case let edge? in calls[node.call] { d = max(d, depth[ModelGraph.CallNode(layer: edge.producer, call: edge.node), default: 0] + 1) }
            }
            depth[node] = d
        }
        return depth
    }
}
