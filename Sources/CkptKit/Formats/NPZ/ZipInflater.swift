import CZlib

/// Inflate from caller-owned input into caller-owned output: raw deflate (zip method 8) or, with
/// `zlibHeader`, the zlib format (HDF5's deflate filter).
///
/// The caller bounds both buffers, so a hostile stream can never make it allocate.
final class ZipInflater {
    /// The outcome of one `inflate` step.
    struct Step {
        var consumed: Int
        var produced: Int
        /// The deflate stream's final block has been decoded.
        var streamEnded: Bool
    }

    private let stream: UnsafeMutablePointer<z_stream>

    /// Creates an inflater for one raw deflate stream, or one zlib stream with `zlibHeader`.
    init(zlibHeader: Bool = false) throws(ZlibError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = ckpt_inflateInit2(stream, zlibHeader ? 15 : -15)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ZlibError(operation: "inflateInit2", code: status, message: nil)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decodes from `input` into `output` as far as both allow.
    ///
    /// Throws on corrupt data; returns zero consumed and produced when no progress is possible
    /// (the input is exhausted or the output is full).
    func inflate(from input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ZlibError) -> Step {
        // Buffers here are bounded by the reader (at most a few MiB per call), far below 4 GiB.
        let inCount = min(input.count, Int(UInt32.max))
        let outCount = min(output.count, Int(UInt32.max))
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(inCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(outCount)
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        switch status {
        case Z_OK, Z_STREAM_END, Z_BUF_ERROR:
            return Step(
                consumed: inCount - Int(stream.pointee.avail_in),
                produced: outCount - Int(stream.pointee.avail_out),
                streamEnded: status == Z_STREAM_END
            )
        default:
            throw ZlibError(operation: "inflate", code: status, message: stream.pointee.msg.map { String(cString: $0) })
        }
    }
}
