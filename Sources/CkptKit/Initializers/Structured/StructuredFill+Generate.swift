/// Generation of structured fills: the whole tensor at once.
///
/// Substream ids are relative to the stream passed in (`b = stream.substream`, 0 for a tensor):
/// b + 0 gives elementwise values (sparse, unit-forget-bias: element i from word i, as an
/// elementwise fill), b + 1 the Gaussian matrix of an orthogonal fill, b + 2 the sparse zero
/// selection, and gate g of a `gates` fill runs its inner fill with b + 256·(g + 1).
/// docs/random-streams.md, "Structured initializers", is the specification.
extension StructuredFill {
    /// The substream offset of gate `g` in a `gates` fill: 256·(g + 1).
    static let gateSubstreamStride = 256

    /// Throws when the fill cannot apply to a tensor of `shape` (orthogonal on a 1-D tensor,
    /// identity on a non-2-D one, delta-orthogonal with fewer output than input channels, …) or a
    /// parameter is out of range. Called when planning, so nothing is written for a bad plan.
    public func validate(shape: [Int]) throws(InitializerError) {
        let name = summary
        func require(_ ok: Bool, _ parameter: String, _ value: @autoclosure () -> String, _ expected: String) throws(InitializerError) {
            if !ok { throw .invalidParameter(initializer: name, parameter: parameter, value: value(), expected: expected) }
        }
        func requireShape(_ ok: Bool, _ expected: String) throws(InitializerError) {
            try require(ok, "shape", "\(shape)", expected)
        }
        func requireGain(_ gain: Double) throws(InitializerError) {
            try require(gain.isFinite, "gain", "\(gain)", "a finite number")
        }
        try requireShape(shape.allSatisfy { $0 >= 0 }, "non-negative dimensions")
        switch self {
        case .orthogonal(let gain, let flattening):
            try requireGain(gain)
            try requireShape(shape.count >= 2, "a tensor of rank ≥ 2 (orthogonal needs a matrix)")
            if case .columnAxis(let axis) = flattening {
                try require((-shape.count..<shape.count).contains(axis), "column_axis", "\(axis)",
                            "an axis in \(-shape.count)..<\(shape.count) for shape \(shape)")
            }
            if let (rows, cols) = StructuredFill.matrixShape(shape, flattening), rows > 0, cols > 0 {
                try requireShape(max(rows, cols) <= LapackCall.maxDimension,
                                 "a flattened matrix with both sides ≤ \(LapackCall.maxDimension) (it is \(rows)×\(cols))")
            }
        case .identity(let gain):
            try requireGain(gain)
            try requireShape(shape.count == 2, "a 2-D tensor (identity is a matrix)")
        case .dirac(let groups, let gain):
            try requireGain(gain)
            try requireShape((3...5).contains(shape.count), "a 3-D, 4-D or 5-D convolution kernel (k…, C_in/groups, C_out)")
            try require(groups >= 1, "groups", "\(groups)", "at least 1")
            let cout = shape[shape.count - 1]
            try require(cout % groups == 0, "groups", "\(groups)", "a divisor of the output channels (\(cout))")
        case .deltaOrthogonal(let gain):
            try requireGain(gain)
            try requireShape((3...5).contains(shape.count), "a 3-D, 4-D or 5-D convolution kernel (k…, C_in, C_out)")
            let cin = shape[shape.count - 2], cout = shape[shape.count - 1]
            try requireShape(cout >= cin, "at least as many output channels as input channels (\(cout) < \(cin))")
            try requireShape(cout <= LapackCall.maxDimension, "at most \(LapackCall.maxDimension) output channels")
        case .sparse(let sparsity, let std):
            try requireShape(shape.count == 2, "a 2-D tensor (in, out)")
            try require(sparsity.isFinite && sparsity >= 0 && sparsity < 1, "sparsity", "\(sparsity)", "a number in [0, 1)")
            try require(std.isFinite && std >= 0, "std", "\(std)", "a finite number ≥ 0")
        case .zerO:
            try requireShape((2...5).contains(shape.count), "a 2-D kernel (in, out) or a 3-D to 5-D convolution kernel")
        case .unitForgetBias(let units, let base):
            try require(units >= 1 && units <= Int.max / 4, "units", "\(units)", "at least 1")
            try requireShape(shape == [4 * units], "[\(4 * units)] (4·units, the LSTM bias)")
            try base.validate()
        case .gates(let count, let inner):
            let maxCount = Int(UInt32.max) / StructuredFill.gateSubstreamStride - 1
            try require(count >= 1 && count <= maxCount, "count", "\(count)",
                        count < 1 ? "at least 1" : "at most \(maxCount) (each gate needs its own substreams)")
            if case .gates = inner {
                try require(false, "inner", inner.summary, "a fill that is not itself split into gates")
            }
            guard let last = shape.last else {
                return try requireShape(false, "a tensor of rank ≥ 1 to split into gates")
            }
            try require(last % count == 0, "count", "\(count)", "a divisor of the last axis (\(last))")
            try inner.validate(shape: Array(shape.dropLast()) + [last / count])
        }
    }

    /// Writes every value of a tensor of `shape` (row-major, ckpt's layout) to `out`, which holds
    /// exactly `shape.reduce(1, *)` elements. Random draws use `stream`'s key with substream ids ≥ 1.
    public func generate(shape: [Int], stream: TensorStream, into out: UnsafeMutableBufferPointer<Float>) throws(InitializerError) {
        try generateValues(shape: shape, stream: stream, into: out)
    }

    /// The float64 version of `generate(shape:stream:into:)`.
    public func generate(shape: [Int], stream: TensorStream, into out: UnsafeMutableBufferPointer<Double>) throws(InitializerError) {
        try generateValues(shape: shape, stream: stream, into: out)
    }

    private func generateValues<T: StructuredScalar>(shape: [Int], stream: TensorStream, into out: UnsafeMutableBufferPointer<T>) throws(InitializerError) {
        try validate(shape: shape)
        let count = shape.reduce(1, *)
        guard out.count == count else {
            throw .invalidParameter(initializer: summary, parameter: "shape", value: "\(shape)",
                                    expected: "a buffer of \(count) elements (it has \(out.count))")
        }
        guard count > 0, let base = out.baseAddress else { return }
        switch self {
        case .orthogonal(let gain, let flattening):
            try StructuredFill.orthogonal(shape: shape, gain: gain, flattening: flattening, stream: stream,
                                          into: base, initializer: summary)
        case .identity(let gain):
            out.initialize(repeating: 0)
            let cols = shape[1]
            for i in 0..<min(shape[0], cols) { base[i * cols + i] = T(gain) }
        case .dirac(let groups, let gain):
            out.initialize(repeating: 0)
            let (centre, cin, cout) = StructuredFill.centreBlock(shape, centre: { $0 / 2 }, in: base)
            let perGroup = cout / groups
            for g in 0..<groups {
                for d in 0..<min(perGroup, cin) { centre[d * cout + g * perGroup + d] = T(gain) }
            }
        case .deltaOrthogonal(let gain):
            out.initialize(repeating: 0)
            let (centre, cin, cout) = StructuredFill.centreBlock(shape, centre: { ($0 - 1) / 2 }, in: base)
            try Orthogonal.generate(rows: cin, cols: cout, gain: gain, stream: stream, into: centre, initializer: summary)
        case .sparse(let sparsity, let std):
            T.fill(.normal(mean: 0, std: std), out, stream: stream)
            SparseSelection.zero(rows: shape[0], cols: shape[1], sparsity: sparsity,
                                 stream: stream.substream(stream.substream &+ 2), in: base)
        case .zerO:
            out.initialize(repeating: 0)
            if shape.count == 2 {
                ZerO.write(rows: shape[0], cols: shape[1], into: base)
            } else {
                let (centre, cin, cout) = StructuredFill.centreBlock(shape, centre: { $0 / 2 }, in: base)
                ZerO.write(rows: cin, cols: cout, into: centre)
            }
        case .unitForgetBias(let units, let distribution):
            T.fill(distribution, out, stream: stream)
            for i in units..<(2 * units) { base[i] = 1 }
        case .gates(let gateCount, let inner):
            let last = shape[shape.count - 1], width = last / gateCount, rows = count / last
            let innerShape = Array(shape.dropLast()) + [width]
            let block = UnsafeMutableBufferPointer<T>.allocate(capacity: rows * width)
            defer { block.deallocate() }
            for g in 0..<gateCount {
                let id = stream.substream &+ UInt32(StructuredFill.gateSubstreamStride * (g + 1))
                try inner.generateValues(shape: innerShape, stream: stream.substream(id), into: block)
                for r in 0..<rows {
                    (base + r * last + g * width).update(from: block.baseAddress! + r * width, count: width)
                }
            }
        }
    }

    /// The orthogonal fill of a whole tensor: the matrix, then (for a column axis that is not the
    /// last) the column axis moved back into place as `jnp.moveaxis(Q, -1, column_axis)` does.
    private static func orthogonal<T: StructuredScalar>(
        shape: [Int], gain: Double, flattening: OrthogonalFlattening, stream: TensorStream,
        into out: UnsafeMutablePointer<T>, initializer: String
    ) throws(InitializerError) {
        guard let (rows, cols) = matrixShape(shape, flattening) else { return }
        var axis = shape.count - 1
        if case .columnAxis(let a) = flattening { axis = a < 0 ? a + shape.count : a }
        guard case .columnAxis = flattening, axis != shape.count - 1 else {
            // Keras, PyTorch and a last column axis: the row-major matrix is the tensor.
            return try Orthogonal.generate(rows: rows, cols: cols, gain: gain, stream: stream, into: out,
                                           initializer: initializer)
        }
        let matrix = UnsafeMutableBufferPointer<T>.allocate(capacity: rows * cols)
        defer { matrix.deallocate() }
        try Orthogonal.generate(rows: rows, cols: cols, gain: gain, stream: stream, into: matrix.baseAddress!,
                                initializer: initializer)
        // Tensor index (o, x, i) over (∏shape[..<axis], shape[axis], ∏shape[axis+1...]) takes
        // matrix row o·inner + i, column x.
        let outer = shape[..<axis].reduce(1, *), d = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        for o in 0..<outer {
            for x in 0..<d {
                let target = out + (o * d + x) * inner
                for i in 0..<inner { target[i] = matrix[(o * inner + i) * d + x] }
            }
        }
    }

    /// The (C_in, C_out) block of a convolution kernel at the spatial position `centre(k)` on
    /// every spatial axis: its start and the channel counts. The last two axes are contiguous, so
    /// the block is one run of C_in·C_out elements.
    static func centreBlock<T>(_ shape: [Int], centre: (Int) -> Int, in base: UnsafeMutablePointer<T>) -> (UnsafeMutablePointer<T>, Int, Int) {
        let cin = shape[shape.count - 2], cout = shape[shape.count - 1]
        var position = 0
        for k in shape.dropLast(2) { position = position * k + centre(k) }
        return (base + position * cin * cout, cin, cout)
    }
}

/// The element types structured fills write: LAPACK's types with the elementwise sampler.
protocol StructuredScalar: LapackScalar {
    /// Elements 0 ..< out.count of `distribution` on `stream`, as an elementwise fill gives them.
    static func fill(_ distribution: Distribution, _ out: UnsafeMutableBufferPointer<Self>, stream: TensorStream)
}

extension StructuredScalar {
    /// N(0, 1) values, element e as `Distribution.normal(mean: 0, std: 1)` gives it.
    static func fillStandardNormal(_ out: UnsafeMutableBufferPointer<Self>, stream: TensorStream) {
        fill(.normal(mean: 0, std: 1), out, stream: stream)
    }
}

extension Float: StructuredScalar {
    static func fill(_ distribution: Distribution, _ out: UnsafeMutableBufferPointer<Float>, stream: TensorStream) {
        distribution.fill(out, stream: stream, elementOffset: 0)
    }
}

extension Double: StructuredScalar {
    static func fill(_ distribution: Distribution, _ out: UnsafeMutableBufferPointer<Double>, stream: TensorStream) {
        distribution.fill(out, stream: stream, elementOffset: 0)
    }
}
