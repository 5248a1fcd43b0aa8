/// A streaming zip writer: entries are written one after another, each in pieces of any size.
///
/// Local headers are written when an entry begins and patched in place (CRC-32, sizes) when it
/// ends, so no data descriptors are needed. Entries switch to ZIP64 records only when a size
/// or offset needs it (or always, with `forceZip64`, to exercise those paths on small files).
/// Timestamps are fixed at 1980-01-01 00:00, so the same input gives the same bytes.
///
/// The writer does not open, sync, close or rename the file; its owner does.
final class ZipWriter {
    /// How an entry's bytes are stored.
    enum Method: Sendable, Hashable {
        /// Stored as is (zip method 0).
        case stored
        /// Raw deflate at a zlib level, 0...9 (zip method 8).
        case deflated(level: Int)
    }

    private struct CentralRecord {
        var nameBytes: [UInt8]
        var methodCode: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
        var localHasZip64: Bool
    }

    private struct OpenEntry {
        var name: String
        var record: CentralRecord
        var declaredSize: Int?
        var dataStart: Int
        var crc = CRC32()
        /// The CRC-32 of data written elsewhere.
        var crcOverride: UInt32?
        var uncompressed = 0
        var deflating: Bool
    }

    private enum State { case ready, inEntry(OpenEntry), finished, failed }

    private let file: OutputFile
    private let forceZip64: Bool
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private var records: [CentralRecord] = []
    private var names: Set<String> = []
    private var state = State.ready
    private var deflater: ZipParallelDeflater?

    /// Writes to `file` from its current offset. `forceZip64` makes every record ZIP64 (tests).
    init(file: OutputFile, forceZip64: Bool = false, bufferCapacity: Int = 1 << 20) {
        self.file = file
        self.forceZip64 = forceZip64
        buffer = .allocate(byteCount: max(bufferCapacity, 4096), alignment: 64)
    }

    deinit {
        buffer.deallocate()
    }

    /// The offset in the file that the next byte goes to.
    var offset: Int { file.offset + buffered }

    /// The path of the archive being written, for messages.
    var path: String { file.path }

    /// Starts an entry.
    ///
    /// - Parameters:
    ///   - uncompressedSize: the entry's size if known; it is then enforced.
    ///   - mayExceed4GiB: for entries of unknown size, reserve a ZIP64 extra field in the local
    ///     header so the entry may grow past 4 GiB. Without it, such growth is an error.
    ///   - alignment: pad the local header (zipalign extra field) so stored data starts at a
    ///     multiple of this in the file. Ignored for deflated entries.
    func beginEntry(
        name: String,
        method: Method,
        uncompressedSize: Int? = nil,
        mayExceed4GiB: Bool = false,
        alignment: Int = 1
    ) throws {
        try guarded(member: name) {
            guard case .ready = state else {
                throw usage(name, "beginEntry called while another entry is open or after finish")
            }
            if let reason = ZipFormat.problem(withName: name) {
                throw NPZError(.invalidName, path: path, member: name, reason: reason)
            }
            let nameBytes = Array(name.utf8)
            guard nameBytes.count <= 0xFFFF else {
                throw NPZError(.invalidName, path: path, member: name, reason: "the name is longer than 65535 bytes")
            }
            guard !names.contains(name) else {
                throw NPZError(.invalidName, path: path, member: name, reason: "an entry with this name was already written")
            }
            if let size = uncompressedSize, size < 0 {
                throw usage(name, "negative uncompressed size \(size)")
            }
            guard (1 ... 4096).contains(alignment), alignment & (alignment - 1) == 0 else {
                throw usage(name, "alignment \(alignment) is not a power of two up to 4096")
            }

            var flags = ZipFormat.flagUTF8
            let methodCode: UInt16
            switch method {
            case .stored:
                methodCode = ZipFormat.methodStored
            case .deflated(let level):
                guard (0 ... 9).contains(level) else {
                    throw usage(name, "deflate level \(level) is outside 0...9")
                }
                methodCode = ZipFormat.methodDeflated
                // 4.4.4 bits 1-2 record the deflate option, following Info-ZIP's mapping.
                switch level {
                case 8, 9: flags |= 1 << 1
                case 2: flags |= 1 << 2
                case 1: flags |= 3 << 1
                default: break
                }
            }

            let localHasZip64: Bool
            if forceZip64 {
                localHasZip64 = true
            } else if let size = uncompressedSize {
                localHasZip64 = Self.worstCaseSize(size, method: method) >= Int(ZipFormat.zip64Marker32)
            } else {
                localHasZip64 = mayExceed4GiB
            }

            let headerOffset = offset
            let knownCompressed: Int? = (method == .stored) ? uncompressedSize : nil
            var extra = ZipFormat.RecordBuilder(capacity: 64)
            if localHasZip64 {
                // 4.5.3: the local header's zip64 extra holds both sizes.
                extra.u16(ZipFormat.zip64ExtraID)
                extra.u16(16)
                extra.u64(UInt64(uncompressedSize ?? 0))
                extra.u64(UInt64(knownCompressed ?? 0))
            }
            if method == .stored, alignment > 1 {
                let unpadded = headerOffset + ZipFormat.localHeaderSize + nameBytes.count + extra.bytes.count
                var padding = (alignment - unpadded % alignment) % alignment
                while padding > 0 && padding < ZipFormat.alignmentExtraMinimumSize { padding += alignment }
                if padding > 0 {
                    extra.u16(ZipFormat.alignmentExtraID)
                    extra.u16(UInt16(padding - 4))
                    extra.u16(UInt16(alignment))
                    extra.zeros(padding - ZipFormat.alignmentExtraMinimumSize)
                }
            }

            var header = ZipFormat.RecordBuilder(capacity: ZipFormat.localHeaderSize + nameBytes.count + extra.bytes.count)
            header.u32(ZipFormat.localHeaderSignature)
            header.u16(localHasZip64 ? ZipFormat.versionZip64 : ZipFormat.versionDeflate)
            header.u16(flags)
            header.u16(methodCode)
            header.u16(ZipFormat.dosTime)
            header.u16(ZipFormat.dosDate)
            header.u32(0)  // CRC-32, patched in endEntry
            header.u32(localHasZip64 ? ZipFormat.zip64Marker32 : UInt32(knownCompressed ?? 0))
            header.u32(localHasZip64 ? ZipFormat.zip64Marker32 : UInt32(uncompressedSize ?? 0))
            header.u16(UInt16(nameBytes.count))
            header.u16(UInt16(extra.bytes.count))
            header.raw(nameBytes)
            header.raw(extra.bytes)
            try writeBuffered(header.bytes)

            if case .deflated(let level) = method {
                if let deflater, deflater.level == level {
                    deflater.reset()
                } else {
                    deflater = try ZipParallelDeflater(level: level)
                }
            }
            let record = CentralRecord(
                nameBytes: nameBytes, methodCode: methodCode, flags: flags, crc: 0,
                compressedSize: 0, uncompressedSize: 0, localHeaderOffset: headerOffset,
                localHasZip64: localHasZip64
            )
            names.insert(name)
            state = .inEntry(OpenEntry(
                name: name, record: record, declaredSize: uncompressedSize, dataStart: offset,
                deflating: methodCode == ZipFormat.methodDeflated
            ))
        }
    }

    /// Appends the next bytes of the open entry.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard case .inEntry(var entry) = state else {
            try guarded(member: nil) { throw usage(nil, "append called with no open entry") }
            return
        }
        try guarded(member: entry.name) {
            if let declared = entry.declaredSize, bytes.count > declared - entry.uncompressed {
                throw usage(entry.name, "appending \(bytes.count) bytes after \(entry.uncompressed) exceeds the declared size of \(declared) bytes")
            }
            entry.crc.update(bytes)
            entry.uncompressed += bytes.count
            if entry.deflating, let deflater {
                try deflater.compress(bytes, finish: false) { try writeBuffered($0) }
            } else {
                try writeBuffered(bytes)
            }
            state = .inEntry(entry)
        }
    }

    /// Hands the open (stored, still empty) entry's data to another writer: writes out what is
    /// buffered and returns the file offset where the data starts. Someone else then writes the
    /// data there (an HDF5 file created in place, ``HDF5EmbeddedDriver``), through the file
    /// system; `endEntry(writtenElsewhere:crc:)` ends the entry.
    func beginDataWrittenElsewhere() throws -> Int {
        guard case .inEntry(let entry) = state else {
            try guarded(member: nil) { throw usage(nil, "beginDataWrittenElsewhere called with no open entry") }
            return 0
        }
        try guarded(member: entry.name) {
            guard !entry.deflating, entry.uncompressed == 0 else {
                throw usage(entry.name, "only an empty stored entry's data can be written elsewhere")
            }
            try flush()
        }
        return entry.dataStart
    }

    /// Ends an entry whose `size` data bytes, of CRC-32 `crc`, were written at its data offset
    /// by another writer (`beginDataWrittenElsewhere`); sequential writes continue after them.
    func endEntry(writtenElsewhere size: Int, crc: UInt32) throws {
        guard case .inEntry(var entry) = state else {
            try guarded(member: nil) { throw usage(nil, "endEntry called with no open entry") }
            return
        }
        try guarded(member: entry.name) {
            guard buffered == 0, file.offset == entry.dataStart, size >= 0 else {
                throw usage(entry.name, "the entry's data was written here too")
            }
            try file.seek(to: entry.dataStart + size)
            entry.uncompressed = size
            entry.crcOverride = crc
            state = .inEntry(entry)
        }
        try endEntry()
    }

    /// Ends the open entry: flushes the compressor and patches the local header.
    func endEntry() throws {
        guard case .inEntry(var entry) = state else {
            try guarded(member: nil) { throw usage(nil, "endEntry called with no open entry") }
            return
        }
        try guarded(member: entry.name) {
            if entry.deflating, let deflater {
                try deflater.compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { try writeBuffered($0) }
            }
            if let declared = entry.declaredSize, entry.uncompressed != declared {
                throw usage(entry.name, "entry ended after \(entry.uncompressed) bytes but \(declared) were declared")
            }
            let compressed = offset - entry.dataStart
            let limit = Int(ZipFormat.zip64Marker32)
            if !entry.record.localHasZip64 && (compressed >= limit || entry.uncompressed >= limit) {
                throw usage(entry.name, "entry grew past 4 GiB but was begun without a size or mayExceed4GiB")
            }
            entry.record.crc = entry.crcOverride ?? entry.crc.value
            entry.record.compressedSize = compressed
            entry.record.uncompressedSize = entry.uncompressed

            let headerOffset = entry.record.localHeaderOffset
            var crcField = ZipFormat.RecordBuilder(capacity: 12)
            crcField.u32(entry.record.crc)
            if entry.record.localHasZip64 {
                try patch(crcField.bytes, at: headerOffset + 14)
                var sizes = ZipFormat.RecordBuilder(capacity: 16)
                sizes.u64(UInt64(entry.uncompressed))
                sizes.u64(UInt64(compressed))
                // The zip64 extra comes first in the extra field: 4 bytes of ID and length.
                try patch(sizes.bytes, at: headerOffset + ZipFormat.localHeaderSize + entry.record.nameBytes.count + 4)
            } else {
                crcField.u32(UInt32(compressed))
                crcField.u32(UInt32(entry.uncompressed))
                try patch(crcField.bytes, at: headerOffset + 14)
            }
            records.append(entry.record)
            state = .ready
        }
    }

    /// The archive comment (at most 65 535 bytes), written after the end record: zip readers,
    /// NumPy's `np.load` included, ignore it.
    var comment: [UInt8] = []

    /// Writes the central directory and end records, and flushes everything to the file.
    func finish() throws {
        try guarded(member: nil) {
            guard case .ready = state else {
                throw usage(nil, "finish called with an entry still open or after finish")
            }
            let directoryStart = offset
            for record in records {
                try writeBuffered(centralHeader(for: record))
            }
            let directorySize = offset - directoryStart
            let limit16 = Int(ZipFormat.zip64Marker16)
            let limit32 = Int(ZipFormat.zip64Marker32)
            let countNeedsZip64 = forceZip64 || records.count >= limit16
            let sizeNeedsZip64 = forceZip64 || directorySize >= limit32
            let offsetNeedsZip64 = forceZip64 || directoryStart >= limit32

            var end = ZipFormat.RecordBuilder(capacity: 98)
            if countNeedsZip64 || sizeNeedsZip64 || offsetNeedsZip64 {
                let zip64EndOffset = offset
                // 4.3.14 zip64 end of central directory record (version 1, no extensible data).
                end.u32(ZipFormat.zip64EndOfCentralDirectorySignature)
                end.u64(UInt64(ZipFormat.zip64EndOfCentralDirectorySize - 12))
                end.u16(ZipFormat.hostUnix | ZipFormat.versionZip64)
                end.u16(ZipFormat.versionZip64)
                end.u32(0)  // number of this disk
                end.u32(0)  // disk where the central directory starts
                end.u64(UInt64(records.count))
                end.u64(UInt64(records.count))
                end.u64(UInt64(directorySize))
                end.u64(UInt64(directoryStart))
                // 4.3.15 zip64 end of central directory locator.
                end.u32(ZipFormat.zip64LocatorSignature)
                end.u32(0)
                end.u64(UInt64(zip64EndOffset))
                end.u32(1)  // total number of disks
            }
            // 4.3.16 end of central directory record; fields too small hold the marker.
            end.u32(ZipFormat.endOfCentralDirectorySignature)
            end.u16(0)
            end.u16(0)
            let count16 = countNeedsZip64 ? ZipFormat.zip64Marker16 : UInt16(records.count)
            end.u16(count16)
            end.u16(count16)
            end.u32(sizeNeedsZip64 ? ZipFormat.zip64Marker32 : UInt32(directorySize))
            end.u32(offsetNeedsZip64 ? ZipFormat.zip64Marker32 : UInt32(directoryStart))
            end.u16(UInt16(min(comment.count, Int(UInt16.max))))  // comment length
            try writeBuffered(end.bytes + comment.prefix(Int(UInt16.max)))
            try flush()
            state = .finished
        }
    }

    // MARK: - Records

    private func centralHeader(for record: CentralRecord) -> [UInt8] {
        let limit = Int(ZipFormat.zip64Marker32)
        let uncompressedInExtra = forceZip64 || record.uncompressedSize >= limit
        let compressedInExtra = forceZip64 || record.compressedSize >= limit
        let offsetInExtra = forceZip64 || record.localHeaderOffset >= limit
        // 4.5.3: in the central directory, only the fields that overflowed appear, in order.
        var extra = ZipFormat.RecordBuilder(capacity: 28)
        if uncompressedInExtra || compressedInExtra || offsetInExtra {
            extra.u16(ZipFormat.zip64ExtraID)
            extra.u16(UInt16(8 * [uncompressedInExtra, compressedInExtra, offsetInExtra].filter { $0 }.count))
            if uncompressedInExtra { extra.u64(UInt64(record.uncompressedSize)) }
            if compressedInExtra { extra.u64(UInt64(record.compressedSize)) }
            if offsetInExtra { extra.u64(UInt64(record.localHeaderOffset)) }
        }
        let usesZip64 = record.localHasZip64 || !extra.bytes.isEmpty
        let version = usesZip64 ? ZipFormat.versionZip64 : ZipFormat.versionDeflate

        var header = ZipFormat.RecordBuilder(capacity: ZipFormat.centralHeaderSize + record.nameBytes.count + extra.bytes.count)
        header.u32(ZipFormat.centralHeaderSignature)
        header.u16(ZipFormat.hostUnix | version)
        header.u16(version)
        header.u16(record.flags)
        header.u16(record.methodCode)
        header.u16(ZipFormat.dosTime)
        header.u16(ZipFormat.dosDate)
        header.u32(record.crc)
        header.u32(compressedInExtra ? ZipFormat.zip64Marker32 : UInt32(record.compressedSize))
        header.u32(uncompressedInExtra ? ZipFormat.zip64Marker32 : UInt32(record.uncompressedSize))
        header.u16(UInt16(record.nameBytes.count))
        header.u16(UInt16(extra.bytes.count))
        header.u16(0)  // comment length
        header.u16(0)  // disk number start
        header.u16(0)  // internal attributes
        header.u32(ZipFormat.externalAttributesFile)
        header.u32(offsetInExtra ? ZipFormat.zip64Marker32 : UInt32(record.localHeaderOffset))
        header.raw(record.nameBytes)
        header.raw(extra.bytes)
        return header.bytes
    }

    /// The most bytes an entry of `size` can occupy: deflate may expand incompressible data by
    /// 5 bytes per 16 KiB stored block plus a few bytes; 1/1024 + 1 KiB covers it.
    private static func worstCaseSize(_ size: Int, method: Method) -> Int {
        switch method {
        case .stored: return size
        case .deflated: return size + size / 1024 + 1024
        }
    }

    // MARK: - Buffered output

    /// Buffers small writes; writes at least as large as the buffer go straight to the file.
    /// A write never straddles the buffer and the file, so header patches stay simple.
    private func writeBuffered(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        if bytes.count > buffer.count - buffered {
            try flush()
        }
        if bytes.count >= buffer.count {
            try file.write(bytes)
        } else {
            UnsafeMutableRawBufferPointer(rebasing: buffer[buffered...]).copyMemory(from: bytes)
            buffered += bytes.count
        }
    }

    private func writeBuffered(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeBuffered($0) }
    }

    private func flush() throws {
        guard buffered > 0 else { return }
        try file.write(UnsafeRawBufferPointer(rebasing: buffer[0 ..< buffered]))
        buffered = 0
    }

    /// Overwrites already-written bytes, in the buffer if they are still there.
    private func patch(_ bytes: [UInt8], at position: Int) throws {
        let bufferStart = file.offset
        if position >= bufferStart, position + bytes.count <= bufferStart + buffered {
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[(position - bufferStart)...])
                    .copyMemory(from: source)
            }
        } else {
            if position + bytes.count > bufferStart { try flush() }
            try file.write(bytes, at: position)
        }
    }

    // MARK: - Errors

    /// Runs `body`; any error poisons the writer and comes out as an `NPZError`.
    private func guarded(member: String?, _ body: () throws -> Void) throws(NPZError) {
        if case .failed = state {
            throw NPZError(.usage, path: path, member: member, reason: "the archive writer already failed; start again")
        }
        do {
            try body()
        } catch let error as NPZError {
            state = .failed
            throw error
        } catch let error as FileIOError {
            state = .failed
            throw NPZError(error, member: member)
        } catch let error as ZlibError {
            state = .failed
            throw NPZError(.io, path: path, member: member, reason: "compression failed: \(error)")
        } catch {
            state = .failed
            throw NPZError(.io, path: path, member: member, reason: "\(error)")
        }
    }

    private func usage(_ member: String?, _ reason: String) -> NPZError {
        NPZError(.usage, path: path, member: member, reason: reason)
    }
}
