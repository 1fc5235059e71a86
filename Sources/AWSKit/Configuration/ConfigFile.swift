import Foundation

/// One shared config or credentials file, parsed the way botocore's `raw_config_parse` does.
///
/// The rules are Python `configparser`'s (`RawConfigParser`, strict): `[section]` headers,
/// `key = value` or `key: value` lines, keys lowercased, whole-line comments starting with `#`
/// or `;` (no inline comments), indented lines continuing the previous value, and a duplicate
/// section or key in one file being an error. A value that is empty on its own line and
/// continues on indented lines is a nested section (`s3 =\n  addressing_style = path`), whose
/// keys keep their case.
struct ConfigFile: Sendable, Equatable {
    /// A setting's value: a plain string, or the keys of a nested section.
    enum Value: Sendable, Equatable {
        case string(String)
        case nested([String: String])

        /// The plain string, or `nil` for a nested section.
        var string: String? {
            if case .string(let value) = self { value } else { nil }
        }

        /// The nested keys, or `nil` for a plain string.
        var nested: [String: String]? {
            if case .nested(let value) = self { value } else { nil }
        }
    }

    /// The sections in file order, each with its name as written between the brackets.
    var sections: [(name: String, values: [String: Value])]

    static func == (lhs: ConfigFile, rhs: ConfigFile) -> Bool {
        lhs.sections.map(\.name) == rhs.sections.map(\.name)
            && lhs.sections.map(\.values) == rhs.sections.map(\.values)
    }

    /// An empty file.
    init() {
        sections = []
    }

    /// Reads and parses the file at `path`; a missing file is an empty one, as in botocore.
    ///
    /// - Throws: `AWSError.configFileSyntax` when the file exists but is not valid.
    static func load(path: String) throws(AWSError) -> ConfigFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return ConfigFile() }
        if isDirectory.boolValue {
            throw .configFileSyntax(path: path, line: 0, reason: "it is a directory, not a file")
        }
        // A FIFO or device would block the read or never end; only regular files are settings.
        let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
        guard type == .typeRegular else {
            throw .configFileSyntax(path: path, line: 0, reason: "it is not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        else {
            throw .configFileSyntax(path: path, line: 0, reason: "the file cannot be read as UTF-8")
        }
        return try parse(text, path: path)
    }

    /// Parses INI text; `path` only names the file in errors.
    static func parse(_ text: String, path: String) throws(AWSError) -> ConfigFile {
        var file = ConfigFile()
        var current: (name: String, values: [String: Value], raw: [String: String], lines: [String: Int])?
        var lastKey: String?
        var seen: Set<String> = []

        func finish() throws(AWSError) {
            guard let section = current else { return }
            var values = section.values
            for (key, raw) in section.raw {
                values[key] = try value(raw, path: path, key: key, line: section.lines[key] ?? 0)
            }
            file.sections.append((section.name, values))
        }

        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (offset, rawLine) in lines.enumerated() {
            let number = offset + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") {
                continue
            }
            let indented = line.first == " " || line.first == "\t"
            if indented, let key = lastKey, current != nil {
                current?.raw[key, default: ""] += "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("["), let close = trimmed.lastIndex(of: "]") {
                let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
                    .trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else {
                    throw .configFileSyntax(path: path, line: number, reason: "empty section name")
                }
                guard !seen.contains(name) else {
                    throw .configFileSyntax(path: path, line: number, reason: "section [\(name)] appears twice")
                }
                try finish()
                seen.insert(name)
                current = (name, [:], [:], [:])
                lastKey = nil
                continue
            }
            if trimmed.hasPrefix("[") {
                throw .configFileSyntax(path: path, line: number, reason: "the section header \(String(trimmed.prefix(40)).debugDescription) has no closing ']'")
            }
            guard current != nil else {
                throw .configFileSyntax(path: path, line: number, reason: "a setting before any [section] header")
            }
            guard let split = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw .configFileSyntax(path: path, line: number, reason: "expected 'key = value'")
            }
            let key = trimmed[..<split].trimmingCharacters(in: .whitespaces).lowercased()
            guard !key.isEmpty else {
                throw .configFileSyntax(path: path, line: number, reason: "a setting without a name")
            }
            guard current?.raw[key] == nil else {
                throw .configFileSyntax(path: path, line: number, reason: "setting '\(key)' appears twice in one section")
            }
            current?.raw[key] = trimmed[trimmed.index(after: split)...].trimmingCharacters(in: .whitespaces)
            current?.lines[key] = number
            lastKey = key
        }
        try finish()
        return file
    }

    /// Turns a raw value into a string or, when it starts on the next line, a nested section.
    private static func value(_ raw: String, path: String, key: String, line: Int) throws(AWSError) -> Value {
        guard raw.hasPrefix("\n") else { return .string(raw) }
        var nested: [String: String] = [:]
        for entry in raw.split(separator: "\n") {
            guard let equals = entry.firstIndex(of: "=") else {
                throw .configFileSyntax(path: path, line: line, reason: "a line under '\(key) =' has no '='")
            }
            let name = entry[..<equals].trimmingCharacters(in: .whitespaces)
            nested[name] = entry[entry.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return .nested(nested)
    }

    /// The values of the section named exactly `name`, or `nil`.
    func section(_ name: String) -> [String: Value]? {
        sections.last { $0.name == name }?.values
    }

    /// The sections whose header is `<kind> <name>` (such as `profile ci` or `services local`),
    /// keyed by name; `[default]` counts as profile `default` when `kind` is `profile`.
    func namedSections(_ kind: String) -> [String: [String: Value]] {
        var result: [String: [String: Value]] = [:]
        for section in sections {
            if kind == "profile" && section.name == "default" {
                result["default"] = section.values
                continue
            }
            guard section.name.hasPrefix(kind), let words = ShellWords.split(section.name),
                words.count == 2, words[0] == kind
            else { continue }
            result[words[1]] = section.values
        }
        return result
    }
}
