/// How one tensor of a layout is made from the tensors of the other layout for the same layer:
/// a small expression of index permutations (`permute`, `reshape`, `rows`, `concatenate`) and
/// the few value changes the mappings need (a sum, zeros, torch's `num_batches_tracked`).
/// Sources are named as the layer's mapping names them (`kernel`, `weight_ih_l0`); its shape
/// and dtype follow from theirs, so a layout is known before any value is read.
indirect enum LayoutExpression: Sendable, Equatable {
    /// A tensor of the other layout, by its name in the layer.
    case source(String)
    /// Axis `i` of the result is axis `axes[i]` of the operand (NumPy `transpose`).
    case permute(LayoutExpression, [Int])
    /// The same values under another shape of the same element count.
    case reshape(LayoutExpression, [Int])
    /// Rows `start ..< start + count` of the first axis.
    case rows(LayoutExpression, start: Int, count: Int)
    /// The operands one after the other along the first axis.
    case concatenate([LayoutExpression])
    /// The elementwise sum of two floating-point tensors of one shape and dtype.
    case sum(LayoutExpression, LayoutExpression)
    /// Zeros of the operand's shape and dtype.
    case zeros(like: LayoutExpression)
    /// An int64 scalar 0 (torch BatchNorm's `num_batches_tracked`).
    case int64Zero

    /// `permute(x, [1, 0])`: a matrix transposed.
    static func transpose(_ operand: LayoutExpression) -> LayoutExpression { .permute(operand, [1, 0]) }

    /// The names of the source tensors it reads.
    var sources: [String] {
        switch self {
        case .source(let name): return [name]
        case .permute(let x, _), .reshape(let x, _), .rows(let x, _, _), .zeros(let x): return x.sources
        case .concatenate(let parts): return parts.flatMap(\.sources)
        case .sum(let a, let b): return a.sources + b.sources
        case .int64Zero: return []
        }
    }

    /// The result's shape and dtype, given each source's; a message when they do not fit.
    func info(_ source: (String) -> (shape: [Int], dtype: DType)?) throws(LayoutProblem) -> (shape: [Int], dtype: DType) {
        switch self {
        case .source(let name):
            guard let found = source(name) else { throw LayoutProblem("no tensor \(name)") }
            return found
        case .permute(let x, let axes):
            let (shape, dtype) = try x.info(source)
            guard axes.sorted() == Array(0..<shape.count) else {
                throw LayoutProblem("axes \(axes) are no permutation of a tensor of shape \(ShapeText.describe(shape))")
            }
            return (axes.map { shape[$0] }, dtype)
        case .reshape(let x, let newShape):
            let (shape, dtype) = try x.info(source)
            guard newShape.allSatisfy({ $0 >= 0 }), newShape.reduce(1, *) == shape.reduce(1, *) else {
                throw LayoutProblem("shape \(ShapeText.describe(shape)) cannot be read as \(ShapeText.describe(newShape))")
            }
            return (newShape, dtype)
        case .rows(let x, let start, let count):
            var (shape, dtype) = try x.info(source)
            guard let first = shape.first, start >= 0, count >= 0, start + count <= first else {
                throw LayoutProblem("rows \(start)..<\(start + count) of a tensor of shape \(ShapeText.describe(shape))")
            }
            shape[0] = count
            return (shape, dtype)
        case .concatenate(let parts):
            let infos = try parts.map { part throws(LayoutProblem) in try part.info(source) }
            guard let first = infos.first, !first.shape.isEmpty,
                  infos.allSatisfy({ $0.dtype == first.dtype && $0.shape.count == first.shape.count && $0.shape.dropFirst() == first.shape.dropFirst() })
            else {
                throw LayoutProblem("tensors of shapes \(infos.map { ShapeText.describe($0.shape) }.joined(separator: ", ")) cannot be joined along their first axis")
            }
            return ([infos.reduce(0) { $0 + $1.shape[0] }] + first.shape.dropFirst(), first.dtype)
        case .sum(let a, let b):
            let (left, right) = (try a.info(source), try b.info(source))
            guard left.shape == right.shape, left.dtype == right.dtype, left.dtype.isFloatingPoint else {
                throw LayoutProblem("a \(left.dtype.rawValue) \(ShapeText.describe(left.shape)) and a \(right.dtype.rawValue) \(ShapeText.describe(right.shape)) tensor cannot be added")
            }
            return left
        case .zeros(let x):
            return try x.info(source)
        case .int64Zero:
            return ([], .int64)
        }
    }

    /// The result's values, reading each source with `load` (call ``info(_:)`` first: this
    /// assumes the shapes fit).
    func evaluate(_ load: (String) throws -> HostTensor) rethrows -> HostTensor {
        switch self {
        case .source(let name): return try load(name)
        case .permute(let x, let axes): return try x.evaluate(load).permuted(axes)
        case .reshape(let x, let shape): return try x.evaluate(load).reshaped(shape)
        case .rows(let x, let start, let count): return try x.evaluate(load).rows(start, count)
        case .concatenate(let parts): return HostTensor.concatenated(try parts.map { try $0.evaluate(load) })
        case .sum(let a, let b): return try a.evaluate(load).adding(try b.evaluate(load))
        case .zeros(let x):
            let value = try x.evaluate(load)
            return HostTensor.zeros(shape: value.shape, dtype: value.dtype)
        case .int64Zero: return HostTensor.zeros(shape: [], dtype: .int64)
        }
    }
}

/// Why an expression does not fit its sources; the caller names the layer.
struct LayoutProblem: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
