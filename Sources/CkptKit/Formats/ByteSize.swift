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

    /// `16 GiB`, `100 MiB`, `1536 KiB`, `12 bytes`: the largest binary unit that divides `bytes`
    /// exactly, or bytes.
    public static func describe(_ bytes: Int) -> String {
        for (unit, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift) \(unit)"
        }
        return "\(bytes) bytes"
    }
}
