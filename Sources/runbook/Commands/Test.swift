import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run runbook tests (*_test.lua) against stubs, with no network at all.",
            discussion: """
                Test files use busted's words (describe, it, before_each, assert.are.equal, assert.are.same,
                assert.has_error, ...), stub every call a runbook makes (stub.aws, stub.probe, stub.replay of a
                `runbook run --record` file) and run runbooks with run_runbook(name, params, { dry_run = true }).
                An unstubbed call fails its test. Exits 0 when every test passes, 1 when one fails, 2 when
                there is nothing to run.

                Examples:
                  runbook test
                  runbook test runbooks/msk/tests/high-cpu_test.lua --json
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Test files, or folders searched for *_test.lua (default: the runbook folders).")
        var paths: [String] = []

        @Flag(help: "Print the results as one JSON object instead of a line per test.")
        var json = false

        func run() async throws {
            let searched = paths.isEmpty ? global.directories : paths
            for path in searched where !FileManager.default.fileExists(atPath: path) {
                throw fail(RunbookError(.notFound, "no file or folder at \(path)"))
            }
            let files = RunbookCatalog.testFiles(under: searched)
            if files.isEmpty { throw fail(RunbookError(.notFound, "no test files (*_test.lua) in \(searched.joined(separator: ", "))")) }
            let engine: Engine
            do { engine = try Engine(.offline) } catch { throw fail(error) }
            let report = await RunbookTestRunner(catalog: RunbookCatalog(directories: global.directories, engine: engine)).run(files)
            standardOutput(json ? report.json : report.text)
            if report.failed > 0 { throw ExitCode(ExitStatus.failed.rawValue) }
        }
    }
}
