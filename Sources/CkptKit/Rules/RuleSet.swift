import Foundation

/// Everything the user says on top of ckpt's defaults: a rules file's rules, schemes and custom
/// layers, then `--scheme` and `--rule` flags (docs/rules.md).
///
/// Precedence, lowest first: the rules file's rules (later wins) < schemes (in order) < `--rule`
/// flags (later wins). All of them sit above `--profile`.
public struct RuleSet: Sendable {
    /// The rules file's rules, in file order.
    public var fileRules: [Rule] = []
    /// The schemes: the file's, then `--scheme` flags.
    public var schemes: [Scheme] = []
    /// The `--rule` flags, in order.
    public var flagRules: [Rule] = []
    /// Custom layer classes the file describes.
    public var customLayers: [String: CustomLayer] = [:]
    /// The rules file's path and text, for the recipe.
    public var filePath: String?
    public var fileText: String?

    /// An empty rule set.
    public init() {}

    /// Whether nothing is set.
    public var isEmpty: Bool { fileRules.isEmpty && schemes.isEmpty && flagRules.isEmpty && customLayers.isEmpty }

    /// Every rule in precedence order (file, then flags).
    var rules: [Rule] { fileRules + flagRules }

    /// Reads a rules file (optional) and the `--scheme` and `--rule` flags; any error names the
    /// rule and where it is, before anything is planned or written.
    public static func load(file: String?, rules: [String] = [], schemes: [String] = []) throws(RuleError) -> RuleSet {
        var set = RuleSet()
        if let file {
            if let problem = InputFile.problem(at: file) {
                throw RuleError(file, problem == "no such file" ? "no such rules file" : problem)
            }
            let data: [UInt8]
            do {
                data = try InputFile.contents(of: file)
            } catch {
                throw RuleError(file, "cannot read the rules file: \(error.reason)")
            }
            if let problem = JSONParser.encodingProblem(data) {
                throw RuleError(file, problem.message)
            }
            set = try parse(text: String(decoding: data, as: UTF8.self), path: file)
        }
        for text in schemes { set.schemes.append(try Scheme.parse(flag: text)) }
        for text in rules { set.flagRules.append(try parseFlag(text)) }
        return set
    }

    /// `rules.json` for a path, as reasons name the file.
    static func displayName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Parses `--rule 'GLOB=INITIALIZER[:key=value,...]'`.
    public static func parseFlag(_ text: String) throws(RuleError) -> Rule {
        let origin = Rule.Origin.flag(text: text)
        guard let equals = text.firstIndex(of: "=") else {
            throw RuleError(origin.location, "expected GLOB=INITIALIZER[:key=value,...], e.g. 'head/*=zeros'")
        }
        let glob = text[..<equals].trimmingCharacters(in: .whitespaces)
        let initializerText = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard !glob.isEmpty else { throw RuleError(origin.location, "the glob before = is empty; write e.g. '*/bias=zeros'") }
        let initializer: Initializer
        do {
            initializer = try Initializer.parse(ruleText: initializerText)
        } catch {
            throw RuleError(origin.location, "\(error)")
        }
        return Rule(selector: Rule.Selector(name: Glob(glob)), initializer: initializer, initializerText: initializerText,
                    scale: nil, origin: origin, selectorText: "\"\(glob)\"")
    }

    /// Parses a rules file's text.
    public static func parse(text: String, path: String) throws(RuleError) -> RuleSet {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw RuleError(path, "not valid JSON: \(error)")
        }
        guard let object = root.object else { throw RuleError(path, "expected a JSON object with \"rules\", \"schemes\" or \"layers\"") }
        for key in object.keys where !["rules", "schemes", "layers", "description", "comment"].contains(key) {
            throw RuleError(path, "unknown key \"\(key)\"; a rules file has \"rules\", \"schemes\" and \"layers\"")
        }
        var set = RuleSet()
        set.filePath = path
        set.fileText = text
        let lines = elementLines(in: text, key: "rules")
        if let value = object["rules"] {
            guard let items = value.array else { throw RuleError(path, "\"rules\" must be a list of rules") }
            for (index, item) in items.enumerated() {
                let origin = Rule.Origin.file(path: path, index: index, line: index < lines.count ? lines[index] : nil)
                set.fileRules.append(try parseRule(item, origin: origin))
            }
        }
        if let value = object["schemes"] {
            guard let items = value.array else { throw RuleError(path, "\"schemes\" must be a list of schemes") }
            let schemeLines = elementLines(in: text, key: "schemes")
            for (index, item) in items.enumerated() {
                let location = "\(path): scheme \(index + 1) (schemes[\(index)]\(index < schemeLines.count ? ", line \(schemeLines[index])" : ""))"
                let origin = "scheme \(index + 1) of \(displayName(path))"
                if let name = item.string {
                    set.schemes.append(try Scheme.parse(name: name, parameters: JSONObject(), origin: origin, location: location))
                } else if var parameters = item.object, let name = parameters["name"]?.string {
                    parameters.members.removeAll { $0.key == "name" }
                    set.schemes.append(try Scheme.parse(name: name, parameters: parameters, origin: origin, location: location))
                } else {
                    throw RuleError(location, "a scheme is a name or an object with \"name\" and its parameters")
                }
            }
        }
        if let value = object["layers"] {
            guard let layers = value.object else { throw RuleError(path, "\"layers\" must map class names to {\"variables\": [...]}") }
            for (className, description) in layers.members {
                set.customLayers[className] = try CustomLayer.parse(description, className: className, path: path)
            }
        }
        return set
    }

    private static let matchKeys = ["name", "layer", "class", "role", "activation", "position", "residual_branch"]

    private static func parseRule(_ item: JSONValue, origin: Rule.Origin) throws(RuleError) -> Rule {
        let location = origin.location
        guard let object = item.object else { throw RuleError(location, "a rule is an object with \"match\" and \"initializer\" or \"scale\"") }
        for key in object.keys where !["match", "initializer", "scale", "comment"].contains(key) {
            throw RuleError(location, "unknown key \"\(key)\"; a rule has \"match\", \"initializer\" and \"scale\"")
        }
        guard let match = object["match"]?.object else {
            throw RuleError(location, "a rule needs \"match\": an object of selectors (\(matchKeys.joined(separator: ", "))); {} selects every tensor")
        }
        var selector = Rule.Selector()
        func text(_ key: String) throws(RuleError) -> String? {
            guard let value = match[key] else { return nil }
            guard let string = value.string else { throw RuleError(location, "match \"\(key)\" must be a string") }
            return string
        }
        for key in match.keys where !matchKeys.contains(key) {
            throw RuleError(location, "unknown selector \"\(key)\"; a match has " + matchKeys.joined(separator: ", "))
        }
        selector.name = try text("name").map(Glob.init)
        selector.layer = try text("layer").map(Glob.init)
        selector.className = try text("class").map(Glob.init)
        selector.activation = try text("activation").map { Glob(ActivationTable.normalize($0)) }
        if let value = match["role"] {
            let names = value.string.map { [$0] } ?? value.array?.compactMap(\.string) ?? []
            guard !names.isEmpty else { throw RuleError(location, "match \"role\" must be a role name or a list of them") }
            var roles: Set<TensorRole> = []
            for name in names {
                if name == "moving_statistics" {
                    roles.formUnion([.movingMean, .movingVariance])
                } else if name == "depthwise" || name == "pointwise" {
                    roles.insert(name == "depthwise" ? .depthwiseKernel : .pointwiseKernel)
                } else if let role = TensorRole(rawValue: name) {
                    roles.insert(role)
                } else {
                    let known = TensorRole.allCases.map(\.rawValue) + ["moving_statistics"]
                    let suggestion = Suggestions.closest(to: name, among: known, limit: 1)
                    throw RuleError(location, "unknown role \"\(name)\"" + (suggestion.isEmpty ? "" : " (did you mean \(suggestion[0])?)")
                        + "; roles: " + known.joined(separator: ", "))
                }
            }
            selector.roles = roles
        }
        if let position = try text("position") {
            guard let parsed = Rule.Position(position) else {
                throw RuleError(location, "position \"\(position)\" is not first, last, an index (0, -1) or a range (0..3)")
            }
            selector.position = parsed
        }
        if let part = try text("residual_branch") {
            guard let parsed = Rule.BranchPart(rawValue: part) else {
                throw RuleError(location, "residual_branch \"\(part)\" is not one of " + Rule.BranchPart.allCases.map(\.rawValue).joined(separator: ", "))
            }
            selector.residualBranch = parsed
        }
        var initializer: Initializer?
        var initializerText: String?
        if let value = object["initializer"] {
            do {
                switch value {
                case .string(let text):
                    initializer = try Initializer.parse(ruleText: text)
                    initializerText = text
                case .object(let config) where config["class_name"] != nil:
                    initializer = try Initializer.keras(.object(config))
                    initializerText = config["class_name"]?.string
                case .object(var config):
                    guard let name = config["name"]?.string else {
                        throw RuleError(location, "an initializer object needs \"name\" (or a Keras {\"class_name\", \"config\"})")
                    }
                    config.members.removeAll { $0.key == "name" }
                    initializer = try Initializer.parse(name: name, config: config)
                    initializerText = name + (config.members.isEmpty ? "" : ":" + config.members.map { "\($0.key)=\(JSONWriter.string($0.value, style: .compact))" }.joined(separator: ","))
                default:
                    throw RuleError(location, "\"initializer\" is a name (\"he_normal\", \"orthogonal:gain=1.5\") or an object {\"name\": …, parameters…}")
                }
            } catch let error as RuleError {
                throw error
            } catch {
                throw RuleError(location, "\(error)")
            }
        }
        var scale: Double?
        if let value = object["scale"] {
            guard let number = value.double, number.isFinite else { throw RuleError(location, "\"scale\" must be a number") }
            scale = number
        }
        guard initializer != nil || scale != nil else {
            throw RuleError(location, "a rule needs \"initializer\", \"scale\" or both")
        }
        let selectorText = match.keys == ["name"] ? "\"\(match["name"]?.string ?? "")\"" : JSONWriter.string(.object(match), style: .compact)
        return Rule(selector: selector, initializer: initializer, initializerText: initializerText, scale: scale, origin: origin, selectorText: selectorText)
    }

    /// The line (from 1) where each element of the top-level `key` list starts, by a light scan of the text.
    static func elementLines(in text: String, key: String) -> [Int] {
        var lines: [Int] = []
        var line = 1, depth = 0
        var inString = false, escaped = false
        var current = "", lastString = ""
        var listDepth: Int? = nil
        var expectElement = false
        var afterColonKey: String? = nil
        for character in text {
            if character == "\n" { line += 1 }
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" {
                    inString = false
                    lastString = current
                } else { current.append(character) }
                continue
            }
            if character.isWhitespace { continue }
            if expectElement, character != "]" {
                lines.append(line)
                expectElement = false
            }
            switch character {
            case "\"":
                inString = true
                current = ""
            case ":":
                afterColonKey = depth == 1 ? lastString : nil
                continue
            case "[", "{":
                depth += 1
                if character == "[", afterColonKey == key, depth == 2 {
                    listDepth = depth
                    expectElement = true
                }
            case "]", "}":
                if depth == listDepth { listDepth = nil }
                depth -= 1
            case ",":
                if let listDepth, depth == listDepth { expectElement = true }
            default: break
            }
            afterColonKey = nil
        }
        return lines
    }

    /// A key that tells rule sets apart (batch plan caching).
    var identity: String {
        [filePath ?? "", fileText ?? "", schemes.map(\.location).joined(separator: "\u{1}"),
         flagRules.map(\.origin.label).joined(separator: "\u{1}")].joined(separator: "\u{2}")
    }

    /// The rules as JSON, for the recipe: the file (path and content), the schemes and the flags.
    var recipeJSON: JSONValue {
        var object = JSONObject()
        if let filePath {
            object["file"] = .string(filePath)
            if let fileText, let parsed = try? JSONParser.parse(fileText) { object["file_content"] = parsed }
        }
        object["schemes"] = .array(schemes.map(\.json))
        object["rule_flags"] = .array(flagRules.compactMap { if case .flag(let text) = $0.origin { .string(text) } else { nil } })
        return .object(object)
    }
}
