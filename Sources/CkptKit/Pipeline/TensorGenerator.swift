/// Generates a tensor's values in pieces of whole rows into reusable buffers, in the tensor's dtype.
///
/// Values are generated in float32 (float64 for float64 tensors) from the tensor's own stream and
/// converted to float16/bfloat16 with round-to-nearest-even at the end, so a value never depends
/// on how the tensor is split into pieces.
final class TensorGenerator {
    /// Elements per piece (4 MiB of float32): large enough for fast writes, small enough to bound memory.
    static let pieceElements = 1 << 20

    private var floats: UnsafeMutableBufferPointer<Float>
    private var doubles: UnsafeMutableBufferPointer<Double>
    private var halves: UnsafeMutableBufferPointer<UInt16>
    private let capacity: Int

    init(capacity: Int = TensorGenerator.pieceElements) {
        self.capacity = capacity
        floats = .allocate(capacity: capacity)
        doubles = .allocate(capacity: capacity)
        halves = .allocate(capacity: capacity)
    }

    deinit {
        floats.deallocate()
        doubles.deallocate()
        halves.deallocate()
    }

    /// Rows of the tensor per piece: as many whole rows as fit (at least one).
    func rowsPerPiece(_ info: TensorInfo) -> Int {
        let rowElements = info.shape.dropFirst().reduce(1, *)
        return max(1, capacity / max(1, rowElements))
    }

    /// Generates every value of `entry` and hands them to `body` piece by piece.
    func generate(_ entry: PlanEntry, seed: UInt64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let info = entry.info
        let stream = entry.stream(seed: seed)
        let total = info.elementCount
        if total == 0 { return }
        let distribution: Distribution
        switch entry.fill {
        case .structured(let structured):
            try generateWhole(structured, info: info, stream: stream, body)
            return
        case .elementwise(let elementwise):
            distribution = elementwise
        }
        let rowElements = info.shape.isEmpty ? 1 : info.shape.dropFirst().reduce(1, *)
        let piece = rowsPerPiece(info) * rowElements
        var offset = 0
        while offset < total {
            let count = min(piece, total - offset)
            if count > capacity {
                // One row larger than the buffers: generate it through a temporary buffer.
                try generateLarge(distribution, dtype: info.dtype, stream: stream, offset: offset, count: count, body)
            } else {
                try generatePiece(distribution, dtype: info.dtype, stream: stream, offset: offset, count: count, body)
            }
            offset += count
        }
    }

    /// A structured fill: the whole tensor in one buffer (float64 for float64 tensors, float32
    /// otherwise), converted to the dtype and handed out in pieces of the usual size.
    private func generateWhole(
        _ fill: StructuredFill, info: TensorInfo, stream: TensorStream,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let total = info.elementCount
        // Whole rows per piece, as for elementwise fills: HDF5 writers append whole rows.
        let pieces = Self.pieces(info, capacity: capacity)
        switch info.dtype {
        case .float64:
            let whole = UnsafeMutableBufferPointer<Double>.allocate(capacity: total)
            defer { whole.deallocate() }
            try fill.generate(shape: info.shape, stream: stream, into: whole)
            for range in pieces {
                try body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: whole[range])))
            }
        case .float32, .float16, .bfloat16:
            let whole = UnsafeMutableBufferPointer<Float>.allocate(capacity: total)
            defer { whole.deallocate() }
            try fill.generate(shape: info.shape, stream: stream, into: whole)
            for range in pieces {
                let source = UnsafeBufferPointer(rebasing: whole[range])
                if info.dtype == .float32 {
                    try body(UnsafeRawBufferPointer(source))
                } else if range.count <= capacity {
                    let out = UnsafeMutableBufferPointer(rebasing: halves[0..<range.count])
                    FloatConversion.narrow(source, out, to: info.dtype)
                    try body(UnsafeRawBufferPointer(out))
                } else {
                    // One row longer than the buffers.
                    let out = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: range.count)
                    defer { out.deallocate() }
                    FloatConversion.narrow(source, out, to: info.dtype)
                    try body(UnsafeRawBufferPointer(out))
                }
            }
        default:
            throw GenerationError("cannot generate values of dtype \(info.dtype.rawValue) for tensor \(info.name)")
        }
    }

    private func generateLarge(
        _ distribution: Distribution, dtype: DType, stream: TensorStream, offset: Int, count: Int,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let other = TensorGenerator(capacity: count)
        try other.generatePiece(distribution, dtype: dtype, stream: stream, offset: offset, count: count, body)
    }

    /// Whether `entry`'s pieces can be generated by `fillPiece` into buffers of `capacity`
    /// elements (an elementwise distribution, a float dtype, rows no longer than the buffers).
    static func fillsInPieces(_ entry: PlanEntry, capacity: Int) -> Bool {
        guard case .elementwise = entry.fill else { return false }
        switch entry.info.dtype {
        case .float16, .bfloat16, .float32, .float64: break
        default: return false
        }
        let rowElements = entry.info.shape.isEmpty ? 1 : entry.info.shape.dropFirst().reduce(1, *)
        return rowElements <= capacity
    }

    /// The element ranges of `entry`'s pieces: as many whole rows as fit in `capacity` elements.
    static func pieces(_ info: TensorInfo, capacity: Int) -> [Range<Int>] {
        let total = info.elementCount
        let rowElements = info.shape.isEmpty ? 1 : info.shape.dropFirst().reduce(1, *)
        let piece = max(1, capacity / max(1, rowElements)) * max(1, rowElements)
        return stride(from: 0, to: total, by: piece).map { $0..<min($0 + piece, total) }
    }

    /// Elements generated in float32 at a time before a float16/bfloat16 piece narrows them (64 KiB).
    static let narrowSlice = 1 << 14

    /// Generates elements `range` of a float tensor into `buffer` (at least 8 bytes per element
    /// of capacity) and returns the bytes in the tensor's dtype, which start at `buffer`.
    /// float16/bfloat16 are generated as float32 in the buffer's upper half, a slice at a time,
    /// then converted down.
    static func fillPiece(
        _ distribution: Distribution, dtype: DType, stream: TensorStream, range: Range<Int>,
        into buffer: UnsafeMutableRawPointer, capacity: Int
    ) -> UnsafeRawBufferPointer {
        let count = range.count
        switch dtype {
        case .float64:
            let out = UnsafeMutableBufferPointer(start: buffer.bindMemory(to: Double.self, capacity: count), count: count)
            distribution.fill(out, stream: stream, elementOffset: range.lowerBound)
            return UnsafeRawBufferPointer(out)
        case .float16, .bfloat16:
            // float32 in slices that stay in the L1/L2 cache, each converted down at once: the
            // piece's float32 copy never goes out to memory (element i depends on i alone, so the
            // slicing changes no value).
            let floats = (buffer + 4 * capacity).bindMemory(to: Float.self, capacity: min(count, narrowSlice))
            let halves = buffer.bindMemory(to: UInt16.self, capacity: count)
            var done = 0
            while done < count {
                let n = min(narrowSlice, count - done)
                let source = UnsafeMutableBufferPointer(start: floats, count: n)
                distribution.fill(source, stream: stream, elementOffset: range.lowerBound + done)
                FloatConversion.narrow(UnsafeBufferPointer(source), UnsafeMutableBufferPointer(start: halves + done, count: n), to: dtype)
                done += n
            }
            return UnsafeRawBufferPointer(start: halves, count: 2 * count)
        default:
            let out = UnsafeMutableBufferPointer(start: buffer.bindMemory(to: Float.self, capacity: count), count: count)
            distribution.fill(out, stream: stream, elementOffset: range.lowerBound)
            return UnsafeRawBufferPointer(out)
        }
    }

    private func generatePiece(
        _ distribution: Distribution, dtype: DType, stream: TensorStream, offset: Int, count: Int,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        switch dtype {
        case .float64:
            let out = UnsafeMutableBufferPointer(rebasing: doubles[0..<count])
            distribution.fill(out, stream: stream, elementOffset: offset)
            try body(UnsafeRawBufferPointer(out))
        case .float32:
            let out = UnsafeMutableBufferPointer(rebasing: floats[0..<count])
            distribution.fill(out, stream: stream, elementOffset: offset)
            try body(UnsafeRawBufferPointer(out))
        case .float16, .bfloat16:
            let source = UnsafeMutableBufferPointer(rebasing: floats[0..<count])
            distribution.fill(source, stream: stream, elementOffset: offset)
            let out = UnsafeMutableBufferPointer(rebasing: halves[0..<count])
            FloatConversion.narrow(UnsafeBufferPointer(source), out, to: dtype)
            try body(UnsafeRawBufferPointer(out))
        default:
            // Integer variables (Normalization's int32 `count`) take constant initializers only.
            guard case .constant(let value) = distribution else {
                throw GenerationError("an integer tensor (\(dtype.rawValue)) takes a constant initializer, not \(distribution.summary)")
            }
            let raw = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(doubles)[0..<(count * dtype.byteSize)])
            try Self.fillInteger(raw, dtype: dtype, value: value, count: count)
            try body(UnsafeRawBufferPointer(raw))
        }
    }

    /// Writes `count` copies of the integer `value` in `dtype` (little-endian, as every format
    /// stores it); throws when the value is not an integer the dtype holds.
    static func fillInteger(_ out: UnsafeMutableRawBufferPointer, dtype: DType, value: Double, count: Int) throws {
        func fill<T: FixedWidthInteger>(_ type: T.Type) throws {
            guard value.rounded() == value, let exact = T(exactly: value) else {
                throw GenerationError("the constant \(value) is not a \(dtype.rawValue) value")
            }
            let typed = out.bindMemory(to: T.self)
            for i in 0..<count { typed[i] = exact.littleEndian }
        }
        switch dtype {
        case .int8: try fill(Int8.self)
        case .int16: try fill(Int16.self)
        case .int32: try fill(Int32.self)
        case .int64: try fill(Int64.self)
        case .uint8: try fill(UInt8.self)
        case .uint16: try fill(UInt16.self)
        case .uint32: try fill(UInt32.self)
        case .uint64: try fill(UInt64.self)
        case .bool:
            guard value == 0 || value == 1 else { throw GenerationError("the constant \(value) is not a bool value") }
            try fill(UInt8.self)
        default:
            throw GenerationError("cannot generate values of dtype \(dtype.rawValue)")
        }
    }
}

/// An error generating values.
public struct GenerationError: LocatedError {
    /// What went wrong.
    public var message: String
    init(_ message: String) { self.message = message }
    public var location: String { "" }
}
