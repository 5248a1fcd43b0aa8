import CHDF5

/// Where an HDF5 call acts, for error messages: the file and the object path inside it.
struct HDF5Site {
    var file: String?
    var object: String?
}

/// The one funnel from libhdf5 return codes to thrown `HDF5Error`s, in the manner of
/// swift-system's `valueOrErrno`: every C call in this folder passes its result through here.
enum HDF5Call {
    /// Whether libhdf5 initialized; evaluated once, on first use (Swift runs `static let`
    /// initializers exactly once, thread-safely).
    ///
    /// libhdf5 is told not to run its own cleanup at exit (`H5dont_atexit`): every file ckpt
    /// writes or reads is closed explicitly, and after a failed write (a full disk) a file whose
    /// close failed is left half-destroyed in libhdf5's tables, where its exit handler
    /// (`H5_term_library` → `H5F__close_cb`) dereferenced freed memory: a SIGSEGV after the
    /// error had been reported.
    private static let libraryIsReady: Bool = {
        _ = H5dont_atexit()
        return H5open() >= 0
    }()

    /// Initializes libhdf5 once; call before the first HDF5 call.
    static func prepareLibrary(_ operation: @autoclosure () -> String, _ site: HDF5Site) throws(HDF5Error) {
        guard libraryIsReady else {
            throw invalid(operation(), site, "libhdf5 failed to initialize")
        }
        silenceErrorPrinting()
    }

    /// Turns off libhdf5's automatic printing of errors to stderr for the calling thread; we
    /// read the error stack ourselves (see `failure`).
    ///
    /// Debian's libhdf5 is built thread-safe, which gives every thread its own default error
    /// stack and printing setting, so this runs at the start of each operation (one cheap
    /// call) rather than once per process.
    static func silenceErrorPrinting() {
        _ = H5Eset_auto2(CHDF5_H5E_DEFAULT(), nil, nil)
    }

    /// Returns a new identifier, or throws if libhdf5 returned a negative one.
    static func id(_ value: hid_t, _ operation: @autoclosure () -> String, _ site: HDF5Site) throws(HDF5Error) -> hid_t {
        guard value >= 0 else { throw failure(operation(), site) }
        return value
    }

    /// Throws if a status code is negative.
    static func check(_ status: herr_t, _ operation: @autoclosure () -> String, _ site: HDF5Site) throws(HDF5Error) {
        guard status >= 0 else { throw failure(operation(), site) }
    }

    /// Returns a tri-state result as a Bool, or throws if it is negative.
    static func bool(_ value: htri_t, _ operation: @autoclosure () -> String, _ site: HDF5Site) throws(HDF5Error) -> Bool {
        guard value >= 0 else { throw failure(operation(), site) }
        return value > 0
    }

    /// Returns a count or size from a call that signals failure with a negative value.
    static func count<T: BinaryInteger>(_ value: T, _ operation: @autoclosure () -> String, _ site: HDF5Site) throws(HDF5Error) -> Int {
        guard value >= 0, let result = Int(exactly: value) else { throw failure(operation(), site) }
        return result
    }

    /// Returns a size from a call that signals failure with 0 (`H5Tget_size`).
    static func nonzeroSize(_ value: Int, _ operation: @autoclosure () -> String, _ site: HDF5Site) throws(HDF5Error) -> Int {
        guard value > 0 else { throw failure(operation(), site) }
        return value
    }

    /// An error for a failed libhdf5 call, explained by libhdf5's own error stack.
    static func failure(_ operation: String, _ site: HDF5Site) -> HDF5Error {
        HDF5Error(
            operation: operation, objectPath: site.object, filePath: site.file,
            reason: errorStackSummary() ?? "libhdf5 reported an error without details")
    }

    /// An error found by our own checks, before or instead of a libhdf5 call.
    static func invalid(_ operation: String, _ site: HDF5Site, _ reason: String) -> HDF5Error {
        HDF5Error(operation: operation, objectPath: site.object, filePath: site.file, reason: reason)
    }

    /// The most specific message of the default error stack.
    ///
    /// libhdf5 pushes one entry per internal function on the way out; the innermost says what
    /// really went wrong ("component not found", "no write intent on file"), the outer ones
    /// repeat "unable to open ..." and "internal path traversal failed".
    private static func errorStackSummary() -> String? {
        var message: String?
        let status = withUnsafeMutablePointer(to: &message) { pointer in
            H5Ewalk2(CHDF5_H5E_DEFAULT(), H5E_WALK_UPWARD, { _, entry, context in
                guard let entry, let context, let description = entry.pointee.desc else { return 0 }
                let text = HDF5Error.collapsingWhitespace(String(cString: description))
                guard !text.isEmpty else { return 0 }
                context.assumingMemoryBound(to: String?.self).pointee = text
                return 1  // a positive return stops the walk
            }, pointer)
        }
        guard status >= 0 else { return nil }
        return message.map(condensed)
    }

    /// libhdf5's POSIX driver reports a failed read or write with a dump of its arguments
    /// (`file write failed: time = …, filename = '…', file descriptor = 5, errno = 28, error
    /// message = 'No space left on device', buf = 0x…, …`); keep what it says and the system's reason.
    static func condensed(_ text: String) -> String {
        guard let head = text.range(of: ": time = "), let start = text.range(of: "error message = '"),
              let end = text[start.upperBound...].firstIndex(of: "'")
        else { return text }
        return text[..<head.lowerBound] + ": " + text[start.upperBound..<end]
    }
}
