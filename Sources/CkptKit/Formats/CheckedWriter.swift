/// The writer contract of ``CheckpointWriter``, enforced in one place for every format: every
/// writer the registry makes (``FormatDescriptor/makeWriter(_:)``) is wrapped in one.
///
/// - Tensors begin in layout order, each the layout's own (name, shape, dtype, Keras path),
///   skipping only those the writer does not want (``CheckpointWriter/wantsTensor(at:)``).
/// - `append` needs an open tensor and takes whole rows (first-axis slices; a scalar whole),
///   never more bytes than the tensor has.
/// - `endTensor` needs every byte of the tensor; `finish` needs every wanted tensor ended.
/// - After `finish`, `abort` or a failed call, only `abort` is accepted (a failed writer may
///   have written part of a tensor: nothing more can make its file right).
///
/// Misuse is an `OutputError` naming the target and the tensor, and the inner writer never
/// sees the call, so a writer's own code can trust its input.
final class CheckedWriter: CheckpointWriter {
    private enum State { case open, finished, aborted, failed }

    private let inner: CheckpointWriter
    private let layout: CheckpointLayout
    private let path: String
    private var state = State.open
    /// The index in the layout of the next tensor to begin (before skipping unwanted ones).
    private var next = 0
    /// The open tensor: its index, row size and the bytes received so far.
    private var current: (index: Int, info: TensorInfo, rowBytes: Int, received: Int)?

    init(_ inner: CheckpointWriter, layout: CheckpointLayout, path: String) {
        self.inner = inner
        self.layout = layout
        self.path = path
    }

    func beginTensor(_ tensor: LayoutTensor) throws {
        try ensureOpen("begin tensor \(tensor.info.name)")
        if let current {
            throw misuse("tensor \(tensor.info.name) began before tensor \(current.info.name) ended")
        }
        while next < layout.tensors.count, !inner.wantsTensor(at: next) { next += 1 }
        guard next < layout.tensors.count else {
            throw misuse("tensor \(tensor.info.name) began after the last of the layout's \(layout.tensors.count) tensors")
        }
        let expected = layout.tensors[next]
        guard expected.info == tensor.info, expected.kerasPath == tensor.kerasPath else {
            throw misuse("expected tensor \(describe(expected)) next, got \(describe(tensor))")
        }
        try forward { try inner.beginTensor(tensor) }
        current = (next, tensor.info, TensorPieces.rowBytes(tensor.info), 0)
        next += 1
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try ensureOpen("append bytes")
        guard let open = current else { throw misuse("\(bytes.count) bytes arrived with no tensor begun") }
        let total = open.info.byteCount
        guard bytes.count <= total - open.received else {
            throw misuse("tensor \(open.info.name): \(open.received + bytes.count) bytes arrived; it has \(total)")
        }
        guard bytes.isEmpty || (open.rowBytes > 0 && bytes.count % open.rowBytes == 0) else {
            throw misuse("tensor \(open.info.name): \(bytes.count) bytes are not whole rows of \(open.rowBytes) bytes")
        }
        try forward { try inner.append(bytes) }
        current?.received += bytes.count
    }

    func endTensor() throws {
        try ensureOpen("end a tensor")
        guard let open = current else { throw misuse("a tensor ended with none begun") }
        guard open.received == open.info.byteCount else {
            throw misuse("tensor \(open.info.name) ended after \(open.received) of its \(open.info.byteCount) bytes")
        }
        try forward { try inner.endTensor() }
        current = nil
    }

    func finish() throws {
        try ensureOpen("finish")
        if let current { throw misuse("finished while tensor \(current.info.name) was open") }
        while next < layout.tensors.count, !inner.wantsTensor(at: next) { next += 1 }
        guard next == layout.tensors.count else {
            throw misuse("finished after \(next) of the layout's \(layout.tensors.count) tensors (next: \(layout.tensors[next].info.name))")
        }
        try forward { try inner.finish() }
        state = .finished
    }

    func abort() {
        if state != .finished { state = .aborted }
        inner.abort()
    }

    func wantsTensor(at index: Int) -> Bool { inner.wantsTensor(at: index) }

    var writtenFiles: [String]? { inner.writtenFiles ?? [path] }

    var shardCount: Int? { inner.shardCount }

    // MARK: - Private

    private func ensureOpen(_ operation: String) throws {
        switch state {
        case .open: return
        case .finished: throw misuse("cannot \(operation): the writer has finished")
        case .aborted: throw misuse("cannot \(operation): the writer was aborted")
        case .failed: throw misuse("cannot \(operation): an earlier write failed")
        }
    }

    /// Runs a call of the inner writer; a failure leaves the writer failed.
    private func forward(_ call: () throws -> Void) throws {
        do {
            try call()
        } catch {
            state = .failed
            throw error
        }
    }

    private func misuse(_ reason: String) -> OutputError {
        OutputError(path: path, "writer misuse: \(reason)")
    }

    private func describe(_ tensor: LayoutTensor) -> String {
        "\(tensor.info.name) \(ShapeText.describe(tensor.info.shape.map { $0 })) \(tensor.info.dtype.rawValue)"
            + (tensor.kerasPath.map { " at \($0)" } ?? "")
    }
}
