/// A float32 tensor of the analysis pass: row-major (C order) values, batch first.
struct AnalysisTensor: Sendable, Equatable {
    var shape: [Int]
    var values: [Float]

    init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    init(zeros shape: [Int]) {
        self.shape = shape
        values = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    var count: Int { values.count }
    var rank: Int { shape.count }

    /// The same values under another shape with as many elements.
    func reshaped(_ newShape: [Int]) -> AnalysisTensor { AnalysisTensor(shape: newShape, values: values) }

    /// The axes permuted: output axis i is input axis `order[i]`.
    func permuted(_ order: [Int]) -> AnalysisTensor {
        if order == Array(0..<rank) { return self }
        let newShape = order.map { shape[$0] }
        var strides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        let sourceStrides = order.map { strides[$0] }
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        values.withUnsafeBufferPointer { src in
            for flat in 0..<count {
                var offset = 0
                for axis in 0..<rank { offset += index[axis] * sourceStrides[axis] }
                out[flat] = src[offset]
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < newShape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return AnalysisTensor(shape: newShape, values: out)
    }

    /// The inverse of a permutation order.
    static func inverse(_ order: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: order.count)
        for (i, axis) in order.enumerated() { result[axis] = i }
        return result
    }

    static func + (a: AnalysisTensor, b: AnalysisTensor) -> AnalysisTensor {
        var out = a
        for i in out.values.indices { out.values[i] += b.values[i] }
        return out
    }
}
