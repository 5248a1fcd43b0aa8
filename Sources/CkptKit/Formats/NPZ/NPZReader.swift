/// Reads a NumPy `.npz` archive (from ckpt, `numpy.savez` or `numpy.savez_compressed`).
///
/// Opening validates the whole zip directory and every member's `.npy` header, so `tensors`
/// is known before any data is read and every size is checked against the file first.
/// Tensor data comes back as little-endian C-order bytes: big-endian members are byte-swapped
/// and Fortran-order members transposed. Each member's CRC-32 is verified when it is read.
/// Every error is an ``NPZError`` naming the file, the member and what was wrong.
public final class NPZReader {
    /// The archive's path.
    public let path: String
    /// The tensors in archive order, named by member name without `.npy`.
    public let tensors: [TensorInfo]

    private struct Member {
        var entry: ZipReader.Entry
        var header: NPYHeader
        var dataOffset: Int
        var info: TensorInfo
    }

    private let archive: ZipReader
    /// The archive comment (where ckpt keeps its recipe).
    var comment: [UInt8] { archive.comment }
    private let members: [String: Member]

    /// Opens the archive at `path` and reads its directory and `.npy` headers.
    public init(path: String) throws {
        self.path = path
        archive = try ZipReader(path: path)
        var members: [String: Member] = [:]
        var tensors: [TensorInfo] = []
        for entry in archive.entries {
            let member = try Self.member(for: entry, in: archive)
            members[member.info.name] = member
            tensors.append(member.info)
        }
        self.members = members
        self.tensors = tensors
    }

    /// The description of the tensor called `name`, or nil if the archive has none.
    public func tensor(named name: String) -> TensorInfo? {
        members[name]?.info
    }

    /// Returns the tensor's bytes (little-endian, C order) after checking its CRC-32.
    public func readTensor(named name: String) throws -> [UInt8] {
        let member = try lookup(name)
        var bytes = [UInt8](repeating: 0, count: member.info.byteCount)
        try bytes.withUnsafeMutableBytes { try read(member, into: $0) }
        return bytes
    }

    /// Fills `buffer`, which must hold exactly the tensor's bytes, with its little-endian
    /// C-order bytes. The CRC-32 is checked after the buffer is filled; on error the buffer's
    /// contents are unspecified.
    public func read(named name: String, into buffer: UnsafeMutableRawBufferPointer) throws {
        try read(lookup(name), into: buffer)
    }

    /// Passes the tensor's little-endian C-order bytes to `body` in chunks of at most
    /// `maximumChunkBytes` (whole elements), reusing one buffer; memory stays bounded for
    /// C-order members. The CRC-32 is checked after the last chunk, so `body` may see bad
    /// bytes before the error is thrown. Fortran-order members are transposed whole first.
    public func readChunks(
        named name: String,
        maximumChunkBytes: Int = 4 << 20,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let reader = try openTensor(named: name)
        let elementSize = try lookup(name).info.dtype.byteSize
        let step = max(elementSize, maximumChunkBytes / elementSize * elementSize)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: min(step, max(reader.byteCount, 1)), alignment: 64)
        defer { chunk.deallocate() }
        var remaining = reader.byteCount
        while remaining > 0 {
            let piece = UnsafeMutableRawBufferPointer(rebasing: chunk[0 ..< min(chunk.count, remaining)])
            try reader.read(into: piece)
            try body(UnsafeRawBufferPointer(piece))
            remaining -= piece.count
        }
        try reader.finish()
    }

    /// Opens the tensor called `name` for reading front to back into the caller's buffers.
    /// A Fortran-order member is read, checked and transposed here, whole.
    func openTensor(named name: String) throws -> NPZTensorReader {
        let member = try lookup(name)
        if member.header.isFortranOrder && member.info.shape.count > 1 {
            let values = UnsafeMutableRawBufferPointer.allocate(byteCount: member.info.byteCount, alignment: 64)
            do {
                try read(member, into: values)
            } catch {
                values.deallocate()
                throw error
            }
            return NPZTensorReader(values: values, info: member.info, path: path)
        }
        return NPZTensorReader(entry: try openData(member), info: member.info, isBigEndian: member.header.isBigEndian, path: path)
    }

    // MARK: - Reading data

    private func lookup(_ name: String) throws -> Member {
        guard let member = members[name] else {
            throw NPZError(.usage, path: path, member: name, reason: "no such tensor in the archive")
        }
        return member
    }

    /// A reader positioned at the member's data (after its `.npy` header).
    private func openData(_ member: Member) throws -> ZipEntryReader {
        let reader = archive.contents(of: member.entry)
        // The header bytes count towards the CRC, so they are read, not skipped.
        _ = try reader.read(count: member.dataOffset)
        return reader
    }

    private func read(_ member: Member, into buffer: UnsafeMutableRawBufferPointer) throws {
        guard buffer.count == member.info.byteCount else {
            throw NPZError(.usage, path: path, member: member.info.name, reason: "the buffer holds \(buffer.count) bytes but the tensor has \(member.info.byteCount)")
        }
        let reader = try openData(member)
        let elementSize = member.info.dtype.byteSize
        if member.header.isFortranOrder && member.info.shape.count > 1 {
            let stored = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count, alignment: 64)
            defer { stored.deallocate() }
            try reader.read(into: stored)
            try reader.finish()
            if member.header.isBigEndian { NPYLayout.byteSwap(stored, elementSize: elementSize) }
            NPYLayout.fortranToC(UnsafeRawBufferPointer(stored), into: buffer, shape: member.info.shape, elementSize: elementSize)
        } else {
            try reader.read(into: buffer)
            try reader.finish()
            if member.header.isBigEndian { NPYLayout.byteSwap(buffer, elementSize: elementSize) }
        }
    }

    // MARK: - Opening

    private static func member(for entry: ZipReader.Entry, in archive: ZipReader) throws -> Member {
        let path = archive.path
        guard entry.name.hasSuffix(".npy"), entry.name.count > 4 else {
            throw NPZError(.invalidName, path: path, member: entry.name, reason: "the member is not a .npy file")
        }
        let name = String(entry.name.dropLast(4))
        func headerError(_ problem: NPYHeader.Problem) -> NPZError {
            NPZError(problem.kind, path: path, member: entry.name, reason: problem.reason)
        }
        // Only the header is decompressed here; it is at most 1 MiB by NPYHeader's limit.
        let reader = archive.contents(of: entry, chunkCapacity: 64 << 10)
        let prefix = try reader.read(count: min(NPYHeader.fixedPrefixLength, entry.uncompressedSize))
        let preamble: (major: UInt8, dictionaryStart: Int, dataOffset: Int)
        do throws(NPYHeader.Problem) {
            preamble = try NPYHeader.preamble(prefix)
        } catch {
            throw headerError(error)
        }
        guard preamble.dataOffset <= entry.uncompressedSize else {
            throw NPZError(.invalidHeader, path: path, member: entry.name, reason: "the .npy header claims \(preamble.dataOffset) bytes but the member holds \(entry.uncompressedSize)")
        }
        let rest = try reader.read(count: preamble.dataOffset - prefix.count)
        let header: NPYHeader
        do throws(NPYHeader.Problem) {
            header = try NPYHeader(dictionary: (prefix + rest)[preamble.dictionaryStart...])
        } catch {
            throw headerError(error)
        }
        let available = entry.uncompressedSize - preamble.dataOffset
        guard let byteCount = header.byteCount else {
            throw NPZError(.invalidHeader, path: path, member: entry.name, reason: "shape \(header.shape) overflows")
        }
        guard byteCount == available else {
            throw NPZError(.invalidHeader, path: path, member: entry.name, reason: "the header describes \(byteCount) data bytes (shape \(header.shape), \(header.dtype.rawValue)) but the member holds \(available)")
        }
        let info = TensorInfo(name: name, shape: header.shape, dtype: header.dtype)
        return Member(entry: entry, header: header, dataOffset: preamble.dataOffset, info: info)
    }
}
