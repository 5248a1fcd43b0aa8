import CHDF5

/// Reads the rows of a filtered chunked dataset, decoding its chunks with ``HDF5ChunkPipeline``
/// instead of libhdf5's filters.
///
/// Chunks are decoded one band at a time: the chunks covering the same rows of the first axis
/// (`chunkShape[0]` rows of the whole dataset). Memory is one band, one raw chunk and one decoded
/// chunk, whatever the compression ratio; time is proportional to the bytes the dataset declares.
/// A chunk never written reads as the dataset's fill value, as with libhdf5.
///
/// Each chunk's index entry (`H5Dget_chunk_info_by_coord`) is checked before its bytes are read:
/// it must lie inside the file and store no more than twice the chunk's size (libhdf5's deflate
/// never stores more than 0.1 % above it), so a lying index cannot make ckpt allocate more
/// than the file justifies.
final class HDF5ChunkedRows {
    /// The most bytes a band, a chunk, or a row of a dataset that expands may hold: those of a
    /// real file are far smaller (h5py sizes chunks at up to 1 MiB, Keras does not chunk), so a
    /// larger one is refused when the file is opened rather than allocated.
    static let maximumBandBytes = 256 << 20

    private let dataset: HDF5Dataset
    private let shape: [Int]
    private let chunkShape: [Int]
    private let pipeline: HDF5ChunkPipeline
    private let elementSize: Int
    /// Bytes of one chunk (whole chunks are stored, edge chunks included).
    private let chunkBytes: Int
    private let rowBytes: Int
    private let conversion: HDF5RawConversion
    private let fileSize: Int

    private var band: UnsafeMutableRawBufferPointer
    private var bandIndex = -1
    private var decoded: UnsafeMutableRawBufferPointer
    private var scratch: UnsafeMutableRawBufferPointer
    private var raw: UnsafeMutableRawBufferPointer

    /// Prepares to read `dataset`, whose pipeline ckpt decodes, as `dtype` bytes.
    init(_ dataset: HDF5Dataset, dtype: DType) throws {
        let site = dataset.objectHandle.site()
        let operation = "read rows of dataset"
        guard let chunkShape = dataset.chunkShape, chunkShape.count == dataset.shape.count, !chunkShape.isEmpty,
              chunkShape.allSatisfy({ $0 > 0 })
        else {
            throw HDF5Call.invalid(operation, site, "a filtered dataset must be chunked")
        }
        self.dataset = dataset
        shape = dataset.shape
        self.chunkShape = chunkShape
        pipeline = dataset.pipeline
        elementSize = dtype.byteSize
        conversion = try HDF5RawConversion(dataset, dtype: dtype, operation: operation)
        var size: hsize_t = 0
        fileSize = H5Fget_filesize(dataset.objectHandle.file.id, &size) >= 0 ? Int(clamping: size) : 0

        let chunkElements = chunkShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        let (bytes, chunkOverflow) = chunkElements.multipliedReportingOverflow(by: elementSize)
        rowBytes = shape.dropFirst().reduce(elementSize, *)
        let (bandBytes, bandOverflow) = min(chunkShape[0], shape[0]).multipliedReportingOverflow(by: rowBytes)
        guard !chunkOverflow, bytes <= Self.maximumBandBytes, !bandOverflow, bandBytes <= Self.maximumBandBytes else {
            throw HDF5Call.invalid(
                operation, site,
                Self.sizeProblem(shape: shape, chunkShape: chunkShape, elementSize: elementSize) ?? "its chunks are too large")
        }
        chunkBytes = bytes


        band = .allocate(byteCount: max(bandBytes, 1), alignment: 16)
        decoded = .allocate(byteCount: bytes + pipeline.checksumBytes + 1, alignment: 16)
        scratch = .allocate(byteCount: bytes + pipeline.checksumBytes + 1, alignment: 16)
        raw = .allocate(byteCount: 0, alignment: 16)
    }

    /// Why a compressed or unwritten dataset of this shape is refused (a row, a chunk or a
    /// band of chunk rows over ``maximumBandBytes``), or nil.
    static func sizeProblem(shape: [Int], chunkShape: [Int]?, elementSize: Int) -> String? {
        let limit = maximumBandBytes
        func product(_ values: some Sequence<Int>) -> Int? {
            var total = elementSize
            for value in values {
                let (next, overflow) = total.multipliedReportingOverflow(by: value)
                if overflow { return nil }
                total = next
            }
            return total
        }
        let row = product(shape.dropFirst())
        guard let row, row <= limit else {
            return "a row (first-axis slice) is \(row.map { "\($0) bytes" } ?? "too large"); ckpt holds one in memory and reads at most \(ByteSize.describe(limit)) rows of a compressed or unwritten dataset"
        }
        guard let chunkShape, chunkShape.count == shape.count, let first = chunkShape.first, let firstSize = shape.first else { return nil }
        guard let chunk = product(chunkShape), chunk <= limit else {
            return "its chunks of shape \(chunkShape) are over \(ByteSize.describe(limit)); ckpt decodes chunks of at most that"
        }
        let (band, overflow) = min(first, firstSize).multipliedReportingOverflow(by: row)
        guard !overflow, band <= limit else {
            return "its chunks of shape \(chunkShape) span \(min(first, firstSize)) rows of \(row) bytes, over \(ByteSize.describe(limit)); ckpt decodes at most that many bytes of rows at a time"
        }
        return nil
    }

    deinit {
        band.deallocate()
        decoded.deallocate()
        scratch.deallocate()
        raw.deallocate()
    }

    /// Copies rows `firstRow ..< firstRow + buffer.count / rowBytes` into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer, firstRow: Int) throws {
        let rowCount = buffer.count / rowBytes
        guard buffer.count % rowBytes == 0, firstRow >= 0, rowCount <= shape[0] - firstRow else {
            throw HDF5Call.invalid("read rows of dataset", dataset.objectHandle.site(),
                                   "rows \(firstRow)..<\(firstRow + rowCount) are outside 0..<\(shape[0])")
        }
        var row = firstRow
        var written = 0
        while row < firstRow + rowCount {
            let index = row / chunkShape[0]
            if index != bandIndex { try load(band: index) }
            let bandStart = index * chunkShape[0]
            let bandEnd = min(bandStart + chunkShape[0], shape[0])
            let take = min(bandEnd, firstRow + rowCount) - row
            let bytes = take * rowBytes
            buffer.baseAddress!.advanced(by: written)
                .copyMemory(from: band.baseAddress!.advanced(by: (row - bandStart) * rowBytes), byteCount: bytes)
            written += bytes
            row += take
        }
    }

    /// Decodes every chunk of band `index` into `band`.
    private func load(band index: Int) throws {
        bandIndex = -1
        let rank = shape.count
        // Chunks per dimension after the first.
        let grid = (1..<rank).map { (shape[$0] + chunkShape[$0] - 1) / chunkShape[$0] }
        var position = [Int](repeating: 0, count: max(rank - 1, 0))
        var offset = [hsize_t](repeating: 0, count: rank)
        offset[0] = hsize_t(index * chunkShape[0])
        repeat {
            for d in 1..<rank { offset[d] = hsize_t(position[d - 1] * chunkShape[d]) }
            try decodeChunk(at: offset)
            scatter(offset.map { Int($0) })
        } while Self.advance(&position, limits: grid)
        bandIndex = index
    }

    /// Steps an odometer; false after the last position (also for rank 0).
    private static func advance(_ position: inout [Int], limits: [Int]) -> Bool {
        var d = position.count - 1
        while d >= 0 {
            position[d] += 1
            if position[d] < limits[d] { return true }
            position[d] = 0
            d -= 1
        }
        return false
    }

    /// Reads and decodes the chunk at `offset` (element coordinates) into `decoded`, in the
    /// memory type; a chunk never written is the fill value.
    private func decodeChunk(at offset: [hsize_t]) throws {
        let site = dataset.objectHandle.site()
        let name = "chunk at \(offset.map { Int($0) })"
        HDF5Call.silenceErrorPrinting()
        var mask: UInt32 = 0
        var address: haddr_t = 0
        var size: hsize_t = 0
        try HDF5Call.check(
            H5Dget_chunk_info_by_coord(dataset.objectHandle.id, offset, &mask, &address, &size),
            "look up the \(name) of dataset", site)
        if address == CHDF5_HADDR_UNDEF() || size == 0 {
            conversion.fillValue(into: UnsafeMutableRawBufferPointer(rebasing: decoded.prefix(chunkBytes)))
            return
        }
        let stored = Int(clamping: size)
        let (end, overflow) = Int(clamping: address).addingReportingOverflow(stored)
        guard !overflow, end <= fileSize else {
            throw HDF5Call.invalid("read the \(name) of dataset", site,
                                   "the chunk index puts its \(stored) bytes at offset \(address), past the end of the \(fileSize)-byte file")
        }
        guard !pipeline.filters.isEmpty || stored == chunkBytes else {
            throw HDF5Call.invalid("read the \(name) of dataset", site,
                                   "the chunk index says it stores \(stored) bytes for an unfiltered chunk of \(chunkBytes); the file is corrupt")
        }
        guard stored <= 2 * chunkBytes + 1024 else {
            throw HDF5Call.invalid("read the \(name) of dataset", site,
                                   "the chunk index says it stores \(stored) bytes for a chunk of \(chunkBytes); the file is corrupt")
        }
        if raw.count < stored {
            raw.deallocate()
            raw = .allocate(byteCount: stored, alignment: 16)
        }
        var filters: UInt32 = 0
        try HDF5Call.check(
            H5Dread_chunk(dataset.objectHandle.id, CHDF5_H5P_DEFAULT(), offset, &filters, raw.baseAddress),
            "read the \(name) of dataset", site)
        let input = UnsafeRawBufferPointer(rebasing: raw.prefix(stored))
        if let problem = pipeline.decode(
            input, filterMask: filters, chunkBytes: chunkBytes, into: decoded, scratch: scratch)
        {
            throw HDF5Call.invalid("decode the \(name) of dataset", site, problem)
        }
        try conversion.convert(UnsafeMutableRawBufferPointer(rebasing: decoded.prefix(chunkBytes)), what: name)
    }

    /// Copies the part of the decoded chunk at `offset` that lies inside the dataset into the band.
    private func scatter(_ offset: [Int]) {
        let rank = shape.count
        let extent = (0..<rank).map { min(chunkShape[$0], shape[$0] - offset[$0]) }
        let lineBytes = extent[rank - 1] * elementSize
        // Strides in elements, of the chunk and of the band (the band starts at row offset[0]).
        var chunkStride = [Int](repeating: 1, count: rank)
        var bandStride = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) {
            chunkStride[d] = chunkStride[d + 1] * chunkShape[d + 1]
            bandStride[d] = bandStride[d + 1] * shape[d + 1]
        }
        var base = 0
        for d in 1..<max(rank, 1) where rank > 1 { base += offset[d] * bandStride[d] }
        var position = [Int](repeating: 0, count: rank - 1)
        let limits = Array(extent.dropLast())
        repeat {
            var from = 0
            var to = base
            for d in 0..<(rank - 1) {
                from += position[d] * chunkStride[d]
                to += position[d] * bandStride[d]
            }
            band.baseAddress!.advanced(by: to * elementSize)
                .copyMemory(from: decoded.baseAddress!.advanced(by: from * elementSize), byteCount: lineBytes)
        } while rank > 1 && Self.advance(&position, limits: limits)
    }
}
