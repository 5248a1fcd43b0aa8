import Foundation

/// Parses sizes the way Hugging Face's `max_shard_size` does: `5GB` is 5·10⁹ bytes, `5GiB` is
/// 5·2³⁰; `KB`/`MB`/`TB` and `KiB`/`MiB`/`TiB` likewise; a bare number is bytes.
public enum ByteSize {
    /// The byte count of `text`, or nil when it is not a size.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [
            ("KIB", 1024), ("MIB", 1_048_576), ("GIB", 1_073_741_824), ("TIB", 1_099_511_627_776),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
        ]
        let upper = trimmed.uppercased()
        for (suffix, factor) in units where upper.hasSuffix(suffix) {
            let number = upper.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value > 0, value.isFinite else { return nil }
            let bytes = (value * factor).rounded(.down)
            return bytes >= 1 && bytes < 9e18 ? Int(bytes) : nil
        }
        guard let value = Int(upper), value > 0 else { return nil }
        return value
    }
}
