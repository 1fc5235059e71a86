import Foundation
import LuaKit
import RunbookEngine
import Synchronization

/// Counts what the test primitives really sent: the "server" of the dry-run tests.
final class SendLog: Sendable {
    private let sent = Mutex<[LuaValue]>([])
    var requests: [LuaValue] { sent.withLock { $0 } }
    func append(_ request: LuaValue) { sent.withLock { $0.append(request) } }
}

/// Test-only primitives: `test.read(x)` echoes x; `test.mutate(args)` records a send.
func testModule(_ log: SendLog) -> PrimitiveModule {
    PrimitiveModule(name: "test", primitives: [
        Primitive(name: "read", service: "test", operation: "Read", effect: .read) { arguments in
            let value = arguments.first ?? .string("")
            return PreparedCall(request: ["value": value]) { _ in
                try await Task.sleep(nanoseconds: 1_000_000)
                return PrimitiveResult(value, requestID: "req-read")
            }
        },
        Primitive(name: "mutate", service: "test", operation: "Mutate", effect: .mutate) { arguments in
            guard case .table(let body) = arguments.first ?? .string("") else {
                throw LuaHostError("bad argument #1 (request): expected a table")
            }
            let request: LuaValue = ["method": "PUT", "path": "/things/reboot", "body": .table(body)]
            return PreparedCall(request: request, target: "thing \(body[.string("id")])", planned: ["operation": "planned"]) { _ in
                log.append(request)
                return PrimitiveResult(["operation": "op-123"], requestID: "req-mutate")
            }
        },
    ])
}

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

/// Runs `source` through an engine with `modules`, or else with the test module sending to `log`, and
/// records its journal; `extraSinks` get it too (a report, a journal file).
func run(
    _ source: String, arguments: [String] = [], dryRun: Bool = false, timeout: Double? = nil,
    cancellation: LuaCancellation = LuaCancellation(), modules: [PrimitiveModule]? = nil,
    log: SendLog = SendLog(), extraSinks: [any JournalSink] = []
) async -> RunRecord {
    let folder = RunbookFolder()
    defer { folder.remove() }
    let file = folder.write("runbook.lua", source)
    var request = RunRequest(file: file)
    request.arguments = arguments
    request.dryRun = dryRun
    request.timeout = timeout
    request.cancellation = cancellation
    let recorder = JournalRecorder()
    let result = await RunbookEngine(modules: modules ?? [testModule(log)]).run(request, sinks: [recorder] + extraSinks)
    return RunRecord(result: result, events: recorder.events)
}
