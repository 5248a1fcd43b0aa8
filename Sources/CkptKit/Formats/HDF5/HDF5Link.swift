/// One member of an HDF5 group: its link name and what the link points to.
public struct HDF5Link: Sendable, Hashable {
    /// What a link is, found without following soft or external links.
    public enum Kind: Sendable, Hashable {
        /// A hard link to a group.
        case group
        /// A hard link to a dataset.
        case dataset
        /// A soft link (a path inside the same file).
        case softLink
        /// An external link (a path inside another file).
        case externalLink
        /// Anything else: a named datatype or a user-defined link.
        case other
    }

    /// The link name inside its group (no slashes).
    public var name: String
    /// What the link points to.
    public var kind: Kind

    /// Creates a link description.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
