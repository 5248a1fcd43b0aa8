import CHDF5

/// Converts a dataset's raw stored elements (any byte order or float layout a numeric type can
/// have) to little-endian `dtype` bytes in ckpt's own buffer, with `H5Tconvert`: what
/// ``HDF5ChunkedRows`` and ``HDF5ContiguousRows`` do after reading raw bytes themselves; and the
/// dataset's fill value, which storage never written reads as.
final class HDF5RawConversion {
    let storedType: hid_t
    let memoryType: hid_t
    /// Whether the stored type differs from the memory type (else the bytes are final).
    let converts: Bool
    /// Bytes per element, stored and in memory alike.
    let elementSize: Int
    /// One element of the dataset's fill value in the memory type (zeros when none is defined).
    private let fill: [UInt8]
    private let site: HDF5Site

    /// The conversion of `dataset`'s elements to `dtype`, whose size they must have.
    init(_ dataset: HDF5Dataset, dtype: DType, operation: String) throws {
        site = dataset.objectHandle.site()
        elementSize = dtype.byteSize
        let stored = H5Dget_type(dataset.objectHandle.id)
        guard stored >= 0 else { throw HDF5Call.failure("read datatype of dataset", site) }
        let memory: hid_t
        do {
            let made = try HDF5ElementType.memoryType(for: dtype, storedType: stored, site)
            memory = H5Tcopy(made.raw)
        } catch {
            H5Tclose(stored)
            throw error
        }
        guard H5Tget_size(stored) == elementSize else {
            let size = H5Tget_size(stored)
            H5Tclose(stored)
            H5Tclose(memory)
            throw HDF5Call.invalid(operation, site, "its stored elements are \(size) bytes, not \(elementSize)")
        }
        storedType = stored
        memoryType = memory
        converts = H5Tequal(stored, memory) <= 0
        fill = Self.fillElement(of: dataset, memoryType: memory, elementSize: elementSize)
    }

    private static func fillElement(of dataset: HDF5Dataset, memoryType: hid_t, elementSize: Int) -> [UInt8] {
        var element = [UInt8](repeating: 0, count: elementSize)
        let dcpl = H5Dget_create_plist(dataset.objectHandle.id)
        guard dcpl >= 0 else { return element }
        defer { H5Pclose(dcpl) }
        var defined = H5D_FILL_VALUE_UNDEFINED
        if H5Pfill_value_defined(dcpl, &defined) >= 0, defined != H5D_FILL_VALUE_UNDEFINED,
           H5Pget_fill_value(dcpl, memoryType, &element) < 0 {
            element = [UInt8](repeating: 0, count: elementSize)
        }
        return element
    }

    /// Fills the whole elements of `buffer` with the fill value (storage never written).
    func fillValue(into buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        fill.withUnsafeBytes { element in
            for offset in stride(from: 0, to: buffer.count - buffer.count % elementSize, by: elementSize) {
                base.advanced(by: offset).copyMemory(from: element.baseAddress!, byteCount: elementSize)
            }
        }
    }

    deinit {
        H5Tclose(storedType)
        H5Tclose(memoryType)
    }

    /// Converts the whole elements at the start of `buffer` in place (nothing when the types agree).
    func convert(_ buffer: UnsafeMutableRawBufferPointer, what: String) throws {
        guard converts, let base = buffer.baseAddress else { return }
        try HDF5Call.check(
            H5Tconvert(storedType, memoryType, buffer.count / elementSize, base, nil, CHDF5_H5P_DEFAULT()),
            "convert the \(what) of dataset", site)
    }
}
