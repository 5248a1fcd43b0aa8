import CHDF5
import Foundation

/// Where an HDF5 file lies inside another file, such as a `.keras` archive's stored
/// `model.weights.h5` member.
public struct HDF5Embedding: Sendable, Hashable {
    /// The offset of the HDF5 file's first byte in the outer file.
    public var offset: Int
    /// The HDF5 file's size, for reading (bytes after it read as zeros, as past a file's end);
    /// nil when creating the file, which then ends where it ends.
    public var size: Int?

    /// Creates an embedding.
    public init(offset: Int, size: Int?) {
        self.offset = offset
        self.size = size
    }
}

/// A libhdf5 virtual file driver for an HDF5 file embedded in another file (``HDF5Embedding``):
/// it opens the outer file with libhdf5's own POSIX driver (sec2, through the public `H5FD`
/// API) and hands every call on, addresses shifted by the offset. So libhdf5 reads a `.keras`
/// archive's weights in place, without the 5 GB copy to a temporary file it needed before, and
/// writes them straight into the archive being built.
///
/// The free-list map, feature flags and address limit are sec2's own (read from a sec2 file when
/// the driver is registered), so libhdf5 lays out a file exactly as it does with sec2; no driver
/// information is stored in the file. Creating never truncates the outer file; closing a
/// created file cuts the outer file at the HDF5 file's end, as sec2 does its own file.
enum HDF5EmbeddedDriver {
    /// Sets `fapl` to open files as embedded at `embedding`.
    static func configure(_ fapl: hid_t, _ embedding: HDF5Embedding, _ site: HDF5Site) throws(HDF5Error) {
        guard let driver = registered else {
            throw HDF5Call.invalid("register the embedded-file driver", site, "libhdf5 refused it")
        }
        // The driver information: offset and size limit, two 64-bit words (`fapl_size`).
        var info: (UInt64, UInt64) = (UInt64(embedding.offset), embedding.size.map(UInt64.init) ?? UInt64.max)
        let status = withUnsafeBytes(of: &info) { raw in H5Pset_driver(fapl, driver, raw.baseAddress) }
        try HDF5Call.check(status, "set the embedded-file driver", site)
    }

    // MARK: Registration

    /// What the driver copies from sec2.
    private struct Sec2Traits {
        var maxaddr: haddr_t
        var closeDegree: H5F_close_degree_t
        var freeListMap: (H5FD_mem_t, H5FD_mem_t, H5FD_mem_t, H5FD_mem_t, H5FD_mem_t, H5FD_mem_t, H5FD_mem_t)
        var features: UInt
    }

    /// sec2's traits, read once from a sec2 file (`/dev/null`).
    private static let sec2: Sec2Traits? = {
        guard H5open() >= 0, let fapl = sec2AccessList() else { return nil }
        defer { H5Pclose(fapl) }
        guard let probe = H5FDopen("/dev/null", CHDF5_H5F_ACC_RDONLY(), fapl, haddr_t(Int64.max)) else { return nil }
        defer { H5FDclose(probe) }
        var features: UInt = 0
        guard H5FDquery(probe, &features) >= 0, let cls = probe.pointee.cls else { return nil }
        return Sec2Traits(maxaddr: cls.pointee.maxaddr, closeDegree: cls.pointee.fc_degree,
                          freeListMap: cls.pointee.fl_map, features: features)
    }()

    /// The driver's libhdf5 id; nil if it could not be registered. Registered once per process.
    private static let registered: hid_t? = {
        guard let sec2 else { return nil }
        // libhdf5 copies the class; the name must outlive the process's use of it.
        var driverClass = H5FD_class_t(
            name: strdup("ckpt_embedded"), maxaddr: sec2.maxaddr, fc_degree: sec2.closeDegree,
            terminate: nil, sb_size: nil, sb_encode: nil, sb_decode: nil,
            fapl_size: 16, fapl_get: nil, fapl_copy: nil, fapl_free: nil,
            dxpl_size: 0, dxpl_copy: nil, dxpl_free: nil,
            open: open, close: close, cmp: compare, query: query,
            get_type_map: nil, alloc: nil, free: nil,
            get_eoa: endOfAddresses, set_eoa: setEndOfAddresses, get_eof: endOfFile, get_handle: handle,
            read: read, write: write, flush: flush, truncate: truncate, lock: lock, unlock: unlock,
            fl_map: sec2.freeListMap)
        let id = H5FDregister(&driverClass)
        return id >= 0 ? id : nil
    }()

    private static func sec2AccessList() -> hid_t? {
        let fapl = H5Pcreate(CHDF5_H5P_FILE_ACCESS())
        guard fapl >= 0 else { return nil }
        guard H5Pset_fapl_sec2(fapl) >= 0 else {
            H5Pclose(fapl)
            return nil
        }
        return fapl
    }

    // MARK: Open files

    /// The driver's part of an open file, after libhdf5's `H5FD_t` (which must come first).
    private struct State {
        /// The outer file, opened with sec2.
        var outer: UnsafeMutablePointer<H5FD_t>
        var offset: haddr_t
        /// The embedded file's size limit (`UInt64.max`: none).
        var size: haddr_t
        /// The end of the embedded file's address space, as libhdf5 set it.
        var endOfAddresses: haddr_t = 0
    }

    private static let stateOffset = (MemoryLayout<H5FD_t>.size + 15) / 16 * 16

    private static func state(_ file: UnsafePointer<H5FD_t>?) -> UnsafeMutablePointer<State> {
        (UnsafeMutableRawPointer(mutating: file!) + stateOffset).assumingMemoryBound(to: State.self)
    }

    // The callbacks. libhdf5 calls them with its lock held; they return negative on failure, the
    // inner sec2 calls having put the details on libhdf5's error stack.

    private static let open: @convention(c) (UnsafePointer<CChar>?, UInt32, hid_t, haddr_t) -> UnsafeMutablePointer<H5FD_t>? = {
        name, flags, fapl, maxaddr in
        guard let name, let info = H5Pget_driver_info(fapl), let sec2fapl = sec2AccessList() else { return nil }
        defer { H5Pclose(sec2fapl) }
        let offset = haddr_t(info.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let size = haddr_t(info.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        // The outer file exists (an archive being read or built): never truncate or create it.
        let outerFlags = flags & ~(CHDF5_H5F_ACC_TRUNC() | CHDF5_H5F_ACC_CREAT() | CHDF5_H5F_ACC_EXCL())
        guard let outer = H5FDopen(name, outerFlags, sec2fapl, sec2?.maxaddr ?? maxaddr) else { return nil }
        if flags & CHDF5_H5F_ACC_TRUNC() != 0 {
            // What sec2's O_TRUNC does to its own file: nothing of the embedded file remains.
            guard H5FDset_eoa(outer, H5FD_MEM_DEFAULT, offset) >= 0, H5FDtruncate(outer, CHDF5_H5P_DEFAULT(), false) >= 0 else {
                H5FDclose(outer)
                return nil
            }
        }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: stateOffset + MemoryLayout<State>.stride, alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: stateOffset)
        (memory + stateOffset).bindMemory(to: State.self, capacity: 1)
            .initialize(to: State(outer: outer, offset: offset, size: size))
        return memory.bindMemory(to: H5FD_t.self, capacity: 1)
    }

    private static let close: @convention(c) (UnsafeMutablePointer<H5FD_t>?) -> herr_t = { file in
        let current = state(file)
        let status = H5FDclose(current.pointee.outer)
        current.deinitialize(count: 1)
        UnsafeMutableRawPointer(file!).deallocate()
        return status
    }

    private static let compare: @convention(c) (UnsafePointer<H5FD_t>?, UnsafePointer<H5FD_t>?) -> Int32 = { a, b in
        let (first, second) = (state(a).pointee, state(b).pointee)
        let outer = H5FDcmp(first.outer, second.outer)
        if outer != 0 { return outer }
        return first.offset == second.offset ? 0 : (first.offset < second.offset ? -1 : 1)
    }

    private static let query: @convention(c) (UnsafePointer<H5FD_t>?, UnsafeMutablePointer<UInt>?) -> herr_t = { _, flags in
        // The inner file's handle is the outer file's descriptor, not at offset 0.
        flags?.pointee = (sec2?.features ?? 0) & ~UInt(H5FD_FEAT_POSIX_COMPAT_HANDLE)
        return 0
    }

    private static let endOfAddresses: @convention(c) (UnsafePointer<H5FD_t>?, H5FD_mem_t) -> haddr_t = { file, _ in
        state(file).pointee.endOfAddresses
    }

    private static let setEndOfAddresses: @convention(c) (UnsafeMutablePointer<H5FD_t>?, H5FD_mem_t, haddr_t) -> herr_t = {
        file, type, address in
        let current = state(file)
        // A hostile file can ask for an end of addresses near 2⁶⁴ (found by FuzzKeras): refuse
        // what the outer file cannot address instead of overflowing.
        let (outer, overflow) = address.addingReportingOverflow(current.pointee.offset)
        guard !overflow, outer != CHDF5_HADDR_UNDEF() else { return -1 }
        current.pointee.endOfAddresses = address
        return H5FDset_eoa(current.pointee.outer, type, outer)
    }

    private static let endOfFile: @convention(c) (UnsafePointer<H5FD_t>?, H5FD_mem_t) -> haddr_t = { file, type in
        let current = state(file).pointee
        let outer = H5FDget_eof(current.outer, type)
        guard outer != CHDF5_HADDR_UNDEF() else { return outer }
        return min(outer > current.offset ? outer - current.offset : 0, current.size)
    }

    private static let handle: @convention(c) (UnsafeMutablePointer<H5FD_t>?, hid_t, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> herr_t = {
        file, fapl, handle in
        H5FDget_vfd_handle(state(file).pointee.outer, fapl, handle)
    }

    private static let read: @convention(c) (UnsafeMutablePointer<H5FD_t>?, H5FD_mem_t, hid_t, haddr_t, Int, UnsafeMutableRawPointer?) -> herr_t = {
        file, type, dxpl, address, count, buffer in
        let current = state(file).pointee
        // Bytes past the embedded file's end read as zeros, as past a file's end with sec2.
        let inside = address >= current.size ? 0 : Int(min(haddr_t(count), current.size - address))
        if inside < count, let buffer {
            (buffer + inside).initializeMemory(as: UInt8.self, repeating: 0, count: count - inside)
        }
        guard inside > 0 else { return 0 }
        return H5FDread(current.outer, type, dxpl, address + current.offset, inside, buffer)
    }

    private static let write: @convention(c) (UnsafeMutablePointer<H5FD_t>?, H5FD_mem_t, hid_t, haddr_t, Int, UnsafeRawPointer?) -> herr_t = {
        file, type, dxpl, address, count, buffer in
        let current = state(file).pointee
        let (outer, overflow) = address.addingReportingOverflow(current.offset)
        guard !overflow else { return -1 }
        return H5FDwrite(current.outer, type, dxpl, outer, count, buffer)
    }

    private static let flush: @convention(c) (UnsafeMutablePointer<H5FD_t>?, hid_t, hbool_t) -> herr_t = { file, dxpl, closing in
        H5FDflush(state(file).pointee.outer, dxpl, closing)
    }

    private static let truncate: @convention(c) (UnsafeMutablePointer<H5FD_t>?, hid_t, hbool_t) -> herr_t = { file, dxpl, closing in
        H5FDtruncate(state(file).pointee.outer, dxpl, closing)
    }

    private static let lock: @convention(c) (UnsafeMutablePointer<H5FD_t>?, hbool_t) -> herr_t = { file, readWrite in
        H5FDlock(state(file).pointee.outer, readWrite)
    }

    private static let unlock: @convention(c) (UnsafeMutablePointer<H5FD_t>?) -> herr_t = { file in
        H5FDunlock(state(file).pointee.outer)
    }
}
