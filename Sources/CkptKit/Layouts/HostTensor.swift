/// One tensor's values in memory (native little-endian, C order), for the index permutations
/// and the few sums a layout change needs. A layout change holds the tensors of one target
/// tensor at a time (an LSTM's `bias_ih_l0` needs the Keras bias, an attention's
/// `in_proj_weight` the three projection kernels), never a whole model.
struct HostTensor: Sendable, Equatable {
    var shape: [Int]
    var dtype: DType
    var bytes: [UInt8]

    init(shape: [Int], dtype: DType, bytes: [UInt8]) {
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes
    }

    var elementCount: Int { shape.reduce(1, *) }

    /// Zeros of `shape` (all-zero bytes are 0 in every dtype ckpt has).
    static func zeros(shape: [Int], dtype: DType) -> HostTensor {
        HostTensor(shape: shape, dtype: dtype, bytes: [UInt8](repeating: 0, count: shape.reduce(1, *) * dtype.byteSize))
    }

    /// The same values with axes reordered: axis `i` of the result is axis `axes[i]` of this
    /// tensor (NumPy's `transpose(axes)`), by a strided copy.
    func permuted(_ axes: [Int]) -> HostTensor {
        let outShape = axes.map { shape[$0] }
        guard axes != Array(0..<shape.count), elementCount > 0 else { return HostTensor(shape: outShape, dtype: dtype, bytes: bytes) }
        var inStrides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { inStrides[axis] = inStrides[axis + 1] * shape[axis + 1] }
        let strides = axes.map { inStrides[$0] }
        var out = [UInt8](repeating: 0, count: bytes.count)
        switch dtype.byteSize {
        case 1: Self.gather(UInt8.self, bytes, into: &out, shape: outShape, strides: strides)
        case 2: Self.gather(UInt16.self, bytes, into: &out, shape: outShape, strides: strides)
        case 4: Self.gather(UInt32.self, bytes, into: &out, shape: outShape, strides: strides)
        default: Self.gather(UInt64.self, bytes, into: &out, shape: outShape, strides: strides)
        }
        return HostTensor(shape: outShape, dtype: dtype, bytes: out)
    }

    /// Copies the elements of `source` at the offsets `strides` give, in the C order of `shape`.
    private static func gather<T: FixedWidthInteger>(_: T.Type, _ source: [UInt8], into out: inout [UInt8], shape: [Int], strides: [Int]) {
        source.withUnsafeBytes { raw in
            out.withUnsafeMutableBytes { outRaw in
                let input = raw.bindMemory(to: T.self)
                let output = outRaw.bindMemory(to: T.self)
                let rank = shape.count
                let inner = shape[rank - 1], innerStride = strides[rank - 1]
                var index = [Int](repeating: 0, count: rank)
                var written = 0
                let total = output.count
                while written < total {
                    var base = 0
                    for axis in 0..<(rank - 1) { base += index[axis] * strides[axis] }
                    for k in 0..<inner { output[written + k] = input[base + k * innerStride] }
                    written += inner
                    // The odometer over every axis but the last.
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < shape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }

    /// The same values under another shape of the same element count.
    func reshaped(_ newShape: [Int]) -> HostTensor {
        HostTensor(shape: newShape, dtype: dtype, bytes: bytes)
    }

    /// Rows `start ..< start + count` of the first axis.
    func rows(_ start: Int, _ count: Int) -> HostTensor {
        let rowBytes = shape.dropFirst().reduce(dtype.byteSize, *)
        var newShape = shape
        newShape[0] = count
        return HostTensor(shape: newShape, dtype: dtype, bytes: Array(bytes[(start * rowBytes) ..< ((start + count) * rowBytes)]))
    }

    /// The tensors one after the other along the first axis (all of one dtype and inner shape).
    static func concatenated(_ parts: [HostTensor]) -> HostTensor {
        var shape = parts[0].shape
        shape[0] = parts.reduce(0) { $0 + $1.shape[0] }
        return HostTensor(shape: shape, dtype: parts[0].dtype, bytes: parts.flatMap(\.bytes))
    }

    /// The elementwise sum, computed in float64 and rounded once to the dtype (both tensors
    /// of one floating-point dtype and shape).
    func adding(_ other: HostTensor) -> HostTensor {
        var out = [UInt8](repeating: 0, count: bytes.count)
        let count = elementCount
        bytes.withUnsafeBytes { a in
            other.bytes.withUnsafeBytes { b in
                var sums = [Double](repeating: 0, count: count)
                for i in 0..<count {
                    sums[i] = ElementConversion.double(at: i, of: a, dtype: dtype) + ElementConversion.double(at: i, of: b, dtype: dtype)
                }
                sums.withUnsafeBytes { source in
                    out.withUnsafeMutableBytes { target in
                        ElementConversion.convert(source, from: .float64, to: dtype, into: target)
                    }
                }
            }
        }
        return HostTensor(shape: shape, dtype: dtype, bytes: out)
    }
}
