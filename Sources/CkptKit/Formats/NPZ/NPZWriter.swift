/// Writes a NumPy `.npz` archive one tensor at a time, in bounded memory.
///
/// Each tensor becomes the member `<name>.npy` (so `numpy.load(path)["conv1/kernel"]` finds
/// `conv1/kernel`), with a NumPy format 1.0 header identical to what `numpy.save` writes.
/// All tensors are declared up front; each is then written with `beginTensor`, any number of
/// `append` calls carrying its raw little-endian C-order bytes, and `endTensor`.
///
/// Stored members have their data 64-byte aligned in the file (the local header is padded
/// with a zipalign extra field), so the archive can be memory-mapped per tensor. ZIP64
/// records are used only where a size or offset needs them; NumPy reads either.
///
/// The file at `path` is created or truncated; writing to a temporary path and renaming it
/// into place is the caller's job. Errors are ``NPZError``s naming the file and tensor; after
/// any error the writer refuses further calls.
public final class NPZWriter {
    /// How members are compressed.
    public enum Compression: Sendable, Hashable {
        /// No compression (`numpy.savez`).
        case stored
        /// Deflate at a zlib level from 0 to 9 (`numpy.savez_compressed` uses 6).
        case deflated(level: Int)
    }

    /// The archive's path.
    public let path: String
    /// The tensors declared for this archive, in declaration order.
    public let tensors: [TensorInfo]
    /// How members are compressed.
    public let compression: Compression

    private let file: OutputFile
    private let zip: ZipWriter
    private let declared: [String: TensorInfo]
    private var pending: Set<String>
    private var current: (info: TensorInfo, written: Int)?
    private var failure: NPZError?

    /// Creates the archive at `path` for `tensors`, checking all of them before touching disk.
    /// `directIO` chooses `O_DIRECT` writes (``DirectIO``); the bytes are the same either way.
    public convenience init(path: String, tensors: [TensorInfo], compression: Compression = .stored,
                            directIO: DirectIO = .automatic) throws {
        try self.init(path: path, tensors: tensors, compression: compression, forceZip64: false, directIO: directIO)
    }

    /// Test hook: `forceZip64` writes every record in ZIP64 form, to exercise those paths.
    init(path: String, tensors: [TensorInfo], compression: Compression, forceZip64: Bool,
         directIO: DirectIO = .automatic) throws {
        self.path = path
        self.tensors = tensors
        self.compression = compression
        if case .deflated(let level) = compression, !(0 ... 9).contains(level) {
            throw NPZError(.usage, path: path, reason: "deflate level \(level) is outside 0...9")
        }
        var declared: [String: TensorInfo] = [:]
        for info in tensors {
            _ = try Self.header(for: info, path: path)
            if let reason = ZipFormat.problem(withName: info.name + ".npy") {
                throw NPZError(.invalidName, path: path, member: info.name, reason: reason)
            }
            guard declared.updateValue(info, forKey: info.name) == nil else {
                throw NPZError(.invalidName, path: path, member: info.name, reason: "the tensor name is declared twice")
            }
        }
        self.declared = declared
        pending = Set(declared.keys)
        do {
            let size = tensors.reduce(0) { $0 + $1.byteCount }
            file = try OutputFile(path: path, mode: .truncate, directIO: directIO, expectedSize: size)
        } catch {
            throw NPZError(error)
        }
        zip = ZipWriter(file: file, forceZip64: forceZip64)
    }

    /// Starts the next tensor, which must be one of the declared tensors not yet written.
    public func beginTensor(_ info: TensorInfo) throws {
        try guarded { try begin(info) }
    }

    /// Appends the next raw bytes (little-endian, C order) of the open tensor, in any chunking.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        try guarded { try appendBytes(bytes) }
    }

    /// Ends the open tensor; its byte count must match its shape and dtype.
    public func endTensor() throws {
        try guarded { try end() }
    }

    /// The archive comment written by ``finish()`` (ckpt's recipe: `NPZRecipe`).
    public var comment: [UInt8] {
        get { zip.comment }
        set { zip.comment = newValue }
    }

    /// Writes the zip directory, syncs the file to disk and closes it.
    public func finish() throws {
        try guarded { try finishArchive() }
    }

    private func begin(_ info: TensorInfo) throws {
        guard current == nil else {
            throw usage(info.name, "beginTensor called while '\(current?.info.name ?? "")' is still open")
        }
        guard pending.contains(info.name), let declared = declared[info.name] else {
            throw usage(info.name, "the tensor was not declared or was already written")
        }
        guard declared == info else {
            throw usage(info.name, "shape \(info.shape) \(info.dtype.rawValue) differs from the declared \(declared.shape) \(declared.dtype.rawValue)")
        }
        let header = try Self.header(for: info, path: path)
        let method: ZipWriter.Method
        switch compression {
        case .stored: method = .stored
        case .deflated(let level): method = .deflated(level: level)
        }
        // The header length is a multiple of 64, so 64-aligned member data means aligned values.
        try zip.beginEntry(
            name: info.name + ".npy", method: method,
            uncompressedSize: header.count + info.byteCount, alignment: NPYHeader.alignment
        )
        try header.withUnsafeBytes { try zip.append($0) }
        pending.remove(info.name)
        current = (info, 0)
    }

    private func appendBytes(_ bytes: UnsafeRawBufferPointer) throws {
        guard let (info, written) = current else {
            throw usage(nil, "append called with no open tensor")
        }
        guard bytes.count <= info.byteCount - written else {
            throw usage(info.name, "appending \(bytes.count) bytes after \(written) exceeds the tensor's \(info.byteCount) bytes (\(info.shape) \(info.dtype.rawValue))")
        }
        try zip.append(bytes)
        current = (info, written + bytes.count)
    }

    private func end() throws {
        guard let (info, written) = current else {
            throw usage(nil, "endTensor called with no open tensor")
        }
        guard written == info.byteCount else {
            throw usage(info.name, "got \(written) bytes but the tensor has \(info.byteCount) (\(info.shape) \(info.dtype.rawValue))")
        }
        try zip.endEntry()
        current = nil
    }

    private func finishArchive() throws {
        guard current == nil else {
            throw usage(current?.info.name, "finish called while the tensor is still open")
        }
        if let missing = tensors.first(where: { pending.contains($0.name) }) {
            throw usage(missing.name, "finish called before this declared tensor was written (\(pending.count) missing)")
        }
        try zip.finish()
        do {
            try file.sync()
            try file.close()
        } catch {
            throw NPZError(error)
        }
    }

    /// Runs `body`; the first error is remembered and every later call fails with it.
    private func guarded(_ body: () throws -> Void) throws {
        if let failure {
            throw NPZError(.usage, path: path, member: failure.member, reason: "the writer already failed: \(failure.reason)")
        }
        do {
            try body()
        } catch let error as NPZError {
            failure = error
            throw error
        } catch {
            let wrapped = NPZError(.io, path: path, member: current?.info.name, reason: "\(error)")
            failure = wrapped
            throw wrapped
        }
    }

    private static func header(for info: TensorInfo, path: String) throws -> [UInt8] {
        do throws(NPYHeader.Problem) {
            return try NPYHeader(dtype: info.dtype, shape: info.shape).encoded()
        } catch {
            throw NPZError(error.kind, path: path, member: info.name, reason: error.reason)
        }
    }

    private func usage(_ member: String?, _ reason: String) -> NPZError {
        NPZError(.usage, path: path, member: member, reason: reason)
    }
}
