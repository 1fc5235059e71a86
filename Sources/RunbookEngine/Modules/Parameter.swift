public import LuaKit

/// One argument of a module function, or one field of an option table.
///
/// A class, so the checker walks a list of references on every call rather than copying
/// each parameter's strings and type.
public final class Parameter: Sendable {
    /// The name errors and docs use (`cluster_arn`, `timeout`).
    public let name: String
    /// What values it takes.
    public let type: ParameterType
    /// Whether a call must give it.
    public let required: Bool
    /// The value used when a call leaves it out.
    public let defaultValue: LuaValue?
    /// One line saying what it is.
    public let doc: String

    init(name: String, type: ParameterType, required: Bool, defaultValue: LuaValue?, doc: String) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.doc = doc
    }

    /// An argument every call must give.
    public static func required(_ name: String, _ type: ParameterType, _ doc: String) -> Parameter {
        Parameter(name: name, type: type, required: true, defaultValue: nil, doc: doc)
    }

    /// An argument a call may leave out, then `nil` or `defaultValue`.
    public static func optional(_ name: String, _ type: ParameterType, default defaultValue: LuaValue? = nil, _ doc: String) -> Parameter {
        Parameter(name: name, type: type, required: false, defaultValue: defaultValue, doc: doc)
    }
}

/// The values a ``Parameter`` takes; each case says how it is checked and documented.
public indirect enum ParameterType: Sendable {
    /// Any plain value (nil, boolean, number, string, table of those).
    case value
    /// Anything at all; functions and userdata are described as text (log fields, findings).
    case anything
    /// A non-empty string.
    case string
    /// A short stable identifier, like a linter's rule id (`sg-open-world`): see ``isCode(_:)``.
    case code
    /// `true` or `false`.
    case boolean
    /// An integer in the range.
    case integer(ClosedRange<Int64>)
    /// A finite number in the range.
    case number(ClosedRange<Double>)
    /// A number of seconds in the range.
    case seconds(ClosedRange<Double>)
    /// One of these strings.
    case choice([String])
    /// A sequence of values of one type.
    case list(ParameterType)
    /// A table with string keys and values of one type.
    case map(ParameterType)
    /// Any table, passed on as it is (an AWS request's members).
    case table
    /// A table of named options; a key not declared is an error naming the ones that are.
    case options([Parameter])
    /// Either of two types (`tls = true` or `tls = {ca_file = ...}`).
    case either(ParameterType, ParameterType)
    /// A Lua function (docs only: Swift never receives functions).
    case function
    /// A table that the function hands back as it is: checked by type, never copied into Swift.
    case untouchedTable
    /// An id, or a list of ids, as strings (`2`, `"2"`, `{1, 2}`).
    case ids
}

extension ParameterType {
    /// Every finite number: for `.number` when any value will do.
    public static let anyNumber = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude

    /// The type as lua-language-server writes it.
    var luaType: String {
        switch self {
        case .value, .anything: "any"
        case .string, .code: "string"
        case .boolean: "boolean"
        case .integer: "integer"
        case .number, .seconds: "number"
        case .choice(let names): names.map { "\"\($0)\"" }.joined(separator: "|")
        case .list(let element): element.luaElementType + "[]"
        case .map(let element): "table<string, \(element.luaType)>"
        case .table, .options: "table"
        case .either(let a, let b): "\(a.luaType)|\(b.luaType)"
        case .function: "function"
        case .untouchedTable: "table"
        case .ids: "string|integer|(string|integer)[]"
        }
    }

    /// What lua-language-server's type cannot say, for the end of the doc: a code's rule.
    var lualsRule: String {
        if case .code = self { return " (a code: `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`, at most \(ParameterType.codeLimit) characters)" }
        return ""
    }

    private var luaElementType: String {
        switch self {
        case .either, .choice, .ids: "(\(luaType))"
        default: luaType
        }
    }

    /// The type as the Markdown reference writes it.
    var summary: String {
        switch self {
        case .value: "any value"
        case .anything: "anything"
        case .string: "string"
        case .code: "code: lower-case letters and digits, words joined by single hyphens, starting with a letter, at most \(ParameterType.codeLimit) characters"
        case .boolean: "boolean"
        case .integer(let range): range == Int64.min...Int64.max ? "integer" : "integer \(range.lowerBound)–\(range.upperBound)"
        case .number(let range): range == ParameterType.anyNumber ? "number" : "number \(formatBound(range.lowerBound))–\(formatBound(range.upperBound))"
        case .seconds(let range): "seconds \(formatBound(range.lowerBound))–\(formatBound(range.upperBound))"
        case .choice(let names): names.map { "`\"\($0)\"`" }.joined(separator: " or ")
        case .list(let element): "list of \(element.summary)"
        case .map(let element): "map of \(element.summary)"
        case .table: "table"
        case .options: "options table"
        case .either(let a, let b): "\(a.summary) or \(b.summary)"
        case .function: "function"
        case .untouchedTable: "table"
        case .ids: "id or list of ids"
        }
    }
}

extension ParameterType {
    /// The longest a ``code`` may be.
    public static let codeLimit = 64

    /// Whether `text` is a code: `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`, at most ``codeLimit``
    /// characters (`sg-open-world`, `alarm-missing-cpu`, `s3-public`).
    ///
    /// Codes are ids that tests, alarm routing and reviewers rely on across versions, so they are
    /// kept to what reads the same everywhere: no spaces, no upper case, nothing to escape.
    public static func isCode(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= codeLimit, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
              bytes.last != UInt8(ascii: "-") else { return false }
        var previous = first
        for byte in bytes.dropFirst() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): break
            case UInt8(ascii: "-") where previous != UInt8(ascii: "-"): break
            default: return false
            }
            previous = byte
        }
        return true
    }
}

func formatBound(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
}
