/// A checkpoint seen in the other layout: its tensors are the translation's targets, and
/// opening one reads the source tensors its expression needs (whole, each once), computes it
/// and hands its bytes out in the caller's pieces. Memory is the tensors of one target at a
/// time. Used by ``RingReader`` on its reading thread only.
final class LayoutReader: CheckpointReader {
    private let source: CheckpointReader
    private let targets: [String: LayoutTranslation.Target]
    let tensors: [StoredTensor]

    init(source: CheckpointReader, targets: [LayoutTranslation.Target]) {
        self.source = source
        self.targets = Dictionary(targets.map { ($0.info.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.tensors = targets.map { StoredTensor(info: $0.info, location: $0.info.name) }
    }

    var path: String { source.path }
    var format: CheckpointFormat { source.format }
    var modelConfig: String? { nil }
    var recipe: String? { nil }
    var metadata: [(key: String, value: String)] { [] }

    func verify() throws { try source.verify() }

    func open(_ tensor: StoredTensor) throws -> TensorByteReader {
        guard let target = targets[tensor.name] else {
            throw LayoutError(path: path, "no tensor \(tensor.name) in the converted layout")
        }
        let value = try target.expression.evaluate { name in
            guard let stored = target.sources[name] else { throw LayoutError(path: self.path, "\(tensor.name) reads \(name), which the file lacks") }
            return try load(stored)
        }
        return MemoryTensorReader(bytes: value.bytes, name: tensor.name)
    }

    /// A source tensor's values, whole.
    private func load(_ stored: StoredTensor) throws -> HostTensor {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(stored.info.byteCount)
        try source.read(stored, maximumPieceBytes: RingReader.defaultPieceBytes) { piece in bytes.append(contentsOf: piece) }
        return HostTensor(shape: stored.info.shape, dtype: stored.info.dtype, bytes: bytes)
    }
}

/// A computed tensor's bytes, handed out front to back.
final class MemoryTensorReader: TensorByteReader {
    private let bytes: [UInt8]
    private let name: String
    private var position = 0

    init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard buffer.count <= bytes.count - position else {
            throw LayoutError(path: "", "\(name): asked for \(buffer.count) bytes past its end")
        }
        bytes.withUnsafeBytes { raw in
            if buffer.count > 0 { buffer.baseAddress!.copyMemory(from: raw.baseAddress! + position, byteCount: buffer.count) }
        }
        position += buffer.count
    }

    func finish() throws {
        guard position == bytes.count else { throw LayoutError(path: "", "\(name): \(bytes.count - position) bytes were not read") }
    }
}
