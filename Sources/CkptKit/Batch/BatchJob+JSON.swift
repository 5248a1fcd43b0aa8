import Foundation

/// Reading a job from its JSON object (one entry of `"jobs"`, or one line of a JSON Lines file).
extension BatchJob {
    /// Keys every job accepts.
    static let commonKeys = ["output", "dtype", "compress", "weights_only", "max_shard_size", "only_shards", "force",
                             "name", "keras_dialect", "recipe", "quantize"]
    /// Keys only `init` jobs accept.
    static let initKeys = ["init", "seeds", "formats", "respect_config", "profile", "fans", "rules"]
    /// Keys only `convert` jobs accept.
    static let convertKeys = ["convert", "to", "spec"]
    /// The most seeds one job may expand to (a typo such as `0..99999999999` stops here).
    static let maximumSeeds = 1_000_000

    /// What is wrong with one value of a job, before it is placed in its file and job.
    struct FieldProblem: Error {
        var field: String
        var message: String
        init(_ field: String, _ message: String) {
            self.field = field
            self.message = message
        }
    }

    /// Reads a job from `object`, with the members of `defaults` (the file's `"defaults"`) where
    /// the job has none.
    static func parse(_ object: JSONObject, number: Int, defaults: JSONObject = JSONObject()) throws(FieldProblem) -> BatchJob {
        let hasInit = object["init"] != nil, hasConvert = object["convert"] != nil
        guard hasInit != hasConvert else {
            throw FieldProblem(hasInit ? "convert" : "init",
                               hasInit ? "a job is either \"init\" or \"convert\", not both"
                                       : "a job needs \"init\" (a model JSON to initialize) or \"convert\" (checkpoints to read)")
        }
        let kind: Kind = hasInit ? .initialize : .convert
        let allowed = commonKeys + (kind == .initialize ? initKeys : convertKeys)
        for key in object.keys where !allowed.contains(key) {
            throw FieldProblem(key, unknownKeyMessage(key, kind: kind, allowed: allowed))
        }
        var merged = object
        for (key, value) in defaults.members where merged[key] == nil && allowed.contains(key) {
            merged[key] = value
        }

        guard let outputValue = merged["output"] else {
            throw FieldProblem("output", "every job needs an \"output\" path (a pattern such as \"out/seed{seed}.{format}\", or a folder ending in /)")
        }
        let output = try string(outputValue, "output")
        var job = BatchJob(kind: kind, number: number, output: output)
        switch kind {
        case .initialize:
            job.spec = try string(merged["init"] ?? .null, "init")
            if let value = merged["seeds"] { job.seeds = try seeds(value) }
            if let value = merged["formats"] { job.formats = try formats(value, "formats") }
            if let value = merged["respect_config"] { job.respectConfig = try bool(value, "respect_config") }
            if let value = merged["profile"] {
                let text = try string(value, "profile")
                guard let profile = Profile(rawValue: text) else {
                    throw FieldProblem("profile", "unknown profile \"\(text)\"; expected one of " + Profile.allCases.map(\.rawValue).joined(separator: ", "))
                }
                job.profile = profile
            }
            if let value = merged["rules"] { job.rulesPath = try string(value, "rules") }
            if let value = merged["fans"] {
                let text = try string(value, "fans")
                guard let fans = FanConvention(name: text) else {
                    throw FieldProblem("fans", "unknown fan convention \"\(text)\"; expected one of " + FanConvention.names.joined(separator: ", "))
                }
                job.fans = fans
            }
        case .convert:
            job.inputs = try strings(merged["convert"] ?? .null, "convert")
            if let value = merged["to"] { job.formats = try formats(value, "to") }
            if let value = merged["spec"] { job.spec = try string(value, "spec") }
        }
        if let value = merged["dtype"] { job.dtypes = try dtypes(value) }
        if let value = merged["compress"] { job.writer.compress = try bool(value, "compress") }
        if let value = merged["weights_only"] { job.writer.weightsOnly = try bool(value, "weights_only") }
        if let value = merged["force"] { job.force = try bool(value, "force") }
        if let value = merged["recipe"] { job.writer.writesRecipe = try bool(value, "recipe") }
        if let value = merged["keras_dialect"] {
            let text = value.int.map(String.init) ?? value.string ?? ""
            guard let dialect = KerasDialect(rawValue: text) else {
                throw FieldProblem("keras_dialect", "\(describe(value)) is not a Keras dialect; expected 2 or 3")
            }
            job.writer.kerasDialect = dialect
        }
        if let value = merged["quantize"] {
            guard let quantize = value.string.flatMap(Quantization.init(rawValue:)) else {
                throw FieldProblem("quantize", "\(describe(value)) is not a quantized type; expected \(Quantization.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            job.writer.quantize = quantize
        }
        if let value = merged["name"] {
            let name = try string(value, "name")
            guard !name.contains("/") else { throw FieldProblem("name", "\"\(name)\" is a file name part and cannot contain /") }
            job.name = name
        }
        if let value = merged["max_shard_size"] {
            if let bytes = value.int, bytes > 0 {
                job.writer.maxShardBytes = bytes
            } else if let text = value.string, let bytes = ByteSize.parse(text) {
                job.writer.maxShardBytes = bytes
            } else {
                throw FieldProblem("max_shard_size", "\(describe(value)) is not a size; write e.g. \"5GB\", \"500MB\", \"2GiB\" or a number of bytes")
            }
        }
        if let value = merged["only_shards"] {
            let text = try string(value, "only_shards")
            guard let selection = ShardSelection(parsing: text) else {
                throw FieldProblem("only_shards", "\"\(text)\" is not \(ShardSelection.expected)")
            }
            job.writer.onlyShards = selection
        }
        return job
    }

    // MARK: Values

    /// A seed list: an integer, a list of integers, or text of comma-separated integers and
    /// inclusive ranges `A..B` (`"0..99"`, `"1,5,9..12"`).
    static func seeds(_ value: JSONValue) throws(FieldProblem) -> [UInt64] {
        var seeds: [UInt64] = []
        switch value {
        case .number(let number):
            guard let seed = UInt64(number.text) else { throw FieldProblem("seeds", "\(number.text) is not a seed (an integer from 0 to 2^64 − 1)") }
            seeds = [seed]
        case .array(let items):
            for item in items {
                guard case .number(let number) = item, let seed = UInt64(number.text) else {
                    throw FieldProblem("seeds", "\(describe(item)) is not a seed (an integer from 0 to 2^64 − 1)")
                }
                seeds.append(seed)
            }
        case .string(let text):
            do {
                seeds = try parseSeeds(text)
            } catch {
                throw FieldProblem("seeds", error.message)
            }
        default:
            throw FieldProblem("seeds", "expected a list of integers or a range such as \"0..99\", not \(describe(value))")
        }
        guard !seeds.isEmpty else { throw FieldProblem("seeds", "the list of seeds is empty") }
        var seen = Set<UInt64>()
        for seed in seeds where !seen.insert(seed).inserted {
            throw FieldProblem("seeds", "seed \(seed) is listed twice")
        }
        return seeds
    }

    /// Parses `0..99`, `1,2,3` or a mix (`0..9,20`): integers and inclusive ranges, comma-separated.
    public static func parseSeeds(_ text: String) throws(BatchError) -> [UInt64] {
        var seeds: [UInt64] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let piece = item.trimmingCharacters(in: .whitespaces)
            if let range = piece.range(of: "..") {
                let low = piece[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let high = piece[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard let a = UInt64(low), let b = UInt64(high) else {
                    throw BatchError(source: "--seeds", "\"\(piece)\" is not a range of seeds; write A..B with integers, e.g. 0..99")
                }
                guard a <= b else { throw BatchError(source: "--seeds", "the range \(piece) is empty (\(a) > \(b))") }
                guard seeds.count < maximumSeeds, b - a < UInt64(maximumSeeds - seeds.count) else {
                    throw BatchError(source: "--seeds", "the range \(piece) has more than \(maximumSeeds) seeds")
                }
                seeds.append(contentsOf: a...b)
            } else {
                guard let seed = UInt64(piece) else {
                    throw BatchError(source: "--seeds", "\"\(piece)\" is not a seed; write integers and ranges such as 0..99 or 1,5,9")
                }
                seeds.append(seed)
            }
        }
        return seeds
    }

    private static func formats(_ value: JSONValue, _ field: String) throws(FieldProblem) -> [CheckpointFormat] {
        var formats: [CheckpointFormat] = []
        for name in try strings(value, field) {
            guard let format = CheckpointFormat(argument: name) else {
                let known = CheckpointFormat.writable.map(\.rawValue).joined(separator: ", ")
                throw FieldProblem(field, "unknown format \"\(name)\"; ckpt writes \(known)")
            }
            guard !formats.contains(format) else { throw FieldProblem(field, "format \(format.rawValue) is listed twice") }
            formats.append(format)
        }
        return formats
    }

    private static func dtypes(_ value: JSONValue) throws(FieldProblem) -> [DType] {
        var dtypes: [DType] = []
        for name in try strings(value, "dtype") {
            guard let dtype = DType(rawValue: name.lowercased()), dtype.isFloatingPoint else {
                throw FieldProblem("dtype", "unknown dtype \"\(name)\"; expected float32, float16, bfloat16 or float64")
            }
            guard !dtypes.contains(dtype) else { throw FieldProblem("dtype", "dtype \(dtype.rawValue) is listed twice") }
            dtypes.append(dtype)
        }
        return dtypes
    }

    /// A string, or a non-empty list of strings.
    private static func strings(_ value: JSONValue, _ field: String) throws(FieldProblem) -> [String] {
        if let text = value.string { return [try string(value, field, text: text)] }
        guard let items = value.array, !items.isEmpty else {
            throw FieldProblem(field, "expected a string or a non-empty list of strings, not \(describe(value))")
        }
        var result: [String] = []
        for item in items {
            guard let text = item.string else { throw FieldProblem(field, "expected strings in the list, not \(describe(item))") }
            result.append(try string(item, field, text: text))
        }
        return result
    }

    private static func string(_ value: JSONValue, _ field: String, text: String? = nil) throws(FieldProblem) -> String {
        guard let text = text ?? value.string else { throw FieldProblem(field, "expected a string, not \(describe(value))") }
        guard !text.isEmpty else { throw FieldProblem(field, "the value is empty") }
        return text
    }

    private static func bool(_ value: JSONValue, _ field: String) throws(FieldProblem) -> Bool {
        guard let flag = value.bool else { throw FieldProblem(field, "expected true or false, not \(describe(value))") }
        return flag
    }

    /// A short rendering of a value for messages.
    static func describe(_ value: JSONValue) -> String {
        let text = JSONWriter.string(value, style: .compact)
        return text.count > 40 ? String(text.prefix(37)) + "…" : text
    }

    private static func unknownKeyMessage(_ key: String, kind: Kind, allowed: [String]) -> String {
        if kind == .convert && key == "formats" { return "unknown key \"formats\" for a convert job; the formats to write are \"to\"" }
        if kind == .initialize && key == "to" { return "unknown key \"to\" for an init job; the formats to write are \"formats\"" }
        if (kind == .convert ? initKeys : convertKeys).contains(key) {
            return "\"\(key)\" applies to \(kind == .convert ? "init" : "convert") jobs, not \(kind.rawValue) jobs"
        }
        let known = allowed.joined(separator: ", ")
        return "unknown key \"\(key)\"" + Suggestions.parenthetical(key, among: allowed)
            + "; \(kind == .initialize ? "an" : "a") \(kind.rawValue) job has \(known)"
    }
}
