/// "Did you mean …?" for every name a user types: subcommands, job keys, layer classes,
/// initializers, roles, schemes.
public enum Suggestions {
    /// The candidates closest to `name` by edit distance, ignoring case, at most `limit` and only
    /// those close enough to be plausible typos. Ties go to the spelling whose case matches
    /// (`zeroes` → `zeros` before `Zeros`), then to the name.
    public static func closest(to name: String, among candidates: [String], limit: Int = 3) -> [String] {
        let target = Array(name.lowercased())
        let exact = Array(name)
        let threshold = max(2, target.count / 3)
        var seen: Set<String> = []
        var scored: [(distance: Int, caseDistance: Int, name: String)] = []
        for candidate in candidates where seen.insert(candidate).inserted {
            let d = editDistance(target, Array(candidate.lowercased()))
            if d <= threshold {
                scored.append((d, editDistance(exact, Array(candidate)), candidate))
            }
        }
        scored.sort {
            ($0.distance, $0.caseDistance) != ($1.distance, $1.caseDistance)
                ? ($0.distance, $0.caseDistance) < ($1.distance, $1.caseDistance) : $0.name < $1.name
        }
        return scored.prefix(limit).map(\.name)
    }

    /// `; did you mean "a" or "b"?` for the closest candidates, or "" when none is close.
    public static func hint(_ name: String, among candidates: [String], limit: Int = 3) -> String {
        let close = closest(to: name, among: candidates, limit: limit)
        guard !close.isEmpty else { return "" }
        return "; did you mean " + close.map { "\"\($0)\"" }.joined(separator: " or ") + "?"
    }

    /// ` (did you mean "a" or "b"?)` for the closest candidates, or "" when none is close.
    public static func parenthetical(_ name: String, among candidates: [String], limit: Int = 3) -> String {
        let close = closest(to: name, among: candidates, limit: limit)
        guard !close.isEmpty else { return "" }
        return " (did you mean " + close.map { "\"\($0)\"" }.joined(separator: " or ") + "?)"
    }

    /// Levenshtein distance.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
