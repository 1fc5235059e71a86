import Foundation

/// A JMESPath expression (jmespath.org), as `waiters-2.json` writes its acceptors' arguments:
/// `Reservations[].Instances[].State.Name`, `length(DBInstances) == \`0\``,
/// `length(services[?!(length(deployments) == \`1\` && runningCount == desiredCount)]) == \`0\``.
///
/// Only the part of the language the committed waiters use is here: fields (bare and quoted),
/// `.`, `[]`, `[*]`, `.*`, `[n]`, `[?condition]`, `@`, JSON literals in backquotes, raw strings in
/// single quotes, `==` `!=` `<` `<=` `>` `>=`, `||`, `&&`, `!`, parentheses and `length()`.
/// Anything else (pipes, slices, multi-selects, other functions) is an error when the expression
/// is parsed, so a model that starts using it fails a test rather than a wait. The parser is
/// jmespath.py's Pratt parser with its binding powers, so projections stop and flatten where
/// botocore's do.
///
/// ```swift
/// let names = try JMESPath("Reservations[].Instances[].State.Name").search(answer)
/// // .list([.string("pending")])
/// ```
///
/// Evaluation follows jmespath.py 1.1's interpreter, except that ordering a number against a
/// string gives null (the specification's rule) where jmespath.py raises Python's TypeError.
/// A missing member is null; a projection over a non-list is null; a timestamp counts as the
/// number of its epoch seconds.
public struct JMESPath: Sendable, CustomStringConvertible {
    /// The longest expression accepted; the longest committed waiter argument is under 200.
    public static let maximumLength = 1_000
    /// How deep the expression and the values it compares may nest.
    public static let maximumDepth = 32

    /// The expression's text.
    public let expression: String
    private let root: Node

    /// Parses `expression`.
    ///
    /// - Throws: ``AWSError/invalidExpression(_:reason:)`` when it is not JMESPath, uses a part
    ///   of the language this type leaves out, is longer than ``maximumLength`` or nests deeper
    ///   than ``maximumDepth``.
    public init(_ expression: String) throws {
        self.expression = expression
        guard expression.utf8.count <= Self.maximumLength else {
            throw AWSError.invalidExpression(expression, reason: "longer than \(Self.maximumLength) bytes")
        }
        var parser = Parser(expression: expression, tokens: try Lexer.tokens(of: expression))
        let root = try parser.parse()
        guard root.height <= Self.maximumDepth else {
            throw AWSError.invalidExpression(expression, reason: "nests deeper than \(Self.maximumDepth) levels")
        }
        self.root = root
    }

    /// The expression's value over `value`, whose structures are keyed by member names.
    ///
    /// - Throws: ``AWSError/invalidExpression(_:reason:)`` when `length()` gets something without
    ///   a length (jmespath.py's type error) or compared values nest deeper than ``maximumDepth``.
    public func search(_ value: AWSValue) throws -> AWSValue {
        do {
            return try Self.evaluate(root, value)
        } catch let reason as EvaluationError {
            throw AWSError.invalidExpression(expression, reason: reason.text)
        }
    }

    public var description: String { expression }

    /// Whether `a` and `b` are equal as JMESPath compares: deeply, numbers by value whatever
    /// their kind, objects whatever their key order, a boolean never equal to a number.
    ///
    /// - Throws: ``AWSError/invalidExpression(_:reason:)`` naming `expression` when the values
    ///   nest deeper than ``maximumDepth``.
    public static func equal(_ a: AWSValue, _ b: AWSValue, in expression: String) throws -> Bool {
        do {
            return try equal(a, b, depth: 0)
        } catch let reason as EvaluationError {
            throw AWSError.invalidExpression(expression, reason: reason.text)
        }
    }

    // MARK: Syntax

    enum Comparator: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }

    indirect enum Node: Sendable {
        case current
        case field(String)
        case subexpression(Node, Node)
        case index(Int)
        case literal(AWSValue)
        case flatten(Node)
        case projection(Node, Node)
        case valueProjection(Node, Node)
        case filterProjection(Node, Node, condition: Node)
        case comparison(Comparator, Node, Node)
        case or(Node, Node)
        case and(Node, Node)
        case not(Node)
        case length(Node)

        var height: Int {
            switch self {
            case .current, .field, .index, .literal: 1
            case .flatten(let a), .not(let a), .length(let a): 1 + a.height
            case .subexpression(let a, let b), .projection(let a, let b), .valueProjection(let a, let b),
                 .comparison(_, let a, let b), .or(let a, let b), .and(let a, let b):
                1 + max(a.height, b.height)
            case .filterProjection(let a, let b, let c): 1 + max(a.height, b.height, c.height)
            }
        }
    }

    enum Token: Equatable {
        case identifier(String), quotedIdentifier(String), number(Int), literal(AWSValue)
        case dot, star, flatten, filter, leftBracket, rightBracket, leftParen, rightParen, comma, current
        case or, and, not, comparator(Comparator), end

        /// jmespath.py's `BINDING_POWER`.
        var bindingPower: Int {
            switch self {
            case .or: 2
            case .and: 3
            case .comparator: 5
            case .flatten: 9
            case .star: 20
            case .filter: 21
            case .dot: 40
            case .not: 45
            case .leftBracket: 55
            case .leftParen: 60
            default: 0
            }
        }
    }

    /// jmespath.py's `_PROJECTION_STOP`: a token binding less ends a projection's right side.
    private static let projectionStop = 10

    enum Lexer {
        static func tokens(of expression: String) throws -> [Token] {
            let chars = Array(expression.unicodeScalars)
            var tokens: [Token] = []
            var i = 0
            func fail(_ reason: String) -> AWSError { .invalidExpression(expression, reason: "\(reason) at offset \(i)") }
            func next(is c: Unicode.Scalar) -> Bool { i + 1 < chars.count && chars[i + 1] == c }
            /// The text up to the unescaped `quote`, with `\quote` as `quote`; other escapes are kept
            /// for the JSON decoder (jmespath.py does the same).
            func quoted(_ quote: Unicode.Scalar) throws -> String {
                var out = String.UnicodeScalarView()
                i += 1
                while i < chars.count, chars[i] != quote {
                    if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == quote {
                        if quote == "\"" { out.append("\\") }
                        i += 1
                    } else if chars[i] == "\\", i + 1 < chars.count {
                        out.append(chars[i])
                        i += 1
                    }
                    out.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw fail("unterminated \(quote)") }
                i += 1
                return String(out)
            }
            while i < chars.count {
                let c = chars[i]
                switch c {
                case " ", "\t", "\n", "\r":
                    i += 1
                case "a"..."z", "A"..."Z", "_":
                    var name = String.UnicodeScalarView()
                    while i < chars.count, isIdentifierPart(chars[i]) { name.append(chars[i]); i += 1 }
                    tokens.append(.identifier(String(name)))
                case "0"..."9", "-":
                    var digits = String.UnicodeScalarView([c])
                    i += 1
                    while i < chars.count, ("0"..."9").contains(chars[i]) { digits.append(chars[i]); i += 1 }
                    guard let number = Int(String(digits)) else { throw fail("bad number \(String(digits))") }
                    tokens.append(.number(number))
                case "\"":
                    let body = try quoted("\"")
                    guard let name = try? JSONDecoder().decode(String.self, from: Data(("\"" + body + "\"").utf8)) else {
                        throw fail("bad quoted identifier")
                    }
                    tokens.append(.quotedIdentifier(name))
                case "'":
                    tokens.append(.literal(.string(try quoted("'"))))
                case "`":
                    let body = try quoted("`")
                    guard let literal = try? JSONDecoder().decode(Literal.self, from: Data(body.utf8)) else {
                        throw fail("bad JSON literal `\(body)`")
                    }
                    tokens.append(.literal(literal.value))
                case "[":
                    if next(is: "]") { tokens.append(.flatten); i += 2 } else if next(is: "?") { tokens.append(.filter); i += 2 } else {
                        tokens.append(.leftBracket); i += 1
                    }
                case "|", "&":
                    guard next(is: c) else { throw fail("\(c) (pipes and expression references) is not supported") }
                    tokens.append(c == "|" ? .or : .and)
                    i += 2
                case "!", "=", "<", ">":
                    if next(is: "=") {
                        tokens.append(.comparator(Comparator(rawValue: String(c) + "=") ?? .equal))
                        i += 2
                    } else if c == "=" {
                        throw fail("= is not an operator (use ==)")
                    } else {
                        tokens.append(c == "!" ? .not : .comparator(c == "<" ? .less : .greater))
                        i += 1
                    }
                default:
                    let simple: [Unicode.Scalar: Token] = [
                        ".": .dot, "*": .star, "]": .rightBracket, "(": .leftParen, ")": .rightParen, ",": .comma, "@": .current,
                    ]
                    guard let token = simple[c] else { throw fail("\(c.escaped(asASCII: true)) is not supported") }
                    tokens.append(token)
                    i += 1
                }
            }
            tokens.append(.end)
            return tokens
        }

        private static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
        }
    }

    /// A backquoted JSON value.
    private struct Literal: Decodable {
        let value: AWSValue

        init(from decoder: any Decoder) throws {
            if let container = try? decoder.container(keyedBy: Key.self) {
                var fields: [AWSValue.Field] = []
                for key in container.allKeys { fields.append(.init(key.stringValue, try container.decode(Literal.self, forKey: key).value)) }
                value = .structure(fields)
            } else if var container = try? decoder.unkeyedContainer() {
                var items: [AWSValue] = []
                while !container.isAtEnd { items.append(try container.decode(Literal.self).value) }
                value = .list(items)
            } else {
                let container = try decoder.singleValueContainer()
                if container.decodeNil() {
                    value = .null
                } else if let b = try? container.decode(Bool.self) {
                    value = .bool(b)
                } else if let i = try? container.decode(Int64.self) {
                    value = .integer(i)
                } else if let d = try? container.decode(Double.self) {
                    value = .double(d)
                } else {
                    value = .string(try container.decode(String.self))
                }
            }
        }

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    /// jmespath.py's `Parser`: a Pratt parser, each token with a prefix (`nud`) and an infix (`led`) rule.
    struct Parser {
        let expression: String
        let tokens: [Token]
        var position = 0
        var depth = 0

        var current: Token { tokens[min(position, tokens.count - 1)] }

        mutating func parse() throws -> Node {
            let node = try parse(0)
            guard current == .end else { throw fail("unexpected \(current) after the expression") }
            return node
        }

        func fail(_ reason: String) -> AWSError { .invalidExpression(expression, reason: reason) }

        mutating func advance() -> Token {
            let token = current
            position += 1
            return token
        }

        mutating func match(_ token: Token) throws {
            guard current == token else { throw fail("expected \(token), found \(current)") }
            position += 1
        }

        mutating func parse(_ bindingPower: Int) throws -> Node {
            depth += 1
            defer { depth -= 1 }
            guard depth <= JMESPath.maximumDepth else { throw fail("nests deeper than \(JMESPath.maximumDepth) levels") }
            var left = try prefix(advance())
            while bindingPower < current.bindingPower {
                left = try infix(advance(), left)
            }
            return left
        }

        private mutating func prefix(_ token: Token) throws -> Node {
            switch token {
            case .literal(let value): return .literal(value)
            case .identifier(let name): return .field(name)
            case .quotedIdentifier(let name):
                guard current != .leftParen else { throw fail("a quoted identifier cannot name a function") }
                return .field(name)
            case .current: return .current
            case .star: return .valueProjection(.current, try projectionRight(Token.star.bindingPower))
            case .filter: return try filter(.current)
            case .flatten: return .projection(.flatten(.current), try projectionRight(Token.flatten.bindingPower))
            case .not: return .not(try parse(Token.not.bindingPower))
            case .leftParen:
                let inner = try parse(0)
                try match(.rightParen)
                return inner
            case .leftBracket:
                if case .number(let index) = current {
                    position += 1
                    try match(.rightBracket)
                    return .index(index)
                }
                if current == .star, tokens.indices.contains(position + 1), tokens[position + 1] == .rightBracket {
                    position += 2
                    return .projection(.current, try projectionRight(Token.star.bindingPower))
                }
                throw fail("multi-select lists are not supported")
            default:
                throw fail("unexpected \(token)")
            }
        }

        private mutating func infix(_ token: Token, _ left: Node) throws -> Node {
            switch token {
            case .dot:
                if current == .star {
                    position += 1
                    return .valueProjection(left, try projectionRight(Token.dot.bindingPower))
                }
                return .subexpression(left, try dotRight(Token.dot.bindingPower))
            case .or: return .or(left, try parse(Token.or.bindingPower))
            case .and: return .and(left, try parse(Token.and.bindingPower))
            case .comparator(let comparator): return .comparison(comparator, left, try parse(token.bindingPower))
            case .flatten: return .projection(.flatten(left), try projectionRight(Token.flatten.bindingPower))
            case .filter: return try filter(left)
            case .leftBracket:
                if case .number(let index) = current {
                    position += 1
                    try match(.rightBracket)
                    return .subexpression(left, .index(index))
                }
                try match(.star)
                try match(.rightBracket)
                return .projection(left, try projectionRight(Token.star.bindingPower))
            case .leftParen:
                guard case .field(let name) = left else { throw fail("only a name can be called") }
                var arguments: [Node] = []
                while current != .rightParen {
                    if !arguments.isEmpty { try match(.comma) }
                    arguments.append(try parse(0))
                }
                position += 1
                guard name == "length" else { throw fail("function \(name)() is not supported (only length())") }
                guard arguments.count == 1 else { throw fail("length() takes 1 argument, not \(arguments.count)") }
                return .length(arguments[0])
            default:
                throw fail("unexpected \(token)")
            }
        }

        private mutating func filter(_ left: Node) throws -> Node {
            let condition = try parse(0)
            try match(.rightBracket)
            let right = current == .flatten ? Node.current : try projectionRight(Token.filter.bindingPower)
            return .filterProjection(left, right, condition: condition)
        }

        private mutating func projectionRight(_ bindingPower: Int) throws -> Node {
            if current.bindingPower < JMESPath.projectionStop { return .current }
            switch current {
            case .leftBracket, .filter: return try parse(bindingPower)
            case .dot:
                position += 1
                return try dotRight(bindingPower)
            default: throw fail("unexpected \(current) after a projection")
            }
        }

        private mutating func dotRight(_ bindingPower: Int) throws -> Node {
            switch current {
            case .identifier, .quotedIdentifier, .star: return try parse(bindingPower)
            case .leftBracket: throw fail("multi-select lists are not supported")
            default: throw fail("expected a name after '.', found \(current)")
            }
        }
    }

    // MARK: Evaluation

    struct EvaluationError: Error {
        let text: String
    }

    private static func evaluate(_ node: Node, _ value: AWSValue) throws -> AWSValue {
        switch node {
        case .current: return value
        case .field(let name): return value.isObject ? value[name] ?? .null : .null
        case .subexpression(let left, let right): return try evaluate(right, evaluate(left, value))
        case .index(let index):
            guard case .list(let items) = value else { return .null }
            let position = index < 0 ? items.count + index : index
            return items.indices.contains(position) ? items[position] : .null
        case .literal(let literal): return literal
        case .flatten(let inner):
            guard case .list(let items) = try evaluate(inner, value) else { return .null }
            return .list(items.flatMap { $0.listValue ?? [$0] })
        case .projection(let left, let right):
            guard case .list(let items) = try evaluate(left, value) else { return .null }
            return .list(try items.map { try evaluate(right, $0) }.filter { $0 != .null })
        case .valueProjection(let left, let right):
            let base = try evaluate(left, value)
            guard base.isObject, let fields = base.fields else { return .null }
            return .list(try fields.map { try evaluate(right, $0.value) }.filter { $0 != .null })
        case .filterProjection(let left, let right, let condition):
            guard case .list(let items) = try evaluate(left, value) else { return .null }
            return .list(try items.filter { try !isFalse(evaluate(condition, $0)) }.map { try evaluate(right, $0) }.filter { $0 != .null })
        case .comparison(let comparator, let left, let right):
            return try compare(comparator, evaluate(left, value), evaluate(right, value))
        case .or(let left, let right):
            let first = try evaluate(left, value)
            return isFalse(first) ? try evaluate(right, value) : first
        case .and(let left, let right):
            let first = try evaluate(left, value)
            return isFalse(first) ? first : try evaluate(right, value)
        case .not(let inner):
            return .bool(isFalse(try evaluate(inner, value)))
        case .length(let inner):
            switch try evaluate(inner, value) {
            case .string(let text): return .integer(Int64(text.unicodeScalars.count))
            case .list(let items): return .integer(Int64(items.count))
            case .map(let entries): return .integer(Int64(entries.count))
            case .structure(let fields): return .integer(Int64(fields.count))
            case let other: throw EvaluationError(text: "length() takes a string, list or object, not \(other.typeName)")
            }
        }
    }

    /// jmespath.py's `_is_false`: null, false, and the empty string, list and object; 0 is true.
    private static func isFalse(_ value: AWSValue) -> Bool {
        switch value {
        case .null: true
        case .bool(let b): !b
        case .string(let s): s.isEmpty
        case .list(let items): items.isEmpty
        case .map(let entries): entries.isEmpty
        case .structure(let fields): fields.isEmpty
        default: false
        }
    }

    private static func compare(_ comparator: Comparator, _ a: AWSValue, _ b: AWSValue) throws -> AWSValue {
        switch comparator {
        case .equal: return .bool(try equal(a, b, depth: 0))
        case .notEqual: return .bool(!(try equal(a, b, depth: 0)))
        default:
            let order: Bool
            if let x = a.number, let y = b.number {
                order = switch comparator {
                case .less: x < y
                case .lessOrEqual: x <= y
                case .greater: x > y
                default: x >= y
                }
            } else if case .string(let x) = a, case .string(let y) = b {
                // Python orders strings by code point.
                let (x, y) = (Array(x.unicodeScalars.map(\.value)), Array(y.unicodeScalars.map(\.value)))
                order = switch comparator {
                case .less: x.lexicographicallyPrecedes(y)
                case .lessOrEqual: !y.lexicographicallyPrecedes(x)
                case .greater: y.lexicographicallyPrecedes(x)
                default: !x.lexicographicallyPrecedes(y)
                }
            } else {
                return .null
            }
            return .bool(order)
        }
    }

    private static func equal(_ a: AWSValue, _ b: AWSValue, depth: Int) throws -> Bool {
        guard depth <= maximumDepth else { throw EvaluationError(text: "compared values nest deeper than \(maximumDepth) levels") }
        if let x = a.number, let y = b.number { return x == y }
        switch (a, b) {
        case (.list(let x), .list(let y)):
            guard x.count == y.count else { return false }
            for (p, q) in zip(x, y) where !(try equal(p, q, depth: depth + 1)) { return false }
            return true
        case (.map, .map), (.map, .structure), (.structure, .map), (.structure, .structure):
            let (x, y) = (a.fields ?? [], b.fields ?? [])
            guard x.count == y.count else { return false }
            for field in x {
                guard let other = b[field.name], try equal(field.value, other, depth: depth + 1) else { return false }
            }
            return true
        default:
            return a == b
        }
    }
}

private extension AWSValue {
    var isObject: Bool {
        switch self {
        case .map, .structure: true
        default: false
        }
    }

    var number: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .double(let d): d
        case .timestamp(let t): t
        default: nil
        }
    }

    /// What `length()` was given when it has no length.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .blob: "bytes"
        default: "a number"
        }
    }
}
