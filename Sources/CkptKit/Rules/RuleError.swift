/// An error in a rules file, a `--rule` or a `--scheme`: which rule, where it is, and what is wrong.
public struct RuleError: LocatedError {
    /// Where the rule is: `rules.json: rule 2 (rules[1], line 7)` or `--rule 'head/*=zeroes'`.
    public var location: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }

}
