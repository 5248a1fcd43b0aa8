/// The recipe in HDF5 files: root attribute `ckpt_recipe` (a UTF-8 string), which Keras ignores.
///
/// An HDF5 object header holds at most 64 KiB of attributes in the default file format, so a
/// recipe longer than `pieceLimit` bytes (a model of several hundred tensors) is stored as
/// `ckpt_recipe0`, `ckpt_recipe1`, … pieces cut at character boundaries, in order, and read back
/// by concatenating them (the scheme Keras uses for long `layer_names`).
enum RecipeAttribute {
    /// The attribute name.
    static let name = "ckpt_recipe"
    /// The most bytes in one piece.
    static let pieceLimit = 60_000

    /// The pieces `recipe` is stored in (one when it is short).
    static func pieces(_ recipe: String, limit: Int = pieceLimit) -> [String] {
        var result: [String] = []
        var current = ""
        var currentBytes = 0
        for character in recipe {
            let size = character.utf8.count
            if currentBytes + size > limit, !current.isEmpty {
                result.append(current)
                current = ""
                currentBytes = 0
            }
            current.append(character)
            currentBytes += size
        }
        if !current.isEmpty || result.isEmpty { result.append(current) }
        return result
    }

    /// Writes the recipe on `object` (the file's root group).
    static func write(_ recipe: String, on object: some HDF5Object) throws {
        let parts = pieces(recipe)
        if parts.count == 1 {
            try object.setAttribute(name, string: recipe)
            return
        }
        for (index, part) in parts.enumerated() {
            try object.setAttribute("\(name)\(index)", string: part)
        }
    }

    /// The recipe stored on `object`, or nil when there is none.
    static func read(from object: some HDF5Object) throws -> String? {
        if let whole = try object.stringAttribute(name) { return whole }
        var parts: [String] = []
        while let part = try object.stringAttribute("\(name)\(parts.count)") {
            parts.append(part)
        }
        return parts.isEmpty ? nil : parts.joined()
    }
}
