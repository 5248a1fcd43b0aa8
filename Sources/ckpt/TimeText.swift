/// Durations for people, as the progress bars and batch log lines show them.
enum TimeText {
    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + ss }
        return "\(m):" + ss
    }

    /// `0.05 s`, `12.3 s`, `2:05`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return "\((seconds * 100).rounded() / 100) s" }
        if seconds < 60 { return "\((seconds * 10).rounded() / 10) s" }
        return clock(seconds)
    }
}
