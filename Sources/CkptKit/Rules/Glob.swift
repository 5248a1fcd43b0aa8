/// A shell-style pattern over canonical names: `*` matches any run of characters, `/` included
/// (fnmatch without FNM_PATHNAME, so `head/*` matches `head/dense/kernel`); `?` one character;
/// `[abc]`, `[a-z]` and `[!abc]` one character of (not of) a set. Everything else is literal.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let characters: [Character]

    /// Creates a pattern.
    public init(_ pattern: String) {
        self.pattern = pattern
        self.characters = Array(pattern)
    }

    public var description: String { pattern }

    /// Whether the whole of `text` matches.
    public func matches(_ text: String) -> Bool {
        let t = Array(text)
        // Iterative wildcard matching with backtracking to the last `*`.
        var p = 0, s = 0, starP = -1, starS = 0
        while s < t.count {
            if p < characters.count, characters[p] == "*" {
                starP = p
                starS = s
                p += 1
                continue
            }
            if p < characters.count, let next = single(at: p, matching: t[s]) {
                if next.matched {
                    p = next.end
                    s += 1
                    continue
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starS += 1
            s = starS
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }

    /// Whether the pattern has no wildcard.
    public var isLiteral: Bool { !characters.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    /// Matches one pattern element at `p` against `c`: whether it matched, and where the next element starts.
    private func single(at p: Int, matching c: Character) -> (matched: Bool, end: Int)? {
        switch characters[p] {
        case "?": return (true, p + 1)
        case "[":
            var i = p + 1
            var negate = false
            if i < characters.count, characters[i] == "!" || characters[i] == "^" {
                negate = true
                i += 1
            }
            var found = false
            var first = true
            while i < characters.count, characters[i] != "]" || first {
                first = false
                if i + 2 < characters.count, characters[i + 1] == "-", characters[i + 2] != "]" {
                    if characters[i] <= c && c <= characters[i + 2] { found = true }
                    i += 3
                } else {
                    if characters[i] == c { found = true }
                    i += 1
                }
            }
            // An unclosed `[` is a literal.
            guard i < characters.count else { return (c == "[", p + 1) }
            return (found != negate, i + 1)
        default:
            return (characters[p] == c, p + 1)
        }
    }
}
