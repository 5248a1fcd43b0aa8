import CHDF5

/// The filters of a chunked dataset, decoded by ckpt rather than by libhdf5.
///
/// libhdf5's filter code is where a hostile chunk does harm: its deflate filter grows its output
/// buffer without bound while a stream keeps inflating (a 4 MB chunk can ask for gigabytes), and
/// the n-bit, scale-offset and szip decoders have had memory-safety faults. So ckpt reads a
/// filtered dataset's chunks raw (`H5Dread_chunk`: an index lookup and a read, no filter) and
/// undoes the filters itself, into a buffer of exactly the chunk's size: a stream that
/// inflates to more or fewer bytes, a wrong checksum or a truncated chunk is an error naming
/// the dataset and the chunk.
///
/// Decoded: deflate (gzip, any level), shuffle and Fletcher-32, which is what h5py and every
/// Keras version write. Any other filter (szip, n-bit, scale-offset, LZF, Blosc and other
/// plugins) is refused when the file is opened (``unsupported``).
struct HDF5ChunkPipeline: Sendable, Hashable {
    /// One filter of the pipeline, in the order they were applied when writing.
    enum Filter: Sendable, Hashable {
        case deflate
        /// Byte shuffle of elements of this many bytes.
        case shuffle(elementSize: Int)
        case fletcher32
    }

    /// The filters, in writing order (reading undoes them last to first).
    let filters: [Filter]

    /// The filters ckpt decodes, by libhdf5 id.
    static let decodedNames = "deflate (gzip), shuffle, Fletcher-32"

    /// Reads the pipeline of a dataset creation property list. Throws an `.unsupportedFilter`
    /// style `HDF5Error` naming a filter ckpt does not decode.
    static func read(_ dcpl: hid_t, elementSize: Int, _ site: HDF5Site) throws(HDF5Error) -> (pipeline: HDF5ChunkPipeline, names: [String], unsupported: [String]) {
        let operation = "read filters of dataset"
        let count = try HDF5Call.count(H5Pget_nfilters(dcpl), operation, site)
        var filters: [Filter] = []
        var names: [String] = []
        var unsupported: [String] = []
        for index in 0..<count {
            var flags: UInt32 = 0
            var valueCount = 8
            var values = [UInt32](repeating: 0, count: 8)
            var filterConfig: UInt32 = 0
            var name = [CChar](repeating: 0, count: 256)
            let id = H5Pget_filter2(dcpl, UInt32(index), &flags, &valueCount, &values, name.count, &name, &filterConfig)
            guard id >= 0 else { throw HDF5Call.failure(operation, site) }
            let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let label = text.isEmpty ? "filter \(id)" : text
            names.append(label)
            switch id {
            case H5Z_FILTER_DEFLATE:
                filters.append(.deflate)
            case H5Z_FILTER_SHUFFLE:
                // libhdf5 records the element size when the dataset is created; a pipeline that
                // lacks it shuffles by the dataset's own element size.
                let size = valueCount > 0 && values[0] > 0 ? Int(values[0]) : elementSize
                filters.append(.shuffle(elementSize: size))
            case H5Z_FILTER_FLETCHER32:
                filters.append(.fletcher32)
            default:
                unsupported.append("\(label) (id \(id))")
            }
        }
        return (HDF5ChunkPipeline(filters: filters), names, unsupported)
    }

    /// The most bytes the pipeline adds before its compressing step: 4 per Fletcher-32 filter.
    var checksumBytes: Int { 4 * filters.filter { $0 == .fletcher32 }.count }

    /// Undoes the pipeline on a raw chunk.
    ///
    /// - Parameters:
    ///   - raw: The chunk as stored.
    ///   - filterMask: Bit i set means filter i was skipped for this chunk (as libhdf5 records).
    ///   - chunkBytes: The chunk's size in the stored element type.
    ///   - output, scratch: Buffers of at least `chunkBytes + checksumBytes` bytes; the chunk
    ///     ends up in the first `chunkBytes` bytes of `output`.
    /// - Returns: nil on success, else why the chunk cannot be decoded.
    func decode(
        _ raw: UnsafeRawBufferPointer, filterMask: UInt32, chunkBytes: Int, into output: UnsafeMutableRawBufferPointer,
        scratch: UnsafeMutableRawBufferPointer
    ) -> String? {
        let active = filters.enumerated().filter { index, _ in index >= 32 || filterMask & (1 << UInt32(index)) == 0 }.map(\.element)
        // The size of the data before each active filter was applied, when writing.
        var sizes = [chunkBytes]
        for filter in active { sizes.append(filter == .fletcher32 ? sizes.last! + 4 : sizes.last!) }
        // The bytes being decoded: a view into `raw` until a step writes them to a work buffer.
        var current = raw
        var inOutput = false
        for (step, filter) in active.enumerated().reversed() {
            let expected = sizes[step]
            let target = inOutput ? scratch : output
            switch filter {
            case .fletcher32:
                guard current.count >= 4 else { return "its \(current.count) bytes cannot hold a Fletcher-32 checksum" }
                let data = UnsafeRawBufferPointer(rebasing: current.prefix(current.count - 4))
                let tail = current.suffix(4)
                let stored = tail.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
                let computed = Self.fletcher32(data)
                // libhdf5 before 1.6.3 stored the checksum with its bytes swapped in pairs; it accepts both.
                let swapped = (computed & 0xFF00_FF00) >> 8 | (computed & 0x00FF_00FF) << 8
                guard stored == computed || stored == swapped else {
                    return "its Fletcher-32 checksum is \(hex(stored)), the data's is \(hex(computed)): the chunk is corrupt"
                }
                current = data
                continue
            case .deflate:
                let space = UnsafeMutableRawBufferPointer(rebasing: target.prefix(expected))
                switch Self.inflate(current, into: space) {
                case nil: return "it is not a valid deflate (zlib) stream, or it is cut short"
                case .exact?: break
                case .short(let count)?: return "it inflates to \(count) bytes, not the \(expected) expected"
                case .long?: return "it inflates to more than the \(expected) bytes expected"
                }
            case .shuffle(let elementSize):
                guard current.count == expected else {
                    return "it holds \(current.count) bytes before unshuffling, not the \(expected) expected"
                }
                Self.unshuffle(current, elementSize: elementSize, into: target)
            }
            current = UnsafeRawBufferPointer(rebasing: target.prefix(expected))
            inOutput = target.baseAddress == output.baseAddress
        }
        guard current.count == chunkBytes else {
            return "it holds \(current.count) bytes, not the chunk's \(chunkBytes)"
        }
        if !inOutput, let base = current.baseAddress, current.count > 0 {
            output.baseAddress!.copyMemory(from: base, byteCount: current.count)
        }
        return nil
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }

    enum Inflated { case exact, short(Int), long }

    /// Inflates a whole zlib stream into `output`; nil for a corrupt stream.
    static func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Inflated? {
        guard let inflater = try? ZipInflater(zlibHeader: true) else { return nil }
        var consumed = 0
        var produced = 0
        while true {
            guard let step = try? inflater.inflate(
                from: UnsafeRawBufferPointer(rebasing: input[consumed...]),
                into: UnsafeMutableRawBufferPointer(rebasing: output[produced...]))
            else { return nil }
            consumed += step.consumed
            produced += step.produced
            if step.streamEnded { return produced == output.count ? .exact : .short(produced) }
            if step.consumed == 0 && step.produced == 0 {
                // Output full with the stream still going, or input ended mid-stream.
                if produced == output.count {
                    var probe: UInt8 = 0
                    let more = withUnsafeMutableBytes(of: &probe) { byte in
                        try? inflater.inflate(from: UnsafeRawBufferPointer(rebasing: input[consumed...]), into: byte)
                    }
                    guard let more else { return nil }
                    if more.produced > 0 { return .long }
                    return more.streamEnded ? .exact : nil  // else the stream stops before its end
                }
                return nil  // the input ends before the stream does
            }
        }
    }

    /// HDF5's shuffle inverse: the stored bytes are all elements' byte 0, then all byte 1, ….
    /// Trailing bytes that do not fill an element are stored as they are (as libhdf5 does).
    static func unshuffle(_ input: UnsafeRawBufferPointer, elementSize: Int, into output: UnsafeMutableRawBufferPointer) {
        let count = input.count
        guard elementSize > 1, count >= elementSize else {
            output.baseAddress!.copyMemory(from: input.baseAddress!, byteCount: count)
            return
        }
        let elements = count / elementSize
        let source = input.bindMemory(to: UInt8.self)
        let target = output.bindMemory(to: UInt8.self)
        for byte in 0..<elementSize {
            let plane = byte * elements
            var position = byte
            for element in 0..<elements {
                target[position] = source[plane + element]
                position += elementSize
            }
        }
        let tail = elements * elementSize
        for index in tail..<count { target[index] = source[index] }
    }

    /// HDF5's Fletcher-32 (`H5_checksum_fletcher32`): 16-bit big-endian words, sums reduced
    /// every 360 words, an odd last byte as the high byte of a word.
    static func fletcher32(_ data: UnsafeRawBufferPointer) -> UInt32 {
        let bytes = data.bindMemory(to: UInt8.self)
        var sum1: UInt32 = 0
        var sum2: UInt32 = 0
        var index = 0
        var words = bytes.count / 2
        while words > 0 {
            let block = min(words, 360)
            words -= block
            for _ in 0..<block {
                sum1 &+= UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
                sum2 &+= sum1
                index += 2
            }
            sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
            sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
        }
        if bytes.count % 2 == 1 {
            sum1 &+= UInt32(bytes[index]) << 8
            sum2 &+= sum1
            sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
            sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
        }
        sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
        sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
        return sum2 << 16 | sum1
    }
}
