/// Reads the directory of a zip archive, treating the file as hostile.
///
/// Every count, size and offset is checked against the file before anything is allocated or
/// read from it: the end record is searched for only in the last 64 KiB + 22 bytes, entries
/// must fit inside the central directory, data must lie between its local header and the
/// central directory without overlapping another entry, names must be safe and unique, and
/// local headers must agree with the central directory.
final class ZipReader {
    /// How an entry's bytes are stored.
    enum Method: Sendable, Hashable {
        case stored
        case deflated
    }

    /// One member of the archive, with its data located.
    struct Entry: Sendable, Hashable {
        var name: String
        var method: Method
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
        /// The file offset of the entry's (compressed) data.
        var dataOffset: Int
    }

    /// The archive's path.
    let path: String
    /// The entries in central directory order.
    let entries: [Entry]
    /// The archive comment (the bytes after the end of central directory record).
    private(set) var comment: [UInt8] = []
    private let file: InputFile

    /// Opens the archive at `path` and validates its directory and local headers.
    init(path: String) throws {
        self.path = path
        do {
            file = try InputFile(path: path)
        } catch {
            throw NPZError(error)
        }
        do {
            (entries, comment) = try Self.readEntries(file: file)
        } catch let error as FileIOError {
            throw NPZError(error)
        }
    }

    /// A sequential reader of `entry`'s uncompressed bytes.
    func contents(of entry: Entry, chunkCapacity: Int = 1 << 20) -> ZipEntryReader {
        ZipEntryReader(file: file, entry: entry, chunkCapacity: chunkCapacity)
    }

    // MARK: - Directory

    private struct EndRecord {
        var entryCount: Int
        var directorySize: Int
        var directoryOffset: Int
        /// Where the end records begin; the central directory must end at or before this.
        var recordsStart: Int
        /// The archive comment.
        var comment: [UInt8] = []
    }

    private struct CentralEntry {
        var name: String
        var nameBytes: [UInt8]
        var method: Method
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    private static func readEntries(file: InputFile) throws -> ([Entry], [UInt8]) {
        let end = try readEndRecord(file: file)
        let central = try readCentralDirectory(file: file, end: end)
        var entries: [Entry] = []
        entries.reserveCapacity(central.count)
        for item in central {
            entries.append(try locate(item, file: file, directoryOffset: end.directoryOffset))
        }
        // Overlapping entries are the mark of a zip bomb (or a corrupt file); data must not
        // reach into the next local header.
        let byOffset = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (current, next) in zip(byOffset, byOffset.dropFirst()) where current.dataOffset + current.compressedSize > next.localHeaderOffset {
            throw corrupt(file, current.name, "its data overlaps entry '\(next.name)'")
        }
        return (entries, end.comment)
    }

    private static func readEndRecord(file: InputFile) throws -> EndRecord {
        let size = file.size
        guard size >= ZipFormat.endOfCentralDirectorySize else {
            throw corrupt(file, nil, "not a zip archive: the file is only \(size) bytes")
        }
        // 4.3.16: the end record is the last thing in the file apart from a comment of at most
        // 64 KiB, so the search never reads more than that.
        let tailLength = min(size, ZipFormat.endOfCentralDirectorySize + ZipFormat.maximumCommentLength)
        let tailStart = size - tailLength
        let tail = try file.read(count: tailLength, at: tailStart)
        var found: Int?
        var candidate = tailLength - ZipFormat.endOfCentralDirectorySize
        while candidate >= 0 {
            var cursor = ZipFormat.RecordCursor(tail, at: candidate)
            if cursor.u32() == ZipFormat.endOfCentralDirectorySignature {
                _ = cursor.skip(16)
                // Only a record whose comment runs exactly to the end of the file counts.
                if let commentLength = cursor.u16(), Int(commentLength) == cursor.remaining {
                    found = candidate
                    break
                }
            }
            candidate -= 1
        }
        guard let found else {
            throw corrupt(file, nil, "not a zip archive or truncated: no end of central directory record in the last \(tailLength) bytes")
        }
        var cursor = ZipFormat.RecordCursor(tail, at: found + 4)
        guard let disk = cursor.u16(), let directoryDisk = cursor.u16(),
              let diskEntries = cursor.u16(), let totalEntries = cursor.u16(),
              let directorySize = cursor.u32(), let directoryOffset = cursor.u32()
        else { throw corrupt(file, nil, "truncated end of central directory record") }
        let endOffset = tailStart + found
        guard disk == 0, directoryDisk == 0, diskEntries == totalEntries else {
            throw unsupported(file, nil, "multi-disk (spanned) archives are not supported")
        }
        var record = EndRecord(
            entryCount: Int(totalEntries), directorySize: Int(directorySize),
            directoryOffset: Int(directoryOffset), recordsStart: endOffset
        )
        record.comment = Array(tail[(found + ZipFormat.endOfCentralDirectorySize)...])

        // 4.3.15: a zip64 locator, if any, sits right before the end record.
        let locatorOffset = endOffset - ZipFormat.zip64LocatorSize
        if locatorOffset >= 0 {
            var locator = ZipFormat.RecordCursor(try file.read(count: ZipFormat.zip64LocatorSize, at: locatorOffset))
            if locator.u32() == ZipFormat.zip64LocatorSignature {
                guard let locatorDisk = locator.u32(), let zip64Offset = locator.u64(), let diskCount = locator.u32() else {
                    throw corrupt(file, nil, "truncated zip64 end of central directory locator")
                }
                guard locatorDisk == 0, diskCount <= 1 else {
                    throw unsupported(file, nil, "multi-disk (spanned) archives are not supported")
                }
                guard locatorOffset >= ZipFormat.zip64EndOfCentralDirectorySize,
                      zip64Offset <= UInt64(locatorOffset - ZipFormat.zip64EndOfCentralDirectorySize)
                else {
                    throw corrupt(file, nil, "the zip64 end of central directory offset \(zip64Offset) is outside the file")
                }
                let recordOffset = Int(zip64Offset)
                var zip64 = ZipFormat.RecordCursor(try file.read(count: ZipFormat.zip64EndOfCentralDirectorySize, at: recordOffset))
                guard zip64.u32() == ZipFormat.zip64EndOfCentralDirectorySignature else {
                    throw corrupt(file, nil, "no zip64 end of central directory record at offset \(recordOffset)")
                }
                guard let recordSize = zip64.u64(), let _ = zip64.u16(), let _ = zip64.u16(),
                      let disk64 = zip64.u32(), let directoryDisk64 = zip64.u32(),
                      let diskEntries64 = zip64.u64(), let totalEntries64 = zip64.u64(),
                      let directorySize64 = zip64.u64(), let directoryOffset64 = zip64.u64()
                else { throw corrupt(file, nil, "truncated zip64 end of central directory record") }
                guard recordSize >= UInt64(ZipFormat.zip64EndOfCentralDirectorySize - 12),
                      recordSize <= UInt64(locatorOffset - recordOffset - 12)
                else {
                    throw corrupt(file, nil, "the zip64 end of central directory record claims \(recordSize) bytes")
                }
                guard disk64 == 0, directoryDisk64 == 0, diskEntries64 == totalEntries64 else {
                    throw unsupported(file, nil, "multi-disk (spanned) archives are not supported")
                }
                let limit = UInt64(size)
                guard totalEntries64 <= limit, directorySize64 <= limit, directoryOffset64 <= limit else {
                    throw corrupt(file, nil, "the zip64 end record's counts or offsets exceed the file size (\(size) bytes)")
                }
                record = EndRecord(
                    entryCount: Int(totalEntries64), directorySize: Int(directorySize64),
                    directoryOffset: Int(directoryOffset64), recordsStart: recordOffset
                )
            }
        }

        guard record.directoryOffset <= record.recordsStart,
              record.directorySize <= record.recordsStart - record.directoryOffset
        else {
            throw corrupt(file, nil, "the central directory (offset \(record.directoryOffset), \(record.directorySize) bytes) lies outside the file before its end record at \(record.recordsStart)")
        }
        let (minimumSize, overflow) = record.entryCount.multipliedReportingOverflow(by: ZipFormat.centralHeaderSize)
        guard !overflow, minimumSize <= record.directorySize else {
            throw corrupt(file, nil, "\(record.entryCount) entries cannot fit in a central directory of \(record.directorySize) bytes")
        }
        return record
    }

    private static func readCentralDirectory(file: InputFile, end: EndRecord) throws -> [CentralEntry] {
        let directory = try file.read(count: end.directorySize, at: end.directoryOffset)
        var cursor = ZipFormat.RecordCursor(directory)
        var result: [CentralEntry] = []
        result.reserveCapacity(end.entryCount)
        var names: Set<String> = []
        for index in 0 ..< end.entryCount {
            let label = "central directory entry \(index)"
            guard cursor.u32() == ZipFormat.centralHeaderSignature else {
                throw corrupt(file, nil, "\(label) has no central header signature")
            }
            guard let _ = cursor.u16(), let _ = cursor.u16(), let flags = cursor.u16(),
                  let methodCode = cursor.u16(), let _ = cursor.u16(), let _ = cursor.u16(),
                  let crc = cursor.u32(), let compressed32 = cursor.u32(), let uncompressed32 = cursor.u32(),
                  let nameLength = cursor.u16(), let extraLength = cursor.u16(), let commentLength = cursor.u16(),
                  let diskStart16 = cursor.u16(), let _ = cursor.u16(), let _ = cursor.u32(),
                  let offset32 = cursor.u32(),
                  let nameBytes = cursor.take(Int(nameLength)),
                  let extra = cursor.take(Int(extraLength)),
                  cursor.skip(Int(commentLength))
            else { throw corrupt(file, nil, "\(label) runs past the end of the central directory") }

            guard let name = decodeName(nameBytes, flags: flags) else {
                throw NPZError(.invalidName, path: file.path, member: printable(nameBytes),
                               reason: "the name is not valid UTF-8")
            }
            if let reason = ZipFormat.problem(withName: name) {
                throw NPZError(.invalidName, path: file.path, member: name, reason: reason)
            }
            guard names.insert(name).inserted else {
                throw NPZError(.invalidName, path: file.path, member: name, reason: "the archive has two members with this name")
            }
            if flags & (ZipFormat.flagEncrypted | ZipFormat.flagStrongEncryption | ZipFormat.flagMaskedHeaders) != 0 {
                throw unsupported(file, name, "encrypted members are not supported")
            }
            let method: Method
            switch methodCode {
            case ZipFormat.methodStored: method = .stored
            case ZipFormat.methodDeflated: method = .deflated
            default: throw unsupported(file, name, "compression method \(methodCode) is not supported (only stored and deflate)")
            }

            // 4.5.3: fields holding the marker are in the zip64 extra, in this order.
            var uncompressed = UInt64(uncompressed32)
            var compressed = UInt64(compressed32)
            var offset = UInt64(offset32)
            var diskStart = UInt32(diskStart16)
            let needs = (
                uncompressed: uncompressed32 == ZipFormat.zip64Marker32,
                compressed: compressed32 == ZipFormat.zip64Marker32,
                offset: offset32 == ZipFormat.zip64Marker32,
                disk: diskStart16 == ZipFormat.zip64Marker16
            )
            if needs.uncompressed || needs.compressed || needs.offset || needs.disk {
                guard var zip64 = try zip64Extra(in: extra, file: file, member: name) else {
                    throw corrupt(file, name, "a size or offset is 0xFFFFFFFF but there is no zip64 extra field")
                }
                func next64() throws -> UInt64 {
                    guard let value = zip64.u64() else { throw corrupt(file, name, "the zip64 extra field is too short") }
                    return value
                }
                if needs.uncompressed { uncompressed = try next64() }
                if needs.compressed { compressed = try next64() }
                if needs.offset { offset = try next64() }
                if needs.disk {
                    guard let value = zip64.u32() else { throw corrupt(file, name, "the zip64 extra field is too short") }
                    diskStart = value
                }
            }
            guard diskStart == 0 else { throw unsupported(file, name, "multi-disk (spanned) archives are not supported") }

            let limit = UInt64(end.directoryOffset)
            guard offset <= limit, compressed <= limit else {
                throw corrupt(file, name, "its offset (\(offset)) or compressed size (\(compressed)) is beyond the central directory at \(limit)")
            }
            // Uncompressed sizes are limited by what their compressed size can plausibly hold.
            guard uncompressed <= UInt64(Int.max) else {
                throw corrupt(file, name, "uncompressed size \(uncompressed) is too large")
            }
            let compressedSize = Int(compressed)
            let uncompressedSize = Int(uncompressed)
            switch method {
            case .stored:
                guard compressedSize == uncompressedSize else {
                    throw corrupt(file, name, "stored member has compressed size \(compressedSize) but uncompressed size \(uncompressedSize)")
                }
            case .deflated:
                // A declared size over 4 GiB at more than 1000:1 is a zip bomb, and no deflate
                // stream can expand more than 1032:1 at all.
                if uncompressedSize > 1 << 32, uncompressedSize / 1000 > compressedSize {
                    throw corrupt(file, name, "declared size \(uncompressedSize) from \(compressedSize) compressed bytes looks like a zip bomb")
                }
                guard ZipFormat.isPlausibleDeflate(compressed: compressedSize, uncompressed: uncompressedSize) else {
                    throw corrupt(file, name, "declared size \(uncompressedSize) cannot come from \(compressedSize) deflated bytes")
                }
            }
            result.append(CentralEntry(
                name: name, nameBytes: nameBytes, method: method, crc32: crc,
                compressedSize: compressedSize, uncompressedSize: uncompressedSize,
                localHeaderOffset: Int(offset)
            ))
        }
        guard cursor.remaining == 0 else {
            throw corrupt(file, nil, "the central directory has \(cursor.remaining) bytes after its \(end.entryCount) entries")
        }
        return result
    }

    /// The data of the zip64 extended information field in `extra`, if there is one.
    private static func zip64Extra(in extra: [UInt8], file: InputFile, member: String) throws -> ZipFormat.RecordCursor? {
        var cursor = ZipFormat.RecordCursor(extra)
        while cursor.remaining >= 4 {
            guard let id = cursor.u16(), let length = cursor.u16(), let data = cursor.take(Int(length)) else {
                throw corrupt(file, member, "an extra field runs past the end of the extra data")
            }
            if id == ZipFormat.zip64ExtraID { return ZipFormat.RecordCursor(data) }
        }
        return nil
    }

    /// Checks the local header against the central entry and finds where the data starts.
    private static func locate(_ item: CentralEntry, file: InputFile, directoryOffset: Int) throws -> Entry {
        let fixed = ZipFormat.localHeaderSize
        guard item.localHeaderOffset <= directoryOffset - fixed - item.nameBytes.count else {
            throw corrupt(file, item.name, "its local header at \(item.localHeaderOffset) runs into the central directory")
        }
        var header = ZipFormat.RecordCursor(try file.read(count: fixed + item.nameBytes.count, at: item.localHeaderOffset))
        guard header.u32() == ZipFormat.localHeaderSignature else {
            throw corrupt(file, item.name, "no local header at offset \(item.localHeaderOffset)")
        }
        guard let _ = header.u16(), let flags = header.u16(), let methodCode = header.u16(),
              header.skip(16), let nameLength = header.u16(), let extraLength = header.u16()
        else { throw corrupt(file, item.name, "truncated local header") }
        guard Int(nameLength) == item.nameBytes.count, header.take(Int(nameLength)) == item.nameBytes else {
            throw corrupt(file, item.name, "the local header names a different file than the central directory")
        }
        let expectedMethod = item.method == .stored ? ZipFormat.methodStored : ZipFormat.methodDeflated
        guard methodCode == expectedMethod, flags & ZipFormat.flagEncrypted == 0 else {
            throw corrupt(file, item.name, "the local header's method or flags disagree with the central directory")
        }
        let dataOffset = item.localHeaderOffset + fixed + Int(nameLength) + Int(extraLength)
        guard dataOffset <= directoryOffset, item.compressedSize <= directoryOffset - dataOffset else {
            throw corrupt(file, item.name, "its data (\(item.compressedSize) bytes at offset \(dataOffset)) runs into the central directory")
        }
        return Entry(
            name: item.name, method: item.method, crc32: item.crc32,
            compressedSize: item.compressedSize, uncompressedSize: item.uncompressedSize,
            localHeaderOffset: item.localHeaderOffset, dataOffset: dataOffset
        )
    }

    /// Names flagged UTF-8 (bit 11) must be valid UTF-8; unflagged names must be ASCII (the
    /// alternative, code page 437, is not something tensor names use).
    private static func decodeName(_ bytes: [UInt8], flags: UInt16) -> String? {
        if flags & ZipFormat.flagUTF8 == 0, bytes.contains(where: { $0 >= 0x80 }) { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// A name that could not be decoded, with invalid bytes replaced, for the message.
    private static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func corrupt(_ file: InputFile, _ member: String?, _ reason: String) -> NPZError {
        NPZError(.corruptArchive, path: file.path, member: member, reason: reason)
    }

    private static func unsupported(_ file: InputFile, _ member: String?, _ reason: String) -> NPZError {
        NPZError(.unsupportedArchive, path: file.path, member: member, reason: reason)
    }
}
