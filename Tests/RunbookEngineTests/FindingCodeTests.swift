import Foundation
import LuaKit
@testable import RunbookEngine
import Testing

/// `finding{ code = ... }`: a stable id for what was found, like a linter's rule id, journaled
/// and shown on the terminal and in the report; checked by the one argument checker.
struct FindingCodeTests {
    @Test func aCodeReachesTheJournalTheTerminalAndTheReport() async throws {
        let shown = try await runShown(runbookSource("""
            step("audit", function()
              finding { code = "sg-open-world", severity = "high", summary = "sg-1 allows 0.0.0.0/0 on 9092", detail = { group = "sg-1" } }
              finding { severity = "low", summary = "no code here" }
            end)
            """))
        let record = shown.record
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.result.findings == 2)
        #expect(record.events(.finding).map(\.code) == ["sg-open-world", nil])

        let lines = shown.journal.split(separator: "\n")
        let findings = lines.filter { $0.contains(#""event":"finding""#) }
        #expect(findings.count == 2)
        #expect(findings.first?.contains(#""code":"sg-open-world""#) == true, "\(findings)")
        #expect(findings.last?.contains(#""code""#) == false, "a finding without a code journals none: \(findings)")
        #expect(shown.journalEvents.filter { $0.event == .finding }.map(\.code) == ["sg-open-world", nil])

        #expect(shown.terminal.contains("! HIGH [sg-open-world] sg-1 allows 0.0.0.0/0 on 9092"), "\(shown.terminal)")
        #expect(shown.terminal.contains("! LOW no code here"), "\(shown.terminal)")

        let report = shown.report
        #expect(report.contains("- **HIGH** `sg-open-world` sg-1 allows 0.0.0.0/0 on 9092"), "\(report)")
        #expect(report.contains("- **LOW** no code here"), "\(report)")
    }

    @Test(arguments: [
        #""Sg-Open""#, #""sg--open""#, #""sg-""#, #""-sg""#, #""9-lives""#, #""sg open""#, #""sg_open""#,
        #""sg.open""#, #""""#, "42", "{}", #""é-code""#, "\"" + String(repeating: "a", count: 65) + "\"",
    ])
    func aBadCodeIsRefusedNamingTheArgument(code: String) async throws {
        let record = try await run(runbookSource(#"finding { code = \#(code), summary = "x" }"#))
        #expect(record.result.exit == .failed)
        #expect(record.result.findings == 0)
        let error = record.events(.runFinished).first?.error ?? ""
        #expect(error.contains("finding: code: expected a code of lower-case letters and digits in words joined by single hyphens, starting with a letter, at most 64 characters"), "\(code): \(error)")
    }

    @Test func theLongestAndShortestCodesAreAccepted() async throws {
        let longest = "a" + String(repeating: "-b", count: 31) + "c"
        #expect(longest.count == 64)
        let record = try await run(runbookSource("""
            finding { code = "a", summary = "x" }
            finding { code = "\(longest)", summary = "y" }
            finding { code = "s3-public-2", summary = "z" }
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.finding).map(\.code) == ["a", longest, "s3-public-2"])
    }

    @Test func theRuleIsTheDocumentedOne() {
        for good in ["a", "sg-open-world", "alarm-missing-cpu", "s3", "x1-2y"] { #expect(ParameterType.isCode(good), "\(good)") }
        for bad in ["", "A", "a-", "-a", "a--b", "1a", "a b", "a\u{1B}b", "ａ"] { #expect(!ParameterType.isCode(bad), "\(bad)") }
        #expect(ParameterType.isCode(String(repeating: "a", count: 64)))
        #expect(!ParameterType.isCode(String(repeating: "a", count: 65)))
    }

    /// `runbook log` replays journals, which are files from outside: a code there is untrusted.
    @Test func aHostileCodeInAJournalIsEscapedOnTheTerminalAndInTheReport() {
        let start = JournalEvent(.runStarted, run: "r1", time: "2025-01-01T00:00:00Z")
        var finding = JournalEvent(.finding, run: "r1", time: "2025-01-01T00:00:01Z")
        finding.severity = "high"
        finding.summary = "s"
        finding.code = "x\u{1B}]52;c;ZXZpbA==\u{07}<b>`|"
        let output = OutputCapture()
        let renderer = TerminalRenderer(color: false, write: output.append)
        renderer.record(start)
        renderer.record(finding)
        #expect(!output.text.contains("\u{1B}") && !output.text.contains("\u{07}"))
        #expect(output.text.contains("[x\\x1b]52;c;ZXZpbA==\\x07<b>`|]"), "\(output.text)")

        let report = MarkdownReport.render([start, finding])
        #expect(!report.contains("\u{1B}") && !report.contains("<b>"))
        #expect(report.contains("x\\\\x1b\\]52;c;ZXZpbA==\\\\x07&lt;b&gt;\\`\\|"), "\(report)")
    }
}
