/// The two conversions from stored `.npy` layouts to ckpt's little-endian C order: byte
/// swapping big-endian data and transposing Fortran-order data. Hot loops, behind buffer APIs.
enum NPYLayout {
    /// Reverses the bytes of every `elementSize`-byte element of `buffer` in place.
    static func byteSwap(_ buffer: UnsafeMutableRawBufferPointer, elementSize: Int) {
        switch elementSize {
        case 2: swapElements(buffer, as: UInt16.self)
        case 4: swapElements(buffer, as: UInt32.self)
        case 8: swapElements(buffer, as: UInt64.self)
        default: break
        }
    }

    private static func swapElements<T: FixedWidthInteger>(_ buffer: UnsafeMutableRawBufferPointer, as _: T.Type) {
        let size = MemoryLayout<T>.size
        var offset = 0
        while offset + size <= buffer.count {
            let value = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
            buffer.storeBytes(of: value.byteSwapped, toByteOffset: offset, as: T.self)
            offset += size
        }
    }

    /// Copies `source`, a Fortran-order (column-major) array of `shape`, into `destination`
    /// in C order (row-major). Both buffers hold exactly the array's bytes.
    static func fortranToC(
        _ source: UnsafeRawBufferPointer,
        into destination: UnsafeMutableRawBufferPointer,
        shape: [Int],
        elementSize: Int
    ) {
        precondition(source.count == destination.count, "fortranToC needs equal buffer sizes")
        guard shape.count > 1, !source.isEmpty else {
            destination.copyMemory(from: source)
            return
        }
        switch elementSize {
        case 1: transpose(source, destination, shape, as: UInt8.self)
        case 2: transpose(source, destination, shape, as: UInt16.self)
        case 4: transpose(source, destination, shape, as: UInt32.self)
        default: transpose(source, destination, shape, as: UInt64.self)
        }
    }

    private static func transpose<T: FixedWidthInteger>(
        _ source: UnsafeRawBufferPointer,
        _ destination: UnsafeMutableRawBufferPointer,
        _ shape: [Int],
        as _: T.Type
    ) {
        let rank = shape.count
        // Fortran strides in elements: the first index varies fastest.
        var strides = [Int](repeating: 1, count: rank)
        for axis in 1 ..< rank { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        let innerCount = shape[rank - 1]
        let innerStride = strides[rank - 1]
        let size = MemoryLayout<T>.size
        var outerIndex = [Int](repeating: 0, count: rank - 1)
        var sourceBase = 0
        var written = 0
        let total = destination.count / size
        while written < total {
            var from = sourceBase
            for _ in 0 ..< innerCount {
                let value = source.loadUnaligned(fromByteOffset: from * size, as: T.self)
                destination.storeBytes(of: value, toByteOffset: written * size, as: T.self)
                from += innerStride
                written += 1
            }
            // Advance the C-order odometer over the outer axes, last axis fastest.
            var axis = rank - 2
            while axis >= 0 {
                outerIndex[axis] += 1
                sourceBase += strides[axis]
                if outerIndex[axis] < shape[axis] { break }
                sourceBase -= strides[axis] * shape[axis]
                outerIndex[axis] = 0
                axis -= 1
            }
        }
    }
}
