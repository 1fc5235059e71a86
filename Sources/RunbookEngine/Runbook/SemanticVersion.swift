/// A semantic version (semver.org 2.0): `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
public struct SemanticVersion: Sendable, Hashable, CustomStringConvertible {
    /// The major version.
    public let major: Int
    /// The minor version.
    public let minor: Int
    /// The patch version.
    public let patch: Int
    /// The text after `-`, if any.
    public let prerelease: String?
    /// The text after `+`, if any.
    public let build: String?

    /// Parses `text`, or returns nil when it is not a semantic version.
    public init?(_ text: String) {
        var rest = Substring(text)
        var build: String?
        if let plus = rest.firstIndex(of: "+") {
            let text = String(rest[rest.index(after: plus)...])
            guard Self.validIdentifiers(text, numericRule: false) else { return nil }
            build = text
            rest = rest[..<plus]
        }
        var prerelease: String?
        if let dash = rest.firstIndex(of: "-") {
            let text = String(rest[rest.index(after: dash)...])
            guard Self.validIdentifiers(text, numericRule: true) else { return nil }
            prerelease = text
            rest = rest[..<dash]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit), part == "0" || part.first != "0",
                let number = Int(part)
            else { return nil }
            numbers.append(number)
        }
        (major, minor, patch) = (numbers[0], numbers[1], numbers[2])
        self.prerelease = prerelease
        self.build = build
    }

    private static func validIdentifiers(_ text: String, numericRule: Bool) -> Bool {
        let identifiers = text.split(separator: ".", omittingEmptySubsequences: false)
        return identifiers.allSatisfy { identifier in
            guard !identifier.isEmpty,
                identifier.allSatisfy({ $0.isASCIIDigit || ($0.isASCII && $0.isLetter) || $0 == "-" })
            else { return false }
            // Numeric prerelease identifiers may not have leading zeros.
            if numericRule, identifier.allSatisfy(\.isASCIIDigit), identifier.count > 1, identifier.first == "0" {
                return false
            }
            return true
        }
    }

    public var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.map { "-\($0)" } ?? "") + (build.map { "+\($0)" } ?? "")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
