import CHDF5

/// A short-lived libhdf5 identifier (datatype, dataspace, property list, attribute) that is
/// released when it goes out of scope.
///
/// Noncopyable, so each identifier is released exactly once. Pass `raw` straight into the C
/// call that needs it; never keep it in a separate variable beyond the owner's scope.
struct HDF5ScopedID: ~Copyable {
    /// The libhdf5 identifier.
    let raw: hid_t

    /// Takes ownership of a new identifier, or throws if libhdf5 returned a negative one.
    init(_ value: hid_t, _ operation: @autoclosure () -> String, _ site: HDF5Site) throws(HDF5Error) {
        raw = try HDF5Call.id(value, operation(), site)
    }

    deinit {
        // H5Idec_ref closes any kind of identifier once its count reaches zero.
        _ = H5Idec_ref(raw)
    }
}
