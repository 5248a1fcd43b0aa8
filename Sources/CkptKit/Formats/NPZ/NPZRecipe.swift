import Foundation

/// ckpt's recipe in an `.npz`: the zip archive comment, which `np.load` ignores, so
/// `np.load(f).files` lists exactly the weight tensors.
///
/// The comment is text (a zip comment holds at most 65 535 bytes):
/// - `ckpt-recipe/1 json\n` then the recipe's JSON, when that fits;
/// - else `ckpt-recipe/1 deflate-base64 N\n` then the base64 of the JSON deflated (raw deflate, N
///   bytes once inflated);
/// - else (a model of tens of thousands of tensors) the recipe without its per-tensor part, whose
///   `tensors` member then says so: the rest (seed, options, version) is what reproduces them.
///
/// Files written before the comment held the recipe have a `__ckpt_recipe__` member (a 1-D
/// uint8 array of the JSON); readers still take it, and leave it out of the tensors.
enum NPZRecipe {
    static let jsonHeader = "ckpt-recipe/1 json\n"
    static let deflatedHeader = "ckpt-recipe/1 deflate-base64 "
    /// The largest recipe read from a comment once inflated.
    static let inflatedLimit = 64 << 20

    /// The archive comment holding `recipe`.
    static func comment(for recipe: String) -> [UInt8] {
        let limit = Int(UInt16.max)
        let plain = Array((jsonHeader + recipe).utf8)
        if plain.count <= limit { return plain }
        if let deflated = deflate(Array(recipe.utf8)) {
            let text = Array((deflatedHeader + "\(recipe.utf8.count)\n" + Data(deflated).base64EncodedString()).utf8)
            if text.count <= limit { return text }
        }
        guard var json = (try? JSONParser.parse(recipe))?.object else { return [] }
        json["tensors"] = .string("omitted: the per-tensor recipe of this model does not fit in a zip comment (65 535 bytes); seed, options and version reproduce it")
        let short = Array((jsonHeader + JSONWriter.string(.object(json), style: .compact)).utf8)
        return short.count <= limit ? short : []
    }

    /// The recipe in an archive comment, or nil when the comment is not ckpt's.
    static func recipe(fromComment comment: [UInt8]) -> String? {
        let text = String(decoding: comment, as: UTF8.self)
        if text.hasPrefix(jsonHeader) { return String(text.dropFirst(jsonHeader.count)) }
        guard text.hasPrefix(deflatedHeader), let newline = text.firstIndex(of: "\n"),
              let size = Int(text[text.index(text.startIndex, offsetBy: deflatedHeader.count)..<newline]),
              size > 0, size <= inflatedLimit,
              let deflated = Data(base64Encoded: String(text[text.index(after: newline)...]))
        else { return nil }
        var output = [UInt8](repeating: 0, count: size)
        let produced = deflated.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out -> Int? in
                guard let inflater = try? ZipInflater(), let step = try? inflater.inflate(from: input, into: out) else { return nil }
                return step.produced
            }
        }
        guard produced == size else { return nil }
        return String(validating: output, as: UTF8.self)
    }

    private static func deflate(_ bytes: [UInt8]) -> [UInt8]? {
        guard let deflater = try? ZipDeflater(level: 9) else { return nil }
        var result: [UInt8] = []
        do {
            try bytes.withUnsafeBytes { try deflater.compress($0, finish: true) { result.append(contentsOf: $0) } }
        } catch {
            return nil
        }
        return result
    }
}
