/// The recipe: how a checkpoint's values were made, embedded where the format allows
/// (safetensors `__metadata__["ckpt_recipe"]`, `.keras` `metadata.json`).
extension Plan {
    /// The recipe as compact JSON text: ckpt version, seed, options, and each tensor's initializer.
    public func recipe(seed: UInt64, options: PlanOptions) -> String {
        var root = JSONObject()
        root["ckpt_version"] = .string(CkptVersion.current)
        root["seed"] = .number(JSONNumber(text: String(seed)) ?? JSONNumber(0))
        root["respect_config"] = .bool(options.respectConfig)
        root["dtype"] = options.dtype.map { .string($0.rawValue) } ?? .null
        root["fans"] = .string(options.effectiveFans.name)
        root["profile"] = options.profile.map { .string($0.rawValue) } ?? .null
        if let rules = options.rules, !rules.isEmpty { root["rules"] = rules.recipeJSON }
        root["generator"] = .string("philox4x32-10/sha256-key/v1")
        // An orthogonal QR's last bits depend on OpenBLAS's kernels (random-streams.md §10).
        if entries.contains(where: { if case .structured(let fill) = $0.fill { fill.usesQR } else { false } }) {
            root["openblas_core"] = .string(LapackCall.coreName)
        }
        var tensors = JSONObject()
        tensors.members.reserveCapacity(entries.count)
        var named = Set<String>(minimumCapacity: entries.count)
        for entry in entries {
            var item = JSONObject()
            item["initializer"] = .string(entry.initializer.name)
            var parameters = JSONObject()
            for (key, value) in entry.initializer.parameterList { parameters[key] = value }
            item["parameters"] = .object(parameters)
            item["distribution"] = .string(entry.fill.summary)
            if entry.scale != 1 { item["scale"] = .number(JSONNumber(entry.scale)) }
            if options.rules.map({ !$0.isEmpty }) ?? false { item["reason"] = .string(entry.reason) }
            if entry.fanConvention != options.effectiveFans { item["fans"] = .string(entry.fanConvention.name) }
            if let configSeed = entry.initializer.seed { item["config_seed"] = .number(JSONNumber(configSeed)) }
            // Appending keeps this linear in the tensor count (the subscript searches the members);
            // a repeated name, which a plan does not have, keeps the subscript's meaning.
            if named.insert(entry.name).inserted {
                tensors.members.append((entry.name, .object(item)))
            } else {
                tensors[entry.name] = .object(item)
            }
        }
        root["tensors"] = .object(tensors)
        return JSONWriter.string(.object(root), style: .compact)
    }
}
