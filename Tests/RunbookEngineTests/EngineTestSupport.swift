import Foundation
import LuaKit
import RunbookEngine

/// A temporary folder of runbook files, removed by the test that made it.
struct RunbookFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "runbook-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `source` to `name` in the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ source: String) -> String {
        let file = "\(path)/\(name)"
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: file, contents: Data(source.utf8))
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A minimal runbook around `body`, the inside of `run = function(p) ... end`.
func runbookSource(_ body: String, params: String = "", name: String = "test.runbook", extra: String = "") -> String {
    """
    return runbook {
      name = "\(name)",
      version = "1.0.0",
      description = "A runbook made by a test",
      params = { \(params) },
      \(extra)
      run = function(p)
    \(body)
      end,
    }
    """
}

struct RunRecord {
    let result: RunResult
    let events: [JournalEvent]
    func events(_ kind: JournalEvent.Kind) -> [JournalEvent] { events.filter { $0.event == kind } }
}

/// Runs `source` through the engine with the test module and records its journal.
func run(
    _ source: String, arguments: [String] = [], dryRun: Bool = false, timeout: Double? = nil,
    log: SendLog = SendLog(), extraSinks: [any JournalSink] = [], configuration: EngineConfiguration? = nil
) async throws -> RunRecord {
    let folder = RunbookFolder()
    defer { folder.remove() }
    return try await run(file: folder.write("runbook.lua", source), arguments: arguments, dryRun: dryRun, timeout: timeout,
                         log: log, extraSinks: extraSinks, configuration: configuration)
}

/// A run as people see it: the journal file, the Markdown report and the terminal's text.
struct ShownRun {
    let record: RunRecord
    /// The journal file's text, and its events as `JournalFile.read` reads them back.
    let journal: String
    let journalEvents: [JournalEvent]
    let report: String
    let terminal: String
}

/// Runs `source` as ``run(_:arguments:dryRun:timeout:log:extraSinks:configuration:)`` does, also
/// writing its journal file, its report and its terminal view, which it returns.
func runShown(_ source: String, arguments: [String] = []) async throws -> ShownRun {
    let folder = RunbookFolder()
    defer { folder.remove() }
    let (journalPath, reportPath) = (folder.path + "/journal.jsonl", folder.path + "/report.md")
    let output = OutputCapture()
    let record = try await run(source, arguments: arguments, extraSinks: [
        try JournalFile(path: journalPath), MarkdownReport(path: reportPath), TerminalRenderer(color: false, write: output.append),
    ])
    return ShownRun(record: record, journal: try String(contentsOfFile: journalPath, encoding: .utf8),
                    journalEvents: try JournalFile.read(path: journalPath),
                    report: try String(contentsOfFile: reportPath, encoding: .utf8), terminal: output.text)
}

/// Runs the runbook file at `file` (such as one in runbooks/) as ``run(_:arguments:dryRun:timeout:log:extraSinks:configuration:)`` does.
func run(
    file: String, arguments: [String] = [], dryRun: Bool = false, timeout: Double? = nil,
    log: SendLog = SendLog(), extraSinks: [any JournalSink] = [], configuration: EngineConfiguration? = nil
) async throws -> RunRecord {
    var request = RunRequest(file: file)
    request.arguments = arguments
    request.dryRun = dryRun
    request.timeout = timeout
    let recorder = JournalRecorder()
    let engine = try Engine(configuration ?? EngineConfiguration(modules: LuaModule.standard + [testModule(log)]))
    let result = await engine.run(request, sinks: [recorder] + extraSinks)
    return RunRecord(result: result, events: recorder.events)
}
