import Foundation
import LuaKit
import RunbookEngine
import Synchronization
import Testing

struct LimitsAndSecretsTests {
    static let bombs: [(String, String)] = [
        ("while true do end", "instruction budget"),
        ("pcall(function() while true do end end) step('after', function() end)", "instruction budget"),
        ("while true do pcall(function() while true do end end) end", "instruction budget"),
        ("local t = {} while true do t[#t + 1] = coroutine.create(function() end) end", "memory limit"),
        ("pcall(string.rep, 'x', 1 << 30) step('after', function() end)", "memory limit"),
        ("local s = string.rep('x', 1 << 30)", "memory limit of 8 MiB reached"),
        ("local function f() return 1 + f() end f()", ""),
        ("sleep(60)", "run timed out after"),
    ]

    @Test(arguments: bombs)
    func aLimitStopsTheRunWithExitThree(body: String, reason: String) async throws {
        let source = runbookSource(body, extra: "limits = { memory_mb = 8, instructions = 20000000 },")
        let record = try await run(source, timeout: body.hasPrefix("sleep") ? 0.2 : 60)
        #expect(record.result.exit == .limit, "\(body): \(record.result.message ?? "")")
        let end = record.events(.runFinished).first
        #expect(end?.status == "stopped")
        #expect(end?.exitCode == 3)
        if !reason.isEmpty { #expect(end?.reason?.contains(reason) == true, "\(end?.reason ?? "")") }
        // The engine goes on: the next run in the same process works.
        let next = try await run(runbookSource("step('fine', function() return 1 end)"))
        #expect(next.result.exit == .ok)
    }

    @Test func stepsOpenWhenALimitHitsAreClosedAsStopped() async throws {
        let record = try await run(runbookSource("step('outer', function() step('inner', function() while true do end end) end)",
                                             extra: "limits = { instructions = 5000000 },"))
        #expect(record.result.exit == .limit)
        #expect(record.events(.stepFinished).map(\.status) == ["stopped", "stopped"])
        #expect(record.events(.stepFinished).map(\.name) == ["inner", "outer"])
    }

    @Test func cancellingStopsARunWaitingOnIO() async throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        var request = RunRequest(file: folder.write("r.lua", runbookSource("step('wait', function() sleep(60) end)")))
        let cancellation = request.cancellation
        request.timeout = 120
        Task {
            try await Task.sleep(nanoseconds: 50_000_000)
            cancellation.cancel()
        }
        let recorder = JournalRecorder()
        let result = try await Engine(EngineConfiguration()).run(request, sinks: [recorder])
        #expect(result.exit == .limit)
        #expect(result.stopReason == .cancelled)
        #expect(recorder.events.last?.reason == "cancelled")
    }

    @Test func secretParametersNeverReachTheJournalOrReport() async throws {
        let secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
        let shown = try await runShown(runbookSource("""
            log.info("using token " .. p.token)
            step("leak", function() return { token = p.token } end)
            finding { severity = "low", summary = "token " .. p.token }
            error("failed with " .. p.token)
            """, params: "token = { type = \"string\", secret = true, required = true }"),
            arguments: ["token=\(secret)"])
        let record = shown.record
        #expect(record.result.exit == .failed)
        let texts = [shown.journal, shown.report, shown.terminal]
        for text in texts {
            #expect(!text.contains(secret))
            #expect(text.contains(Redactor.mask))
        }
    }

    /// Redaction once matched only the exact string: a secret percent-encoded into a URL or
    /// JSON-escaped into a body passed through.
    @Test func aSecretIsMaskedPercentEncodedAndJSONEscapedToo() async throws {
        let secret = "p@ss w/rd\"x1"
        let folder = RunbookFolder()
        defer { folder.remove() }
        let journalPath = folder.path + "/journal.jsonl"
        let record = try await run(runbookSource("""
            local encoded = p.token:reveal():gsub("[^%w]", function(c) return ("%%%02X"):format(c:byte()) end)
            log.info("https://example.invalid/?token=" .. encoded)
            log.info(json.encode({ token = p.token:reveal() }))
            """, params: "token = { type = \"string\", secret = true, required = true }"),
            arguments: ["token=\(secret)"], extraSinks: [try JournalFile(path: journalPath)])
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let journal = try String(contentsOfFile: journalPath, encoding: .utf8)
        #expect(!journal.contains("p%40ss%20w%2Frd%22x1"), "the percent-encoded secret reached the journal")
        #expect(!journal.contains(#"p@ss w/rd\\\"x1"#) && !journal.contains("p@ss"), "the JSON-escaped secret reached the journal")
    }

    /// A type error once echoed a secret parameter's value.
    @Test func aMistypedSecretIsNotEchoed() async throws {
        let record = try await run(runbookSource("", params: "pin = { type = \"integer\", secret = true, required = true }"),
                                   arguments: ["pin=hunter2-not-a-number"])
        #expect(record.result.exit == .usage)
        #expect(record.result.message?.contains("parameter 'pin' must be an integer") == true)
        #expect(record.result.message?.contains("hunter2") == false, "\(record.result.message ?? "")")
    }

    /// Secrets shorter than 4 characters were never redacted, and any secret could be logged by
    /// accident; a secret parameter now reaches Lua as an opaque value.
    @Test func aSecretParameterIsOpaqueUntilRevealed() async throws {
        let record = try await run(runbookSource("""
            log.info(tostring(p.pin))
            log.info("concat " .. p.pin)
            log.info(json.encode({ pin = p.pin }))
            log.info(string.format("format %s", p.pin), { pin = p.pin })
            local _, err = pcall(error, p.pin)
            log.info("error " .. tostring(err))
            finding { severity = "low", summary = "finding " .. p.pin, detail = { pin = p.pin } }
            step("use it", function()
              return { revealed = p.pin:reveal() == "ab1", sent = test.read(p.pin) == "ab1", same = run.params.pin == p.pin }
            end)
            fail(p.pin)
            """, params: "pin = { type = \"string\", secret = true, required = true }"),
            arguments: ["pin=ab1"])
        #expect(record.result.exit == .failed)
        #expect(record.events(.stepFinished).last?.result == ["revealed": true, "sent": true, "same": true])
        let messages = record.events(.log).compactMap(\.message)
        #expect(messages == ["<redacted>", "concat <redacted>", #"{"pin":"<redacted>"}"#, "format <redacted>", "error <redacted>"])
        #expect(record.events(.log)[3].detail == ["pin": "<redacted>"])
        #expect(record.events(.finding).first?.summary == "finding <redacted>")
        #expect(record.events(.finding).first?.detail == ["pin": "<redacted>"])
        #expect(record.events(.runFinished).first?.error?.hasSuffix("<redacted>") == true)
        let everything = try String(decoding: JSONEncoder().encode(record.events), as: UTF8.self)
        #expect(!everything.contains("ab1"), "a 3-character secret reached the journal")
    }
}

/// Collects what a terminal renderer writes.
final class OutputCapture: Sendable {
    private let buffer = Mutex("")
    var text: String { buffer.withLock { $0 } }
    var append: @Sendable (String) -> Void { { [self] piece in self.buffer.withLock { $0 += piece } } }
}
