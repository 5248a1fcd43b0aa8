/// Reads one zip entry's uncompressed bytes in order, in pieces of any size, and checks them
/// against the entry's CRC-32 and declared size when finished.
///
/// Stored data is read straight into the caller's buffer; deflated data is inflated into it
/// from a bounded input buffer. Nothing here allocates more than `chunkCapacity` bytes, so a
/// hostile size can only cost reads, never memory.
final class ZipEntryReader {
    /// The entry being read.
    let entry: ZipReader.Entry
    private let file: InputFile
    private let chunkCapacity: Int
    private var delivered = 0
    private var crc = CRC32()

    private var inflater: ZipInflater?
    private var input: UnsafeMutableRawBufferPointer?
    private var inputStart = 0
    private var inputEnd = 0
    private var compressedRead = 0
    private var streamEnded = false

    init(file: InputFile, entry: ZipReader.Entry, chunkCapacity: Int) {
        self.file = file
        self.entry = entry
        self.chunkCapacity = max(chunkCapacity, 4096)
    }

    deinit {
        input?.deallocate()
    }

    /// Uncompressed bytes not yet read.
    var remaining: Int { entry.uncompressedSize - delivered }

    /// Fills `buffer` with the next `buffer.count` bytes of the entry.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard buffer.count <= remaining else {
            throw corrupt("asked for \(buffer.count) bytes at \(delivered) but the member holds \(entry.uncompressedSize)")
        }
        guard !buffer.isEmpty else { return }
        switch entry.method {
        case .stored:
            do {
                try file.read(into: buffer, at: entry.dataOffset + delivered)
            } catch {
                throw NPZError(error, member: entry.name)
            }
        case .deflated:
            try inflate(into: buffer)
        }
        crc.update(UnsafeRawBufferPointer(buffer))
        delivered += buffer.count
    }

    /// Returns the next `count` bytes of the entry.
    func read(count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw corrupt("asked for \(count) bytes at \(delivered) but the member holds \(entry.uncompressedSize)")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(into: $0) }
        return bytes
    }

    /// Checks that the whole entry was read, that nothing follows it, and its CRC-32.
    func finish() throws {
        guard remaining == 0 else {
            throw corrupt("finished reading with \(remaining) bytes unread")
        }
        if entry.method == .deflated {
            if !streamEnded {
                // The declared size has been produced; the stream must end here.
                var scratch: UInt8 = 0
                try withUnsafeMutableBytes(of: &scratch) { one in
                    while !streamEnded {
                        if try inflateStep(into: one) > 0 {
                            throw corrupt("deflate data holds more than the declared \(entry.uncompressedSize) bytes")
                        }
                    }
                }
            }
            let unused = (inputEnd - inputStart) + (entry.compressedSize - compressedRead)
            guard unused == 0 else {
                throw corrupt("\(unused) compressed bytes follow the end of the deflate stream")
            }
        }
        guard crc.value == entry.crc32 else {
            throw NPZError(.checksumMismatch, path: file.path, member: entry.name, reason: "CRC-32 mismatch: the data gives \(hex(crc.value)), the directory says \(hex(entry.crc32))")
        }
    }

    // MARK: - Inflate

    private func inflate(into buffer: UnsafeMutableRawBufferPointer) throws {
        var filled = 0
        while filled < buffer.count {
            guard !streamEnded else {
                throw corrupt("deflate data ends after \(delivered + filled) bytes but \(entry.uncompressedSize) were declared")
            }
            // zlib counts in 32 bits; hand it at most 1 GiB of output at a time.
            let end = min(buffer.count, filled + (1 << 30))
            filled += try inflateStep(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled ..< end]))
        }
    }

    /// One inflate call, refilling the input first if it is empty; returns bytes produced.
    private func inflateStep(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        let inflater = try currentInflater()
        if inputStart == inputEnd && compressedRead < entry.compressedSize {
            try refill()
        }
        let available = UnsafeRawBufferPointer(rebasing: (input ?? UnsafeMutableRawBufferPointer(start: nil, count: 0))[inputStart ..< inputEnd])
        let step: ZipInflater.Step
        do {
            step = try inflater.inflate(from: available, into: output)
        } catch {
            throw corrupt("invalid deflate data: \(error)")
        }
        inputStart += step.consumed
        if step.streamEnded { streamEnded = true }
        if step.consumed == 0 && step.produced == 0 && !step.streamEnded {
            throw corrupt("deflate data is truncated: \(entry.compressedSize) compressed bytes end mid-stream")
        }
        return step.produced
    }

    private func currentInflater() throws -> ZipInflater {
        if let inflater { return inflater }
        do {
            let made = try ZipInflater()
            inflater = made
            return made
        } catch {
            throw NPZError(.io, path: file.path, member: entry.name, reason: "cannot start decompression: \(error)")
        }
    }

    private func refill() throws {
        let buffer: UnsafeMutableRawBufferPointer
        if let input {
            buffer = input
        } else {
            buffer = .allocate(byteCount: min(chunkCapacity, max(entry.compressedSize, 1)), alignment: 16)
            input = buffer
        }
        let count = min(buffer.count, entry.compressedSize - compressedRead)
        do {
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< count]), at: entry.dataOffset + compressedRead)
        } catch {
            throw NPZError(error, member: entry.name)
        }
        compressedRead += count
        inputStart = 0
        inputEnd = count
    }

    private func corrupt(_ reason: String) -> NPZError {
        NPZError(.corruptArchive, path: file.path, member: entry.name, reason: reason)
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
