import Foundation

extension HDF5Sandbox {
    /// The probe's side: the body of `ckpt __probe-hdf5 [--memory-limit BYTES] [--cpu-limit
    /// SECONDS] [--max-decompressed BYTES] [--embedded OFFSET:SIZE] [--] FILE`. Returns the process exit status.
    ///
    /// Sets its own limits (`RLIMIT_AS`, `RLIMIT_CPU`, `RLIMIT_CORE` 0), opens the file the way
    /// `HDF5CheckpointReader` does, without a sandbox, and writes one JSON line to standard
    /// output: `{"status":"clean"}` (exit 0) or the error met (exit 1), which the parent
    /// rethrows. Exit 2 for bad arguments.
    public static func runProbe(arguments: [String]) -> Int32 {
        var memoryLimit: Int?
        var cpuLimit: Int?
        var path: String?
        var embedding: HDF5Embedding?
        var badEmbedding = false
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--memory-limit": memoryLimit = rest.popFirst().flatMap { Int($0) }
            case "--cpu-limit": cpuLimit = rest.popFirst().flatMap { Int($0) }
            case "--max-decompressed":
                if let bytes = rest.popFirst().flatMap({ Int($0) }), bytes > 0 {
                    HDF5CheckpointReader.maximumExpandedBytes = bytes
                } else {
                    badEmbedding = true
                }
            case "--embedded":
                let parts = (rest.popFirst() ?? "").split(separator: ":").map { Int($0) }
                if parts.count == 2, let offset = parts[0], let size = parts[1], offset >= 0, size >= 0 {
                    embedding = HDF5Embedding(offset: offset, size: size)
                } else {
                    badEmbedding = true
                }
            case "--": path = rest.popFirst()
            default: path = argument
            }
        }
        guard let path, !badEmbedding else {
            FileHandle.standardError.write(Data("usage: ckpt __probe-hdf5 [--memory-limit BYTES] [--cpu-limit SECONDS] [--max-decompressed BYTES] [--embedded OFFSET:SIZE] FILE\n".utf8))
            return 2
        }
        limit(RLIMIT_CORE, 0)
        if let memoryLimit { limit(RLIMIT_AS, memoryLimit) }
        if let cpuLimit { limit(RLIMIT_CPU, cpuLimit) }
        let report: HDF5ProbeReport
        do {
            _ = try HDF5CheckpointReader(unsandboxedPath: path, embedding: embedding)
            report = .clean
        } catch {
            report = .failed(error)
        }
        FileHandle.standardOutput.write(Data((report.line + "\n").utf8))
        if case .failed = report { return HDF5ProbeReport.errorStatus }
        return 0
    }

    #if canImport(Darwin)
    private typealias Resource = Int32
    #else
    private typealias Resource = __rlimit_resource
    #endif

    /// Lowers a resource limit of this process (soft and hard) to at most `value`.
    private static func limit(_ resource: Resource, _ value: Int) {
        #if !canImport(Darwin)
        let resource = __rlimit_resource_t(resource.rawValue)
        #endif
        var current = rlimit()
        getrlimit(resource, &current)
        let wanted = rlim_t(max(0, value))
        let hard = min(current.rlim_max, wanted)
        var limits = rlimit(rlim_cur: hard, rlim_max: hard)
        setrlimit(resource, &limits)
    }
}

/// What the probe found, as the one JSON line it prints.
enum HDF5ProbeReport {
    /// The file's structure was read without error.
    case clean
    /// Opening the file threw this error.
    case failed(any Error)

    /// The probe's exit status after an ordinary error.
    static let errorStatus: Int32 = 1

    /// The JSON line: `{"status":"clean"}`, or `{"status":"error","type":…}` with the error's
    /// fields so the parent can rebuild the same value.
    var line: String {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var members: [(key: String, value: JSONValue)]
        switch self {
        case .clean:
            members = [("status", .string("clean"))]
        case .failed(let error as KerasFormatError):
            members = [
                ("status", .string("error")), ("type", .string("keras")), ("kind", .string(error.kind.rawValue)),
                ("path", .string(error.path)), ("object", text(error.object)), ("reason", .string(error.reason)),
            ]
        case .failed(let error as HDF5Error):
            members = [
                ("status", .string("error")), ("type", .string("hdf5")), ("operation", .string(error.operation)),
                ("objectPath", text(error.objectPath)), ("filePath", text(error.filePath)), ("reason", .string(error.reason)),
            ]
        case .failed(let error):
            members = [("status", .string("error")), ("type", .string("other")), ("description", .string("\(error)"))]
        }
        return JSONWriter.string(.object(JSONObject(members)), style: .compact)
    }

    /// Parses the probe's output (its last non-empty line); nil when it is not a report.
    init?(output: [UInt8]) {
        let lines = String(decoding: output, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let last = lines.last, let json = try? JSONParser.parse(String(last)), let status = json["status"]?.string else {
            return nil
        }
        if status == "clean" {
            self = .clean
            return
        }
        guard status == "error" else { return nil }
        let field = { (key: String) in json[key]?.string }
        switch field("type") {
        case "keras":
            guard let kind = field("kind").flatMap(KerasFormatError.Kind.init(rawValue:)), let path = field("path"),
                let reason = field("reason")
            else { return nil }
            self = .failed(KerasFormatError(kind, path: path, object: field("object"), reason: reason))
        case "hdf5":
            guard let operation = field("operation"), let reason = field("reason") else { return nil }
            self = .failed(HDF5Error(operation: operation, objectPath: field("objectPath"), filePath: field("filePath"), reason: reason))
        case "other":
            guard let description = field("description") else { return nil }
            self = .failed(HDF5ProbeError(description: description))
        default:
            return nil
        }
    }
}

/// An error of another kind that the probe met, rethrown with its description.
struct HDF5ProbeError: Error, CustomStringConvertible {
    var description: String
}
