import Foundation
public import LuaKit

/// Replaces known secret values with `<redacted>` wherever they appear in an event:
/// messages, errors, results, requests. The one list every journal, report and
/// terminal line passes through.
public struct Redactor: Sendable {
    /// What a secret is replaced with.
    public static let mask = LuaSecret.mask
    /// The secrets as given, to make a redactor that knows more.
    private let given: [String]
    private let secrets: [String]
    /// Every secret at any length: a string value that is exactly one is masked whole.
    private let exact: Set<String>

    /// A redactor for `secrets`, each also as it appears percent-encoded (in a URL or a query)
    /// and JSON-escaped (in a request body), since a secret passed on is seldom passed as typed.
    ///
    /// Inside longer text, values shorter than 4 characters are not masked: masking every "1"
    /// would hide more than it protects. A string value that is exactly a secret (a parameter, a
    /// field of a request) is masked at any length.
    public init(secrets: [String] = []) {
        given = secrets
        exact = Set(secrets.filter { !$0.isEmpty })
        let forms = secrets.filter { $0.count >= 4 }.flatMap { secret -> [String] in
            var variants = [secret]
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { variants.append(encoded) }
            if let escaped = try? encodeJSON(.string(secret)) { variants.append(String(escaped.dropFirst().dropLast())) }
            return variants
        }
        self.secrets = Set(forms).sorted { $0.count > $1.count }
    }

    /// This redactor knowing `more` secrets too: values a run learned, such as an AWS answer's
    /// sensitive members.
    public func adding(_ more: [String]) -> Redactor {
        let new = more.filter { !$0.isEmpty && !exact.contains($0) }
        return new.isEmpty ? self : Redactor(secrets: given + new)
    }

    /// `text` with every secret masked.
    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingAll($1, with: Self.mask) }
    }

    /// `value` with every secret masked in every string, keys included.
    public func redact(_ value: LuaValue) -> LuaValue {
        guard !exact.isEmpty else { return value }
        switch value {
        case .string(let s): return .string(exact.contains(s) ? Self.mask : redact(s))
        case .table(let table):
            var clean = LuaTable(array: table.array.map(redact))
            for (key, element) in table.fields { clean.fields[redact(key)] = redact(element) }
            return .table(clean)
        default: return value
        }
    }

    /// `event` with every secret masked.
    public func redact(_ event: JournalEvent) -> JournalEvent {
        guard !exact.isEmpty else { return event }
        var e = event
        for path in [\JournalEvent.name, \.error, \.message, \.summary, \.traceback, \.reason, \.location, \.file] {
            e[keyPath: path] = e[keyPath: path].map(redact)
        }
        for path in [\JournalEvent.params, \.trigger, \.result, \.request, \.detail] {
            e[keyPath: path] = e[keyPath: path].map(redact)
        }
        return e
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
