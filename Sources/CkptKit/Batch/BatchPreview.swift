/// What a batch run would do with one of its outputs (`--dry-run`), decided exactly as the run
/// decides it.
public struct BatchPreview: Sendable {
    /// What happens to the output.
    public enum Action: String, Sendable {
        /// Written; nothing is there yet.
        case write
        /// Written over an existing file (`--force`, or `--resume` redoing an output whose
        /// record does not match).
        case replace
        /// Kept: `--resume` and the report shows it finished and unchanged.
        case skip
        /// The run is refused before any work: the file exists and neither `--force` nor
        /// `--resume` was given.
        case refuse
    }

    /// The output.
    public var output: BatchOutput
    /// What the run would do with it.
    public var action: Action
    /// The claimed file that exists already (`replace`, `refuse`), if any.
    public var existing: String?
}

extension BatchRunner {
    /// What the run would do with each selected output, in order, without writing anything:
    /// the same checks the run makes (the report's records for `--resume`, the files that
    /// exist). Throws only when `--resume`'s report cannot be read.
    public func preview() throws(BatchError) -> [BatchPreview] {
        let previous = try previousRecords()
        return plan.selected.map { output in
            if options.resume, let record = previous[BatchPaths.identity(output.path)], unchanged(output, record) != nil {
                return BatchPreview(output: output, action: .skip, existing: nil)
            }
            guard let existing = output.existingFile else { return BatchPreview(output: output, action: .write, existing: nil) }
            return BatchPreview(output: output, action: output.overwrite ? .replace : .refuse, existing: existing)
        }
    }
}
