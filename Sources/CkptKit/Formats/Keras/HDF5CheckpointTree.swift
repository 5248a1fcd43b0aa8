/// Every group and dataset of an HDF5 file reachable through hard links, found once when a
/// checkpoint is opened, so that the readers look paths up in memory instead of following links.
///
/// Building it is where hostile structure is refused: a soft or external link anywhere is an
/// error (never followed; Keras refuses them too), and the walk is bounded in depth and object
/// count, because hard links can form cycles that would otherwise never end.
struct HDF5CheckpointTree {
    /// What a path names.
    enum Kind: Equatable {
        case group
        case dataset
    }

    /// The deepest group nesting walked (Keras files nest a few levels per nested model).
    static let maximumDepth = 128
    /// The most links walked; a hard-link cycle reaches it quickly.
    static let maximumObjects = 1_000_000

    /// The kind of every absolute path (`/`, `/layers`, `/layers/dense/vars/0`).
    private(set) var kinds: [String: Kind] = ["/": .group]
    /// Each group's members (names, not paths), as libhdf5 lists them (name order unless the
    /// group tracks creation order). Named datatypes and user-defined links are left out.
    private(set) var members: [String: [String]] = [:]

    /// Walks `file` from the root.
    init(_ file: HDF5File) throws {
        var objects = 0
        try walk(file.root, path: "/", depth: 0, objects: &objects, file: file.path)
    }

    private mutating func walk(_ group: HDF5Group, path: String, depth: Int, objects: inout Int, file: String) throws {
        guard depth < Self.maximumDepth else {
            throw KerasFormatError(
                .unsafeFile, path: file, object: "group '\(path)'",
                reason: "groups nest more than \(Self.maximumDepth) levels deep (a hard-link cycle?)")
        }
        var names: [String] = []
        for link in try group.children() {
            objects += 1
            guard objects <= Self.maximumObjects else {
                throw KerasFormatError(
                    .unsafeFile, path: file,
                    reason: "the file links more than \(Self.maximumObjects) objects (a hard-link cycle?)")
            }
            let childPath = Self.join(path, link.name)
            switch link.kind {
            case .softLink, .externalLink:
                let what = link.kind == .softLink ? "a soft link" : "an external link (to another file)"
                throw KerasFormatError(
                    .unsafeFile, path: file, object: "'\(childPath)'",
                    reason: "is \(what); ckpt does not follow links in checkpoints (nor does Keras)")
            case .group:
                kinds[childPath] = .group
                names.append(link.name)
                try walk(group.openGroup(link.name), path: childPath, depth: depth + 1, objects: &objects, file: file)
            case .dataset:
                kinds[childPath] = .dataset
                names.append(link.name)
            case .other:
                continue
            }
        }
        members[path] = names
    }

    /// `parent/name` for absolute paths.
    static func join(_ parent: String, _ name: String) -> String {
        parent == "/" ? "/" + name : parent + "/" + name
    }

    /// Every dataset under `path`, depth first, each group's members in the order `order` gives.
    func datasets(under path: String, order: (_ group: String, _ members: [String]) -> [String]) -> [String] {
        var found: [String] = []
        collect(path, order: order, into: &found)
        return found
    }

    private func collect(_ path: String, order: (String, [String]) -> [String], into found: inout [String]) {
        for name in order(path, members[path] ?? []) {
            let child = Self.join(path, name)
            switch kinds[child] {
            case .group?: collect(child, order: order, into: &found)
            case .dataset?: found.append(child)
            case nil: break
            }
        }
    }

    /// Names in byte order (libhdf5's name index order, whatever order the group tracks).
    static func byteOrder(_ names: [String]) -> [String] {
        names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether `a` comes before `b` when digit runs compare as numbers (`dense_2` < `dense_10`).
    static func naturallyPrecedes(_ a: String, _ b: String) -> Bool {
        let left = runs(a), right = runs(b)
        for (x, y) in zip(left, right) where x != y {
            switch (x, y) {
            case let (.digits(m), .digits(n)):
                // Compare as numbers without overflow: drop leading zeros, then length, then text.
                let m1 = m.drop { $0 == "0" }, n1 = n.drop { $0 == "0" }
                if m1.count != n1.count { return m1.count < n1.count }
                if m1 != n1 { return m1.lexicographicallyPrecedes(n1) }
                return m.count < n.count
            case (.digits, .text): return true
            case (.text, .digits): return false
            case let (.text(s), .text(t)):
                return s.unicodeScalars.lexicographicallyPrecedes(t.unicodeScalars)
            }
        }
        return left.count < right.count
    }

    private enum Run: Equatable {
        case digits(Substring)
        case text(Substring)
    }

    private static func runs(_ text: String) -> [Run] {
        var result: [Run] = []
        var start = text.startIndex
        while start < text.endIndex {
            let isDigit = text[start].isASCII && text[start].isNumber
            let end = text[start...].firstIndex { ($0.isASCII && $0.isNumber) != isDigit } ?? text.endIndex
            result.append(isDigit ? .digits(text[start..<end]) : .text(text[start..<end]))
            start = end
        }
        return result
    }
}
