import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Path handling for batches: glob expansion (`glob(3)`), lexical normalization, stems, folders.
enum BatchPaths {
    /// Whether `pattern` has glob wildcards (`*`, `?`, `[`).
    static func hasWildcards(_ pattern: String) -> Bool {
        pattern.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// The regular files matching `pattern`, sorted by byte order (`glob(3)`, no `**`).
    static func expand(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(pattern, 0, nil, &matches) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(matches.gl_pathc) {
            guard let pointer = matches.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            if isRegularFile(path) { paths.append(path) }
        }
        return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether a regular file (or a link to one) is at `path`.
    static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// `path` with `.` and empty components removed and `a/..` folded, without touching the file
    /// system (`out/./a//b/../c` → `out/a/c`; a leading `/` and leading `..` are kept).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            // Above the root is the root.
            if part == "..", parts.isEmpty, path.hasPrefix("/") { continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if path.hasPrefix("/") { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The absolute, normalized form of `path` (for telling whether two paths are one file).
    static func identity(_ path: String) -> String {
        normalized(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
    }

    /// Every format's file endings, longest first (`.weights.h5` before `.h5`).
    private static let checkpointEndings = FormatRegistry.all.flatMap(\.extensions).sorted { $0.count > $1.count }

    /// The file name without its checkpoint ending (`a.weights.h5` → `a`,
    /// `m.safetensors.index.json` → `m`), or else without its last extension (`notes.txt` → `notes`).
    static func stem(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let lower = name.lowercased()
        for ending in checkpointEndings where lower.hasSuffix(ending) && name.count > ending.count {
            return String(name.dropLast(ending.count))
        }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The folder part of `path` (empty when it has none).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The size of the file at `path`, or nil.
    static func fileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// The modification time of `path` as `seconds.nanoseconds` text, or nil.
    static func modificationTime(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        let nanoseconds = String(time.tv_nsec)
        return "\(time.tv_sec)." + String(repeating: "0", count: max(0, 9 - nanoseconds.count)) + nanoseconds
    }
}
