/// Follows a batch as it runs, to show its progress (the executable draws a bar or log lines).
///
/// `BatchRunner` calls it from its worker threads, and ``tick()`` from the thread that runs the
/// batch a few times a second, so a conformer guards its own state.
public protocol BatchProgressObserver: Sendable {
    /// The run starts: `outputs` outputs to write, about `expectedBytes` bytes in all.
    func batchStarted(outputs: Int, expectedBytes: Int)
    /// A worker starts writing `output`.
    func outputStarted(_ output: BatchOutput)
    /// `count` more bytes of the output with id `id` were written.
    func output(_ id: Int, wrote count: Int)
    /// `output` was cancelled while being written (it will be redone by `--resume`).
    func outputCancelled(_ output: BatchOutput)
    /// `output` is done: written, skipped or failed.
    func outputFinished(_ output: BatchOutput, _ outcome: BatchOutcome)
    /// Time passed (about every 200 ms while outputs are being written).
    func tick()
    /// Every output is done, or the run stopped.
    func batchEnded()
}
