/// A job's output path with placeholders: `{name}` (the spec's file name without extension, or
/// the job's `name`), `{seed}`, `{format}` (`safetensors`, `weights.h5`, …), `{dtype}` and
/// `{stem}` (an input's file name without its checkpoint ending).
struct OutputPattern: Sendable {
    /// A placeholder.
    enum Placeholder: String, Sendable, CaseIterable {
        case name, seed, format, dtype, stem
    }

    private enum Piece: Sendable {
        case text(String)
        case placeholder(Placeholder)
    }

    private let pieces: [Piece]
    /// The placeholders the pattern uses.
    let placeholders: Set<Placeholder>

    /// Parses `text`; the error message says which brace or name is wrong.
    init(_ text: String) throws(BatchJob.FieldProblem) {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            literal += rest[..<open]
            guard rest[open] == "{", let close = rest[open...].firstIndex(of: "}") else {
                throw BatchJob.FieldProblem("output", "unbalanced brace in \"\(text)\"; placeholders are {name}, {seed}, {format}, {dtype} and {stem}")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard let placeholder = Placeholder(rawValue: name) else {
                throw BatchJob.FieldProblem("output", "unknown placeholder {\(name)} in \"\(text)\"; placeholders are {name}, {seed}, {format}, {dtype} and {stem}")
            }
            if !literal.isEmpty { pieces.append(.text(literal)) }
            literal = ""
            pieces.append(.placeholder(placeholder))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { pieces.append(.text(literal)) }
        self.pieces = pieces
        placeholders = Set(pieces.compactMap { if case .placeholder(let p) = $0 { return p } else { return nil } })
    }

    /// The path with every placeholder replaced (each placeholder it uses must have a value).
    func fill(_ values: [Placeholder: String]) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): return text
            case .placeholder(let placeholder): return values[placeholder] ?? ""
            }
        }.joined()
    }
}
