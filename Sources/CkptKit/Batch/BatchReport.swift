import Foundation

/// A batch's JSON Lines report: one record per output as it finishes, then a summary record.
///
/// Each record is one `write` of one line, so an interrupted run leaves a valid prefix (at
/// worst a last line cut short, which ``load(path:)`` ignores). `--resume` appends to the
/// report it read; a fresh run replaces it.
final class BatchReport {
    let path: String
    private let handle: FileHandle

    /// Opens `path` for appending records; `appending` keeps what is there (a resumed run),
    /// otherwise the file starts empty.
    init(path: String, appending: Bool) throws(BatchError) {
        self.path = path
        let fresh = !appending || !FileManager.default.fileExists(atPath: path)
        if fresh {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw BatchError(source: path, "cannot create the report (does its folder exist, and is it writable?)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw BatchError(source: path, "cannot open the report for writing")
        }
        self.handle = handle
        do {
            let end = try handle.seekToEnd()
            // A run cut off mid-line: start the next record on a line of its own.
            if end > 0, let reader = FileHandle(forReadingAtPath: path) {
                try reader.seek(toOffset: end - 1)
                let last = try reader.read(upToCount: 1)
                try reader.close()
                if last != Data("\n".utf8) { try handle.write(contentsOf: Data("\n".utf8)) }
            }
        } catch {
            throw BatchError(source: path, "cannot append to the report: \(error.localizedDescription)")
        }
    }

    deinit {
        try? handle.close()
    }

    /// Appends one record as one line.
    func append(_ value: JSONValue) throws(BatchError) {
        let line = JSONWriter.string(value, style: .compact) + "\n"
        do {
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw BatchError(source: path, "cannot write to the report: \(error.localizedDescription)")
        }
    }

    /// Makes what was written durable.
    func synchronize() {
        try? handle.synchronize()
    }

    /// The last output record of each output in the report at `path` (keyed by the output's
    /// absolute normalized path); a missing report is empty. Lines that are not output records
    /// (summaries, a line cut short) are passed over.
    static func load(path: String) throws(BatchError) -> [String: BatchRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BatchError(source: path, "cannot read the report")
        }
        var records: [String: BatchRecord] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let value = try? JSONParser.parse(Array(line)), let record = BatchRecord(json: value) else { continue }
            records[BatchPaths.identity(record.output)] = record
        }
        return records
    }
}
