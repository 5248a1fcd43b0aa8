import Foundation

/// A batch's jobs and where they came from: a JSON file (`{"jobs": […]}`), a JSON Lines file (one
/// job object per line), standard input (either), or the options of `ckpt init`/`ckpt convert`.
///
/// Relative paths in jobs are relative to the jobs file's folder (standard input and the command
/// line: the current folder); ``resolve(_:)`` applies that.
public struct JobsFile: Sendable {
    /// How the jobs file is laid out.
    public enum Layout: Sendable {
        /// One JSON value: `{"jobs": [...], "defaults": {...}}`, a list of jobs, or one job.
        case json
        /// One job object per line (blank lines allowed).
        case jsonLines
        /// JSON when the whole text is one JSON value, else JSON Lines.
        case automatic
    }

    /// The name errors use: the path as given, `stdin`, or the command (`ckpt init`).
    public var label: String
    /// The folder relative paths are resolved against: empty (the current folder) or ending in `/`.
    public var baseFolder: String
    /// The jobs, in file order.
    public var jobs: [BatchJob]
    /// Whether the jobs were made from command-line options (errors name options, not keys).
    var isCommandLine = false

    /// Keys a JSON jobs file may have at the top.
    static let topLevelKeys = ["jobs", "defaults"]

    /// Jobs made from command-line options (`ckpt init --seeds …`), labelled `command`.
    public init(command: String, jobs: [BatchJob]) {
        label = command
        baseFolder = ""
        self.jobs = jobs
        isCommandLine = true
    }

    /// Jobs read from text.
    init(label: String, baseFolder: String, jobs: [BatchJob]) {
        self.label = label
        self.baseFolder = baseFolder
        self.jobs = jobs
    }

    /// Reads the jobs file at `path` (`-`: standard input). `.jsonl` and `.ndjson` files are JSON
    /// Lines, other files JSON; standard input may be either.
    public static func load(path: String) throws(BatchError) -> JobsFile {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            if let problem = JSONParser.encodingProblem([UInt8](data)) { throw BatchError(source: "stdin", problem.message) }
            return try parse(String(decoding: data, as: UTF8.self), label: "stdin", baseFolder: "", layout: .automatic)
        }
        if let problem = InputFile.problem(at: path) {
            throw BatchError(source: path, problem == "not a regular file (a folder)" ? "is a folder, not a jobs file" : problem)
        }
        let bytes: [UInt8]
        do {
            bytes = try InputFile.contents(of: path)
        } catch {
            throw BatchError(source: path, "cannot read the file: \(error.reason)")
        }
        if let problem = JSONParser.encodingProblem(bytes) {
            throw BatchError(source: path, problem.message)
        }
        let data = Data(bytes)
        let lower = path.lowercased()
        let layout: Layout = lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .jsonLines : .json
        let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        return try parse(String(decoding: data, as: UTF8.self), label: path, baseFolder: folder, layout: layout)
    }

    /// Parses jobs from `text`; `label` names the file in errors.
    public static func parse(_ text: String, label: String, baseFolder: String, layout: Layout) throws(BatchError) -> JobsFile {
        var file = JobsFile(label: label, baseFolder: baseFolder, jobs: [])
        switch layout {
        case .json:
            file.jobs = try parseDocument(text, label: label)
        case .jsonLines:
            file.jobs = try parseLines(text, label: label)
        case .automatic:
            // One JSON value, else JSON Lines (whose lines are each a value, so the whole is not).
            if (try? JSONParser.parse(text)) != nil || !text.contains("\n") {
                file.jobs = try parseDocument(text, label: label)
            } else {
                file.jobs = try parseLines(text, label: label)
            }
        }
        guard !file.jobs.isEmpty else { throw BatchError(source: label, "the file has no jobs") }
        return file
    }

    /// `path` as the jobs file means it: relative paths are under ``baseFolder``.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseFolder + path
    }

    /// An error about `field` of `job`.
    func error(_ job: BatchJob, field: String?, _ message: String) -> BatchError {
        error(job: job.number, kind: job.kind, field: field, message)
    }

    /// How a message names the job key `key`: `"dtype"` in a jobs file, `--dtype` on the
    /// command line.
    func mention(_ key: String) -> String {
        isCommandLine ? BatchError.optionName(for: key) : "\"\(key)\""
    }

    /// An error about `field` of job number `job`.
    func error(job: Int, kind: BatchJob.Kind, field: String?, _ message: String) -> BatchError {
        var error = BatchError(source: label, job: isCommandLine ? nil : job, kind: kind.rawValue, field: field, message)
        error.isCommandLine = isCommandLine
        return error
    }

    // MARK: Private

    private static func parseDocument(_ text: String, label: String) throws(BatchError) -> [BatchJob] {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw BatchError(source: label, "malformed JSON at \(error)")
        }
        var defaults = JSONObject()
        let items: [JSONValue]
        if let list = root.array {
            items = list
        } else if let object = root.object, object["init"] != nil || object["convert"] != nil {
            items = [root]
        } else if let object = root.object {
            for key in object.keys where !topLevelKeys.contains(key) {
                throw BatchError(source: label, "unknown top-level key \"\(key)\"; a jobs file has \"jobs\" (a list) and optionally \"defaults\"")
            }
            guard let list = object["jobs"]?.array else {
                throw BatchError(source: label, "expected {\"jobs\": [...]} with a list of jobs")
            }
            if let value = object["defaults"] {
                guard let object = value.object else {
                    throw BatchError(source: label, field: "defaults", "expected an object of job keys, not \(BatchJob.describe(value))")
                }
                defaults = object
            }
            items = list
        } else {
            throw BatchError(source: label, "expected {\"jobs\": [...]}, not \(BatchJob.describe(root))")
        }
        try checkDefaults(defaults, label: label)
        var jobs: [BatchJob] = []
        for (index, item) in items.enumerated() {
            jobs.append(try job(item, number: index + 1, defaults: defaults, label: label))
        }
        return jobs
    }

    private static func parseLines(_ text: String, label: String) throws(BatchError) -> [BatchJob] {
        var jobs: [BatchJob] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let value: JSONValue
            do {
                value = try JSONParser.parse(String(line))
            } catch {
                throw BatchError(source: label, "line \(index + 1): malformed JSON at column \(error.column): \(error.message)")
            }
            jobs.append(try job(value, number: jobs.count + 1, defaults: JSONObject(), label: label))
        }
        return jobs
    }

    private static func job(_ value: JSONValue, number: Int, defaults: JSONObject, label: String) throws(BatchError) -> BatchJob {
        guard let object = value.object else {
            throw BatchError(source: label, job: number, "expected a job object, not \(BatchJob.describe(value))")
        }
        do {
            return try BatchJob.parse(object, number: number, defaults: defaults)
        } catch {
            let kind = object["init"] != nil ? "init" : object["convert"] != nil ? "convert" : nil
            throw BatchError(source: label, job: number, kind: kind, field: error.field, error.message)
        }
    }

    private static func checkDefaults(_ defaults: JSONObject, label: String) throws(BatchError) {
        let known = BatchJob.commonKeys + BatchJob.initKeys + BatchJob.convertKeys
        for key in defaults.keys where !known.contains(key) || key == "init" || key == "convert" {
            throw BatchError(source: label, field: "defaults", "\"\(key)\" cannot be a default; defaults are job keys such as \"output\", \"dtype\" or \"formats\"")
        }
    }
}
