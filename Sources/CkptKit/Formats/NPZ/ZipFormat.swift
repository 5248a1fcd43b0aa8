/// Record layouts and constants of the zip format that the writer and the reader share.
///
/// Everything here is from PKWARE's APPNOTE.TXT 6.3.x; section numbers are given where a value
/// is defined.
enum ZipFormat {
    /// 4.3.7 local file header.
    static let localHeaderSignature: UInt32 = 0x0403_4B50
    /// 4.3.12 central directory file header.
    static let centralHeaderSignature: UInt32 = 0x0201_4B50
    /// 4.3.16 end of central directory record.
    static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    /// 4.3.14 zip64 end of central directory record.
    static let zip64EndOfCentralDirectorySignature: UInt32 = 0x0606_4B50
    /// 4.3.15 zip64 end of central directory locator.
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50

    static let localHeaderSize = 30
    static let centralHeaderSize = 46
    static let endOfCentralDirectorySize = 22
    static let zip64EndOfCentralDirectorySize = 56
    static let zip64LocatorSize = 20
    /// The end record may be followed by a comment of at most 0xFFFF bytes (4.3.16).
    static let maximumCommentLength = 0xFFFF

    /// 4.5.2 extra field header ID of the zip64 extended information.
    static let zip64ExtraID: UInt16 = 0x0001
    /// Android's zipalign extra field (ID, size, u16 alignment, zero padding): unknown IDs are
    /// skipped by readers, so it is the conventional way to pad a local header.
    static let alignmentExtraID: UInt16 = 0xD935
    static let alignmentExtraMinimumSize = 6

    /// 32-bit fields at this value defer to the zip64 extra field (4.5.3).
    static let zip64Marker32: UInt32 = 0xFFFF_FFFF
    /// 16-bit counts at this value defer to the zip64 end record (4.4.1.4).
    static let zip64Marker16: UInt16 = 0xFFFF

    /// 4.4.3 version needed to extract: 2.0 for deflate, 4.5 for zip64.
    static let versionDeflate: UInt16 = 20
    static let versionZip64: UInt16 = 45
    /// 4.4.2 upper byte of "version made by": 3 = UNIX, so external attributes are a mode.
    static let hostUnix: UInt16 = 3 << 8
    /// `-rw-r--r--` regular file, in the high 16 bits of the external attributes.
    static let externalAttributesFile: UInt32 = 0o100644 << 16

    /// 4.4.4 general purpose bit flags.
    static let flagEncrypted: UInt16 = 1 << 0
    static let flagStrongEncryption: UInt16 = 1 << 6
    static let flagUTF8: UInt16 = 1 << 11
    static let flagMaskedHeaders: UInt16 = 1 << 13

    /// 4.4.5 compression methods.
    static let methodStored: UInt16 = 0
    static let methodDeflated: UInt16 = 8

    /// 4.4.6 MS-DOS date and time: 1980-01-01 00:00:00, so archives are byte-deterministic.
    static let dosTime: UInt16 = 0
    static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1

    /// Deflate cannot expand data more than 1032:1 (258-byte matches coded in 2 bits); a
    /// declared size beyond that is a lie. Small constant allowance for block headers.
    static func isPlausibleDeflate(compressed: Int, uncompressed: Int) -> Bool {
        let (limit, overflow) = compressed.multipliedReportingOverflow(by: 1032)
        return overflow || uncompressed <= limit || uncompressed - limit <= 1024
    }

    /// Why `name` is unsafe or invalid as a member name, or nil when it is fine.
    ///
    /// Rejects what could escape an extraction directory or mean different files on different
    /// systems: empty names, absolute paths, drive letters, `..` components, backslashes, NUL.
    static func problem(withName name: String) -> String? {
        // On the UTF-8 bytes: every byte checked is ASCII, which never occurs inside a multi-byte
        // character, and this runs once per member.
        let bytes = Array(name.utf8)
        if bytes.isEmpty { return "the name is empty" }
        if bytes.contains(0) { return "the name contains a NUL byte" }
        if bytes.contains(UInt8(ascii: "\\")) { return "the name contains a backslash" }
        if bytes[0] == UInt8(ascii: "/") { return "the name is an absolute path" }
        // `C:` or `C:/…` is a Windows drive; `w:0` (a TensorFlow-style name) is not.
        func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
        if bytes.count >= 2, bytes[1] == UInt8(ascii: ":"), isLetter(bytes[0]),
           bytes.count == 2 || bytes[2] == UInt8(ascii: "/") {
            return "the name starts with a drive letter"
        }
        if bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .contains(where: { $0.elementsEqual("..".utf8) }) {
            return "the name contains a '..' component"
        }
        return nil
    }

    /// Little-endian record encoding.
    struct RecordBuilder {
        private(set) var bytes: [UInt8] = []

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        mutating func u16(_ value: UInt16) { append(value) }
        mutating func u32(_ value: UInt32) { append(value) }
        mutating func u64(_ value: UInt64) { append(value) }
        mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }
        mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

        private mutating func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// Little-endian record decoding with bounds checks: reads past the end return nil.
    struct RecordCursor {
        let bytes: [UInt8]
        private(set) var position: Int

        init(_ bytes: [UInt8], at position: Int = 0) {
            self.bytes = bytes
            self.position = position
        }

        var remaining: Int { bytes.count - position }

        mutating func u16() -> UInt16? { read(UInt16.self) }
        mutating func u32() -> UInt32? { read(UInt32.self) }
        mutating func u64() -> UInt64? { read(UInt64.self) }

        mutating func take(_ count: Int) -> [UInt8]? {
            guard count >= 0, count <= remaining else { return nil }
            defer { position += count }
            return Array(bytes[position ..< position + count])
        }

        mutating func skip(_ count: Int) -> Bool {
            guard count >= 0, count <= remaining else { return false }
            position += count
            return true
        }

        private mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard size <= remaining else { return nil }
            var value: T = 0
            for index in 0 ..< size {
                value |= T(bytes[position + index]) << (8 * index)
            }
            position += size
            return value
        }
    }
}
