import CHDF5

/// An open HDF5 group or dataset: an object with a path and attributes.
///
/// The attribute methods are in `HDF5Object+Attributes.swift`.
public protocol HDF5Object: AnyObject {
    /// The open object behind this value (an opaque token; only CkptKit creates these).
    var objectHandle: HDF5ObjectHandle { get }
}

extension HDF5Object {
    /// The object's absolute path inside its file (`/layers/dense/vars`).
    public var path: String { objectHandle.path }

    /// The file system path of the file that holds the object.
    public var filePath: String { objectHandle.file.path }
}

/// The open identifier of one group or dataset; an opaque token outside CkptKit.
///
/// Keeps its file open while alive and closes the object when released.
public final class HDF5ObjectHandle {
    /// The file the object belongs to.
    let file: HDF5FileHandle
    /// The libhdf5 object identifier; valid while `file.isOpen`.
    let id: hid_t
    /// The object's absolute path, for error messages and `HDF5Object.path`.
    let path: String

    init(id: hid_t, path: String, file: HDF5FileHandle) {
        self.id = id
        self.path = path
        self.file = file
    }

    deinit {
        // After the file's strong close the identifier is already gone.
        if file.isOpen {
            HDF5Call.silenceErrorPrinting()
            _ = H5Oclose(id)
        }
    }

    /// Error-message context for this object, or for `objectPath` in the same file.
    func site(_ objectPath: String? = nil) -> HDF5Site {
        file.site(objectPath ?? path)
    }

    /// Throws unless the file is still open.
    func ensureOpen(_ operation: @autoclosure () -> String, _ objectPath: String? = nil) throws(HDF5Error) {
        try file.ensureOpen(operation(), objectPath ?? path)
    }

    /// The absolute path of `relativePath` inside this object (an absolute path stays as is).
    func absolutePath(of relativePath: String) -> String {
        if relativePath.hasPrefix("/") { return relativePath }
        return path.hasSuffix("/") ? path + relativePath : path + "/" + relativePath
    }
}
