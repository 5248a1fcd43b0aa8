import CZlib

/// Raw deflate, as zip stores it (no zlib or gzip wrapper), streamed through a reusable output
/// buffer. The `z_stream` lives at a fixed address because zlib keeps a pointer back to it.
final class ZipDeflater {
    /// The compression level, 0 (store) to 9 (best).
    let level: Int
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer
    /// zlib lengths are 32-bit; larger inputs are fed in pieces of this size.
    private static let maximumPiece = 1 << 30

    /// Creates a deflater at `level` (0...9) with an output buffer of `outputCapacity` bytes.
    init(level: Int, strategy: Int32 = Z_DEFAULT_STRATEGY, outputCapacity: Int = 256 << 10) throws(ZlibError) {
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits -15: raw deflate with a 32 KiB window (zip method 8, APPNOTE 4.4.5).
        let status = ckpt_deflateInit2(stream, Int32(level), Z_DEFLATED, -15, 8, strategy)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ZlibError(operation: "deflateInit2(level: \(level))", code: status, message: nil)
        }
        output = .allocate(byteCount: max(outputCapacity, 4096), alignment: 64)
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Starts a new, independent deflate stream with the same settings.
    func reset() throws(ZlibError) {
        let status = deflateReset(stream)
        guard status == Z_OK else { throw error("deflateReset", status) }
    }

    /// Compresses `input`, passing every produced chunk to `sink`; `finish` ends the stream.
    func compress(
        _ input: UnsafeRawBufferPointer,
        finish: Bool,
        into sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try compress(input, last: finish ? Z_FINISH : Z_NO_FLUSH, into: sink)
    }

    /// Compresses `input` and ends with `last` (`Z_NO_FLUSH`, `Z_SYNC_FLUSH` to end on a byte
    /// boundary so another stream's blocks can follow, or `Z_FINISH`).
    func compress(
        _ input: UnsafeRawBufferPointer,
        last: Int32,
        into sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var rest = input
        repeat {
            let piece = min(rest.count, Self.maximumPiece)
            let flush = piece == rest.count ? last : Z_NO_FLUSH
            if piece == 0 && flush == Z_NO_FLUSH { return }
            stream.pointee.next_in = rest.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = uInt(piece)
            // zpipe.c's loop: run deflate until it leaves output space unused.
            repeat {
                stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(output.count)
                let status = deflate(stream, flush)
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw error("deflate", status)
                }
                let produced = output.count - Int(stream.pointee.avail_out)
                if produced > 0 {
                    try sink(UnsafeRawBufferPointer(rebasing: output[0 ..< produced]))
                }
            } while stream.pointee.avail_out == 0
            rest = UnsafeRawBufferPointer(rebasing: rest[piece...])
        } while !rest.isEmpty
    }

    private func error(_ operation: String, _ status: Int32) -> ZlibError {
        ZlibError(operation: operation, code: status, message: stream.pointee.msg.map { String(cString: $0) })
    }
}
