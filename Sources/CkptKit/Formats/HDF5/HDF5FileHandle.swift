import CHDF5

/// Owns the identifier of one open HDF5 file and knows whether it is still open.
///
/// Groups and datasets keep a strong reference to it, so the file stays open while any of them
/// is alive. The file is opened with the "strong" close degree: closing it closes every object
/// opened through it, after which those objects refuse further calls instead of touching a
/// stale identifier.
final class HDF5FileHandle {
    /// The file system path, for error messages.
    let path: String
    /// The libhdf5 file identifier; valid while `isOpen`.
    let id: hid_t
    /// False after `close()`.
    private(set) var isOpen = true

    /// Where the HDF5 file lies inside the file at `path`, when it is embedded (a `.keras`
    /// archive's member); nil when the file at `path` is the HDF5 file.
    let embedding: HDF5Embedding?

    init(id: hid_t, path: String, embedding: HDF5Embedding? = nil) {
        self.id = id
        self.path = path
        self.embedding = embedding
    }

    deinit {
        if isOpen {
            HDF5Call.silenceErrorPrinting()
            _ = H5Fclose(id)
        }
    }

    /// Error-message context for an object in this file.
    func site(_ objectPath: String?) -> HDF5Site {
        HDF5Site(file: path, object: objectPath)
    }

    /// Throws unless the file is still open.
    ///
    /// Every operation starts here, so it also silences libhdf5's error printing for the thread.
    func ensureOpen(_ operation: @autoclosure () -> String, _ objectPath: String?) throws(HDF5Error) {
        HDF5Call.silenceErrorPrinting()
        guard isOpen else {
            throw HDF5Call.invalid(operation(), site(objectPath), "the file is closed")
        }
    }

    /// Closes the file and, through the strong close degree, every object opened in it.
    func close() throws {
        guard isOpen else { return }
        HDF5Call.silenceErrorPrinting()
        isOpen = false
        try HDF5Call.check(H5Fclose(id), "close file", site(nil))
    }

    /// A file access property list with the strong close degree (see the type's summary), and
    /// the embedded-file driver for a file inside another (``HDF5EmbeddedDriver``).
    static func accessPropertyList(_ site: HDF5Site, embedding: HDF5Embedding? = nil) throws(HDF5Error) -> HDF5ScopedID {
        let fapl = try HDF5ScopedID(H5Pcreate(CHDF5_H5P_FILE_ACCESS()), "create file access property list", site)
        try HDF5Call.check(H5Pset_fclose_degree(fapl.raw, H5F_CLOSE_STRONG), "set file close degree", site)
        if let embedding { try HDF5EmbeddedDriver.configure(fapl.raw, embedding, site) }
        return fapl
    }
}
