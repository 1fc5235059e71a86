import Foundation
import LuaKit

/// One test's outcome: which test, and for a failure the assertion, the expected and actual
/// values and where.
public struct RunbookTestCase: Sendable, Encodable, Equatable {
    /// The test file.
    public let file: String
    /// The `describe` names and the `it` name, joined with ` › `; `(the file)` when the file
    /// itself did not load or run.
    public let name: String
    /// Whether it passed.
    public let passed: Bool
    /// `file:line` of the failed assertion, else of the `it`.
    public var location: String?
    /// The failed assertion (`assert.are.equal`), when one failed.
    public var assertion: String?
    /// What went wrong.
    public var message: String?
    /// The expected value, as Lua would write it.
    public var expected: String?
    /// The actual value, as Lua would write it.
    public var actual: String?

    init(file: String, name: String, passed: Bool, message: String? = nil) {
        self.file = file
        self.name = name
        self.passed = passed
        self.message = message.map { Self.restoringPath(of: file, in: $0) }
    }

    /// A test's result as testing.lua returns it.
    init(file: String, result: LuaTable) {
        func text(_ key: String) -> String? { result.fields[.string(key)]?.stringValue }
        self.init(file: file, name: text("name") ?? "?", passed: result.fields["ok"]?.boolValue == true, message: text("message"))
        location = text("location").map { Self.restoringPath(of: file, in: $0) }
        assertion = text("assertion")
        expected = text("expected")
        actual = text("actual")
    }

    /// `text` with the test file's path whole: Lua keeps the last 56 characters of a longer
    /// chunk name behind `...` (LUA_IDSIZE), and a position is only useful if it names the file.
    static func restoringPath(of file: String, in text: String) -> String {
        guard file.utf8.count > 59 else { return text }
        return text.replacingAll("..." + String(decoding: file.utf8.suffix(56), as: UTF8.self), with: file)
    }
}

/// What `runbook test` prints: a line per test, then `N passed, N failed`.
public struct RunbookTestReport: Sendable, Encodable {
    /// Every test, in the order they ran.
    public let tests: [RunbookTestCase]
    /// How many passed.
    public let passed: Int
    /// How many failed.
    public let failed: Int

    init(tests: [RunbookTestCase]) {
        self.tests = tests
        passed = tests.count { $0.passed }
        failed = tests.count - passed
    }

    /// The report for a terminal, every untrusted string escaped.
    public var text: String {
        var lines: [String] = []
        for test in tests {
            let name = UntrustedText.terminal("\(test.file) › \(test.name)")
            lines.append((test.passed ? "✓ " : "✗ ") + name)
            if test.passed { continue }
            let heading = [test.location, test.assertion].compactMap { $0 }.joined(separator: ": ")
            let message = test.message.map { heading.isEmpty ? $0 : "\(heading): \($0)" } ?? heading
            lines.append("    " + UntrustedText.terminal(message))
            if let expected = test.expected { lines.append("      expected: " + UntrustedText.terminal(expected)) }
            if let actual = test.actual { lines.append("      actual:   " + UntrustedText.terminal(actual)) }
        }
        lines.append("")
        lines.append("\(passed) passed, \(failed) failed")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same report as one JSON object: `tests`, `passed`, `failed`.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
