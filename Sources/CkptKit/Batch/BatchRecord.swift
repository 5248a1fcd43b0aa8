/// One line of a batch report: what happened to one output.
///
/// `{"type": "output", "id", "job", "kind", "output", "path", "format", "dtype", "seed",
/// "params", "tensors", "bytes", "sha256", "shards", "recipe", "settings", "duration",
/// "status", "error"}`; docs/batch.md describes each field.
struct BatchRecord: Sendable {
    /// What happened.
    typealias Status = BatchOutcome.Status

    /// One file of a sharded safetensors output.
    struct Shard: Sendable, Hashable {
        var path: String
        var bytes: Int
        var sha256: String
    }

    var id: Int
    var job: Int
    var kind: String
    /// The output path as planned (the key `--resume` matches on).
    var output: String
    /// The file written: the output, or for a sharded safetensors output its index.
    var path: String?
    var format: String
    var dtype: String?
    var seed: String?
    var params: Int?
    var tensors: Int?
    /// Bytes on disk, every file of the output together.
    var bytes: Int?
    /// SHA-256 of the file at `path`.
    var sha256: String?
    /// A sharded output's shard files (the ones this run wrote), each with its SHA-256.
    var shards: [Shard]?
    /// `init`: the recipe the output embeds; `convert`: the source it was made from.
    var recipe: JSONValue?
    /// What else determines the bytes (spec, seed, format, dtype, writer options).
    var settings: JSONObject
    /// Seconds spent on the output.
    var duration: Double
    var status: Status
    var error: String?

    /// What a progress display shows of it.
    var outcome: BatchOutcome {
        BatchOutcome(status: status, output: output, path: path, format: format, bytes: bytes, duration: duration, error: error)
    }

    /// A record for `output` before anything is known but its settings.
    init(output planned: BatchOutput, status: Status) {
        id = planned.id
        job = planned.job
        kind = planned.kind.rawValue
        output = planned.path
        format = planned.format.rawValue
        dtype = planned.dtype?.rawValue
        seed = planned.seed.map { String($0) }
        settings = planned.settings
        duration = 0
        self.status = status
    }

    /// The record as one JSON object.
    var json: JSONValue {
        var object = JSONObject()
        object["type"] = .string("output")
        object["id"] = .number(JSONNumber(id))
        object["job"] = .number(JSONNumber(job))
        object["kind"] = .string(kind)
        object["output"] = .string(output)
        object["path"] = path.map(JSONValue.string) ?? .null
        object["format"] = .string(format)
        object["dtype"] = dtype.map(JSONValue.string) ?? .null
        object["seed"] = seed.flatMap { JSONNumber(text: $0) }.map(JSONValue.number) ?? .null
        object["params"] = params.map { .number(JSONNumber($0)) } ?? .null
        object["tensors"] = tensors.map { .number(JSONNumber($0)) } ?? .null
        object["bytes"] = bytes.map { .number(JSONNumber($0)) } ?? .null
        object["sha256"] = sha256.map(JSONValue.string) ?? .null
        if let shards {
            object["shards"] = .array(shards.map { shard in
                .object(JSONObject([("path", .string(shard.path)), ("bytes", .number(JSONNumber(shard.bytes))),
                                    ("sha256", .string(shard.sha256))]))
            })
        }
        object["recipe"] = recipe ?? .null
        object["settings"] = .object(settings)
        object["duration"] = .number(JSONNumber(text: Self.seconds(duration)) ?? JSONNumber(duration))
        object["status"] = .string(status.rawValue)
        if let error { object["error"] = .string(error) }
        return .object(object)
    }

    /// Reads a record written by `json`; nil for other records and anything malformed.
    init?(json value: JSONValue) {
        guard let object = value.object, object["type"]?.string == "output",
              let id = object["id"]?.int, let job = object["job"]?.int, let kind = object["kind"]?.string,
              let output = object["output"]?.string, let format = object["format"]?.string,
              let settings = object["settings"]?.object,
              let status = object["status"]?.string.flatMap(Status.init(rawValue:)) else { return nil }
        self.id = id
        self.job = job
        self.kind = kind
        self.output = output
        self.format = format
        self.settings = settings
        self.status = status
        path = object["path"]?.string
        dtype = object["dtype"]?.string
        if case .number(let number)? = object["seed"] { seed = number.text }
        params = object["params"]?.int
        tensors = object["tensors"]?.int
        bytes = object["bytes"]?.int
        sha256 = object["sha256"]?.string
        if let list = object["shards"]?.array {
            var shards: [Shard] = []
            for item in list {
                guard let path = item["path"]?.string, let bytes = item["bytes"]?.int, let sha = item["sha256"]?.string else { return nil }
                shards.append(Shard(path: path, bytes: bytes, sha256: sha))
            }
            self.shards = shards
        }
        recipe = object["recipe"].flatMap { $0.isNull ? nil : $0 }
        duration = object["duration"]?.double ?? 0
        error = object["error"]?.string
    }

    /// Seconds with millisecond precision (`0.052`).
    static func seconds(_ value: Double) -> String {
        let milliseconds = Int((max(0, value) * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
