import CHDF5
import Foundation

/// An open HDF5 file: its root group, plus flushing and closing.
///
/// Not thread-safe: use one file from one thread at a time (libhdf5 serialises calls anyway).
/// The file stays open while any group or dataset from it is alive; `close()` closes it
/// at once, together with every object opened from it.
public final class HDF5File {
    /// Owns the libhdf5 file identifier.
    let handle: HDF5FileHandle

    /// The root group (`/`). Attributes set on it are the file's root attributes.
    public let root: HDF5Group

    /// The file system path the file was created or opened at.
    public var path: String { handle.path }

    /// Whether the file is still open (false after `close()`).
    public var isOpen: Bool { handle.isOpen }

    private init(handle: HDF5FileHandle) throws(HDF5Error) {
        self.handle = handle
        self.root = try HDF5Group(opening: "/", in: handle, relativeTo: nil)
    }

    /// Creates a new HDF5 file, replacing any existing file at `path`; with `embedding`, inside
    /// the existing file at `path` from the embedding's offset (``HDF5EmbeddedDriver``), the bytes
    /// before it untouched.
    public static func create(atPath path: String, embedding: HDF5Embedding? = nil) throws(HDF5Error) -> HDF5File {
        let site = HDF5Site(file: path, object: nil)
        try HDF5Call.prepareLibrary("create file", site)
        let fapl = try HDF5FileHandle.accessPropertyList(site, embedding: embedding)
        let id = try HDF5Call.id(
            H5Fcreate(path, CHDF5_H5F_ACC_TRUNC(), CHDF5_H5P_DEFAULT(), fapl.raw), "create file", site)
        return try HDF5File(handle: HDF5FileHandle(id: id, path: path, embedding: embedding))
    }

    /// Opens an existing HDF5 file, read-only unless `writable`; with `embedding`, the HDF5 file
    /// inside the file at `path` (``HDF5EmbeddedDriver``).
    ///
    /// Throws an `HDF5Error` saying so when the file is missing or is not an HDF5 file.
    public static func open(atPath path: String, writable: Bool = false, embedding: HDF5Embedding? = nil) throws(HDF5Error) -> HDF5File {
        let site = HDF5Site(file: path, object: nil)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HDF5Call.invalid("open file", site, "no such file")
        }
        guard !isDirectory.boolValue else {
            throw HDF5Call.invalid("open file", site, "it is a directory")
        }
        try HDF5Call.prepareLibrary("open file", site)
        let isHDF5: Bool
        if let embedding {
            isHDF5 = try startsWithSignature(path, at: embedding.offset)
        } else {
            isHDF5 = try HDF5Call.bool(H5Fis_hdf5(path), "open file", site)
        }
        guard isHDF5 else {
            throw HDF5Call.invalid("open file", site, "not an HDF5 file")
        }
        let fapl = try HDF5FileHandle.accessPropertyList(site, embedding: embedding)
        let flags = writable ? CHDF5_H5F_ACC_RDWR() : CHDF5_H5F_ACC_RDONLY()
        let id = try HDF5Call.id(H5Fopen(path, flags, fapl.raw), "open file", site)
        return try HDF5File(handle: HDF5FileHandle(id: id, path: path, embedding: embedding))
    }

    /// Whether the bytes at `offset` of the file at `path` are HDF5's format signature (an
    /// embedded file starts with its superblock).
    private static func startsWithSignature(_ path: String, at offset: Int) throws(HDF5Error) -> Bool {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        do {
            let file = try InputFile(path: path)
            defer { file.close() }
            guard offset >= 0, offset <= file.size - signature.count else { return false }
            return try file.read(count: signature.count, at: offset) == signature
        } catch {
            throw HDF5Call.invalid("open file", HDF5Site(file: path, object: nil), error.reason)
        }
    }

    /// Writes all buffered data and metadata to disk (libhdf5's buffers, not an `fsync`).
    public func flush() throws {
        try handle.ensureOpen("flush file", nil)
        try HDF5Call.check(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), "flush file", handle.site(nil))
    }

    /// Closes the file and every group and dataset opened from it; later calls on them throw.
    ///
    /// Closing is also done when the last reference goes away, but only `close()` reports
    /// errors (such as a failed final write). Calling it again does nothing.
    public func close() throws {
        try handle.close()
    }
}
