import Foundation
import LuaKit
import RunbookEngine
import Testing

struct DryRunTests {
    /// Every way a runbook might reach a mutating primitive.
    static let sneakyRunbook = runbookSource("""
        test.mutate({ id = 1 })
        pcall(test.mutate, { id = 2 })
        local m = test.mutate
        step("aliased", function() return m({ id = 3 }) end)
        parallel(function() return test.mutate({ id = 4 }) end, function() return test.read("x") end)
        each({ 5, 6 }, function(id) return test.mutate({ id = id }) end)
        local proxy = setmetatable({}, { __index = function(_, k) return test.mutate({ id = 7 }) end })
        local _ = proxy.anything
        load("test.mutate({ id = 8 })")()
        local result = test.mutate({ id = 9 })
        if not run.dry_run then assert(result.operation == "op-123") end
        if run.dry_run then assert(result.planned == true and result.operation == "planned") end
        """)

    @Test func dryRunSendsNoMutatingCallHoweverTheRunbookIsWritten() async throws {
        let log = SendLog()
        let folder = RunbookFolder()
        defer { folder.remove() }
        let reportPath = folder.path + "/review.md"
        let record = try await run(Self.sneakyRunbook, dryRun: true, log: log, extraSinks: [MarkdownReport(path: reportPath)])
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(log.requests.isEmpty)
        let planned = record.events(.call).filter { $0.planned == true }
        #expect(planned.count == 9)
        #expect(planned.allSatisfy { $0.operation == "Mutate" && $0.effect == "mutate" })
        #expect(Set(planned.compactMap { $0.request?["body"]["id"].intValue }) == Set(1...9))
        #expect(record.result.plannedActions == 9)
        // Reads still ran live.
        #expect(record.events(.call).contains { $0.operation == "Read" && $0.planned == false && $0.requestId == "req-read" })
        // The reviewer's document holds every planned request exactly.
        let report = try String(contentsOfFile: reportPath, encoding: .utf8)
        #expect(report.contains("## Planned actions (9)"))
        #expect(report.contains("\"path\" : \"/things/reboot\""))
        for id in 1...9 { #expect(report.contains("\"id\" : \(id)")) }
    }

    @Test func liveRunSendsEachMutatingCall() async throws {
        let log = SendLog()
        let record = try await run(Self.sneakyRunbook, log: log)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(log.requests.count == 9)
        #expect(record.events(.call).filter { $0.operation == "Mutate" }.allSatisfy { $0.planned == false && $0.requestId == "req-mutate" })
    }

    @Test func dryRunAndLiveRunWriteTheSameSteps() async throws {
        let source = runbookSource("""
            step("read", function() return test.read("a") end)
            step("change", function() return test.mutate({ id = 1 }) end)
            """)
        let dry = try await run(source, dryRun: true)
        let live = try await run(source)
        let shape = { (record: RunRecord) in record.events.map { "\($0.event.rawValue) \($0.name ?? $0.operation ?? "") \($0.status ?? "")" } }
        #expect(shape(dry) == shape(live))
        #expect(dry.events.first?.mode == "dry-run")
        #expect(live.events.first?.mode == "live")
    }

    @Test func primitivesAreRefusedWhileLoading() async throws {
        let log = SendLog()
        let source = "test.mutate({ id = 1 })\n" + runbookSource("")
        let record = try await run(source, log: log)
        #expect(record.result.exit == .usage)
        #expect(record.result.message?.contains("cannot run while the runbook file is loading") == true)
        #expect(log.requests.isEmpty)
    }
}
