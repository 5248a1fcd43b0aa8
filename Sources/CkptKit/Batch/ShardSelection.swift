import Foundation

/// One part of a deterministic split into N parts: `K/N` with K counted from 1.
///
/// Item *i* (0-based) of an ordered list belongs to part K exactly when `i mod N == K − 1`.
/// `ckpt batch --shard K/N` splits the batch's sorted outputs this way, and `--only-shards K/N`
/// splits a sharded safetensors checkpoint's shard files (numbered from 1: shard file *j*
/// belongs to part K when `(j − 1) mod N == K − 1`).
public struct ShardSelection: Sendable, Hashable, CustomStringConvertible {
    /// The part, 1 ... `count`.
    public var part: Int
    /// How many parts.
    public var count: Int

    /// Creates a selection; nil unless `1 <= part <= count`.
    public init?(part: Int, count: Int) {
        guard count >= 1, part >= 1, part <= count else { return nil }
        self.part = part
        self.count = count
    }

    /// Parses `K/N` (`3/16`); nil when it is not two integers with 1 ≤ K ≤ N.
    public init?(parsing text: String) {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2,
              let part = Int(pieces[0].trimmingCharacters(in: .whitespaces)),
              let count = Int(pieces[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        self.init(part: part, count: count)
    }

    /// Whether item `index` (0-based) of the ordered list belongs to this part.
    public func contains(_ index: Int) -> Bool {
        index % count == part - 1
    }

    /// `K/N`.
    public var description: String { "\(part)/\(count)" }

    /// What a bad `K/N` value should look like, for error messages.
    static let expected = "K/N with whole numbers 1 ≤ K ≤ N (K counts from 1)"
}

extension ShardSelection {
    /// Why `--only-shards auto` could not find its part.
    public struct AutomaticError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The part of this task of a job array (`--only-shards auto`, or `auto/N` with the count
    /// given): a Slurm job array's `SLURM_ARRAY_TASK_ID` (counted from `SLURM_ARRAY_TASK_MIN`,
    /// default 0) of `SLURM_ARRAY_TASK_COUNT`, or a Kubernetes Indexed Job's
    /// `JOB_COMPLETION_INDEX` (from 0), whose count Kubernetes does not export and must be given.
    public static func automatic(count given: Int?, environment: [String: String]) throws(AutomaticError) -> ShardSelection {
        func number(_ key: String) throws(AutomaticError) -> Int? {
            guard let text = environment[key], !text.isEmpty else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw AutomaticError(description: "--only-shards auto: \(key)=\"\(text)\" is not a whole number ≥ 0")
            }
            return value
        }
        let index: Int, count: Int?
        if let id = try number("SLURM_ARRAY_TASK_ID") {
            let first = try number("SLURM_ARRAY_TASK_MIN") ?? 0
            let total = try number("SLURM_ARRAY_TASK_COUNT")
            index = id - first
            count = given ?? total
        } else if let completion = try number("JOB_COMPLETION_INDEX") {
            index = completion
            count = given
            guard count != nil else {
                throw AutomaticError(description: "--only-shards auto: Kubernetes sets JOB_COMPLETION_INDEX but not the number of completions; pass it as --only-shards auto/N")
            }
        } else {
            throw AutomaticError(description: "--only-shards auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set")
        }
        guard let count, let selection = ShardSelection(part: index + 1, count: count) else {
            throw AutomaticError(description: "--only-shards auto: task \(index) (from 0) is not one of \(count.map(String.init) ?? "an unknown number of") tasks")
        }
        return selection
    }
}
