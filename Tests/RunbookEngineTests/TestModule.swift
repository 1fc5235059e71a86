import LuaKit
import RunbookEngine
import Synchronization

/// Counts what the test primitives really sent: the "server" of the dry-run tests.
final class SendLog: Sendable {
    private let sent = Mutex<[LuaValue]>([])
    var requests: [LuaValue] { sent.withLock { $0 } }
    func append(_ request: LuaValue) { sent.withLock { $0.append(request) } }
}

/// A module declared in this one file and nowhere else: `test.read(x)` echoes x,
/// `test.mutate{...}` records a send, `test.shout(text)` is pure. Tests show it reaches
/// runs, validation, the three `runbook api` formats and the dry-run gate.
func testModule(_ log: SendLog) -> LuaModule {
    LuaModule("test", doc: "A module made by the tests.", functions: [
        .primitive("read", effect: .read, operation: "Read", parameters: [.optional("value", .value, "What to echo")],
                   returns: .any, doc: "Echoes its argument after a millisecond.", example: "test.read(42)") { arguments, _ in
            let value = arguments.has("value") ? arguments["value"] : .string("")
            return PreparedCall(request: ["value": value]) { _ in
                try await Task.sleep(nanoseconds: 1_000_000)
                return PrimitiveResult(value, requestID: "req-read")
            }
        },
        .primitive("mutate", effect: .mutate, operation: "Mutate", parameters: [.required("request", .table, "What to change")],
                   returns: .table("the operation"), doc: "Records a send.", example: "test.mutate { id = 2 }") { arguments, _ in
            let body = arguments.table("request")
            let request: LuaValue = ["method": "PUT", "path": "/things/reboot", "body": .table(body)]
            return PreparedCall(request: request, target: "thing \(body[.string("id")])", planned: ["operation": "planned"]) { _ in
                log.append(request)
                return PrimitiveResult(["operation": "op-123"], requestID: "req-mutate")
            }
        },
        .pure("shout", parameters: [.required("text", .string, "What to shout")], returns: .string,
              doc: "The text in capitals.", example: #"test.shout("hi")"#) { arguments in
            try arguments.string("text").uppercased()
        },
    ])
}
