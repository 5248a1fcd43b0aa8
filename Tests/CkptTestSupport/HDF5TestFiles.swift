import CkptKit

extension TemporaryDirectory {
    /// Creates the HDF5 file `name` in the folder, fills it with `body` and closes it; returns its path.
    public func makeHDF5File(_ name: String = "file.h5", _ body: (HDF5File) throws -> Void) throws -> String {
        let path = self.path(name)
        let file = try HDF5File.create(atPath: path)
        try body(file)
        try file.close()
        return path
    }
}
