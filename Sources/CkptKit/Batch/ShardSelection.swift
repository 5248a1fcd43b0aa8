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
