import Foundation

/// An error in a batch: a jobs file that cannot be read, a job that cannot be expanded, or a
/// run that cannot start. One line naming the jobs file, the job (its number, from 1, and kind)
/// and the field: `jobs.json: job 2 ("convert"), field "convert": no file matches "legacy/*.h5"`.
///
/// For the one-job batches `ckpt init --seeds …` and `ckpt convert … -o DIR/` build, fields are
/// named by their command-line options instead: `--seeds: …`.
public struct BatchError: LocatedError {
    /// The jobs file (`jobs.json`, `stdin`) or command (`ckpt init`) the job came from.
    public var source: String
    /// The job's number in the file, from 1 (nil: the file as a whole).
    public var job: Int?
    /// The job's kind (`init`, `convert`), when known.
    public var kind: String?
    /// The job's key (or, for command-line jobs, the option) the error is about.
    public var field: String?
    /// What is wrong.
    public var message: String
    /// Whether the job came from command-line options rather than a file.
    var isCommandLine = false

    /// Creates an error.
    public init(source: String, job: Int? = nil, kind: String? = nil, field: String? = nil, _ message: String) {
        self.source = source
        self.job = job
        self.kind = kind
        self.field = field
        self.message = message
    }

    /// The jobs file, job, kind and field (``LocatedError`` prints `location: message` on one line).
    public var location: String {
        if isCommandLine {
            return [source, field.map(Self.optionName(for:))].compactMap { $0 }.joined(separator: ": ")
        }
        var location = source
        if let job {
            location += ": job \(job)"
            if let kind { location += " (\"\(kind)\")" }
        }
        if let field { location += (job == nil ? ": " : ", ") + "field \"\(field)\"" }
        return location
    }

    /// The command-line option of `ckpt init`/`ckpt convert` that sets the job key `field`.
    static func optionName(for field: String) -> String {
        optionNames[field] ?? "--" + field.replacingOccurrences(of: "_", with: "-")
    }

    /// The command-line options of `ckpt init`/`ckpt convert` that set each job key.
    private static let optionNames = [
        "init": "SPEC", "convert": "INPUT", "output": "-o", "formats": "--format", "to": "--to",
    ]
}
