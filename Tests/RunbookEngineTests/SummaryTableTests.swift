import Foundation
import LuaKit
@testable import RunbookEngine
import Testing

/// `summary_table{}`: the table a runbook ends with, journaled as a `table` line and shown on
/// the terminal and in the report, its cells escaped where they are shown.
struct SummaryTableTests {
    @Test func aTableReachesTheJournalTheTerminalAndTheReport() async throws {
        let shown = try await runShown(runbookSource("""
            step("verdicts", function()
              summary_table { title = "Brokers", columns = { "broker", "tcp", "verdict" }, rows = {
                { "1", "ok", "healthy" },
                { broker = "22", verdict = "down | <b>" },
                { 3, nil, 4.5 },
              } }
            end)
            """))
        let record = shown.record
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let table = try #require(record.events(.table).first)
        #expect(table.name == "Brokers")
        #expect(table.step == 1)
        #expect(table.columns == ["broker", "tcp", "verdict"])
        #expect(table.rows == [["1", "ok", "healthy"], ["22", "", "down | <b>"], ["3", "", "4.5"]])
        #expect(shown.journalEvents.filter { $0.event == .table }.map(\.rows) == [table.rows])

        #expect(shown.terminal.contains("broker  tcp  verdict\n"), "\(shown.terminal)")
        #expect(shown.terminal.contains("22           down | <b>\n"), "\(shown.terminal)")

        let report = shown.report
        #expect(report.contains("## Brokers\n\n| broker | tcp | verdict |\n|---|---|---|\n| 1 | ok | healthy |\n| 22 |  | down \\| &lt;b&gt; |\n"), "\(report)")
    }

    @Test func escapesInCellsNeverReachTheTerminal() async throws {
        let output = OutputCapture()
        let record = try await run(runbookSource(#"""
            summary_table { columns = { "name\27[31m" }, rows = { { "evil\27]0;title\7" } } }
            """#), extraSinks: [TerminalRenderer(color: false, write: output.append)])
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(!output.text.contains("\u{1B}"), "\(output.text)")
        #expect(!output.text.contains("\u{07}"), "\(output.text)")
    }

    @Test(arguments: [
        (#"summary_table { columns = {}, rows = {} }"#, "give 1 to 32 columns, not 0"),
        (#"summary_table { columns = { "a" }, rows = { "x" } }"#, "row 1 is a string, not a table"),
        (#"summary_table { columns = { "a" }, rows = { { "x", "y" } } }"#, "row 1 has 2 cells for 1 columns"),
        (#"summary_table { columns = { "a" }, rows = { { b = 1 } } }"#, "row 1 has a cell for \"b\", which is no column"),
        (#"summary_table { columns = { "a" }, rows = { { "x" } }, colour = "red" }"#, "colour"),
    ])
    func aMalformedTableIsAnErrorSayingWhy(source: String, message: String) async throws {
        let record = try await run(runbookSource(source))
        #expect(record.result.exit == .failed)
        let error = record.events(.runFinished).first?.error ?? ""
        #expect(error.contains("summary_table"), "\(error)")
        #expect(error.contains(message), "\(error)")
        #expect(record.events(.table).isEmpty)
    }

    @Test func tooManyRowsAreRefusedAndLongCellsCut() async throws {
        let refused = try await run(runbookSource("""
            local rows = {}
            for i = 1, 10001 do rows[i] = { i } end
            summary_table { columns = { "n" }, rows = rows }
            """))
        #expect(refused.result.exit == .failed)
        #expect(refused.events(.runFinished).first?.error?.contains("at most 10000 rows, not 10001") == true)

        let cut = try await run(runbookSource(#"summary_table { columns = { "text" }, rows = { { string.rep("x", 5000) } } }"#))
        #expect(cut.result.exit == .ok)
        let cell = try #require(cut.events(.table).first?.rows?.first?.first)
        #expect(cell.count == 1000)
        #expect(cell.hasSuffix("…"))
    }
}
