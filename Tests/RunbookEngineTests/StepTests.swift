import LuaKit
import RunbookEngine
import Testing
import TestSupport

struct StepTests {
    @Test func stepResultsFlowBackAndAreJournaled() async throws {
        let record = try await run(runbookSource("""
            local a, b = step("two values", function() return 1, "two" end)
            assert(a == 1 and b == "two")
            step("nested parent", function()
              step("nested child", function() return { ok = true } end)
            end)
            local cyclic = step("cyclic result", function() local t = {} t.self = t return t end)
            assert(cyclic.self == cyclic)
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let finished = record.events(.stepFinished)
        #expect(finished.map(\.name) == ["two values", "nested child", "nested parent", "cyclic result"])
        #expect(finished[3].result == "<not journaled>")
        #expect(finished[0].result == [1, "two"])
        #expect(finished[1].result == ["ok": true])
        #expect(finished[1].parent == 2)
        #expect(record.events(.stepStarted).first?.location?.hasSuffix("runbook.lua:8") == true)
    }

    @Test func retriesWithBackoffUntilTheStepPasses() async throws {
        let record = try await run(runbookSource("""
            local tries = 0
            local value = step("flaky", { retries = 3, backoff = 0.01 }, function()
              tries = tries + 1
              if tries < 3 then error("not yet " .. tries) end
              return tries
            end)
            assert(value == 3)
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let retries = record.events(.stepRetry)
        #expect(retries.map(\.attempt) == [1, 2])
        #expect(retries.map { $0.durationMs } == [10, 20])
        #expect(retries[0].error?.hasSuffix("not yet 1") == true)
        #expect(record.events(.stepFinished).first?.attempt == 3)
    }

    @Test func aStepPastItsTimeoutIsCutEvenWhileWaiting() async throws {
        await untilThisProcessKeepsTime()
        let record = try await run(runbookSource("""
            step("slow", { timeout = 0.05 }, function() sleep(30) end)
            """))
        #expect(record.result.exit == .failed)
        let finished = record.events(.stepFinished).first
        #expect(finished?.status == "timed_out")
        #expect(finished?.error == "step 'slow' timed out after 0.05s")
        // The 30 s sleep was cut, not waited out.
        #expect((finished?.durationMs ?? 99_999) < 25_000)
    }

    @Test func aStepTimeoutCutsABusyLoopAndPcallCannotSwallowIt() async throws {
        let record = try await run(runbookSource("""
            local ok, err = pcall(step, "busy", { timeout = 0.05 }, function()
              pcall(function() while true do end end)
              log.info("escaped the timeout")
            end)
            assert(not ok and err:find("timed out", 1, true))
            step("after", function() return "still running" end)
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.log).isEmpty)
        #expect(record.events(.stepFinished).map(\.status) == ["timed_out", "ok"])
    }

    @Test func aStepTimeoutCutsAPatternBombEvenInsidePcall() async throws {
        let record = try await run(runbookSource("""
            local s, p = string.rep("a", 5000), string.rep("a*", 80) .. "b"
            local ok, err = pcall(step, "bomb", { timeout = 0.2 }, function() return s:find(p) end)
            assert(not ok and err:find("timed out", 1, true))
            ok, err = pcall(step, "bomb in pcall", { timeout = 0.2 }, function()
              pcall(string.gsub, s, p, "")
              log.info("escaped the timeout")
            end)
            assert(not ok and err:find("timed out", 1, true))
            step("after", function() return "still running" end)
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.log).isEmpty)
        let finished = record.events(.stepFinished)
        #expect(finished.map(\.status) == ["timed_out", "timed_out", "ok"])
        for step in finished.prefix(2) {
            #expect((step.durationMs ?? 99_999) < 1_200, "\(step.name ?? "") took \(step.durationMs ?? -1) ms")
        }
    }

    @Test func continueOnErrorReturnsTheErrorAndTheRunGoesOn() async throws {
        let record = try await run(runbookSource("""
            local value, err = step("optional", { continue_on_error = true }, function() error("broken") end)
            assert(value == nil and err:find("broken", 1, true))
            step("next", function() end)
            """))
        #expect(record.result.exit == .ok)
        #expect(record.events(.stepFinished).map(\.status) == ["failed", "ok"])
    }

    @Test func aFailingStepFailsTheRunWithItsMessage() async throws {
        let record = try await run(runbookSource("""
            step("broken", function() local t = nil; return t.field end)
            step("never", function() end)
            """))
        #expect(record.result.exit == .failed)
        #expect(record.events(.stepStarted).map(\.name) == ["broken"])
        let end = record.events(.runFinished).first
        #expect(end?.status == "failed")
        #expect(end?.exitCode == 1)
        #expect(end?.error?.contains("runbook.lua:8: attempt to index a nil value") == true)
        #expect(end?.traceback?.isEmpty == false)
    }

    @Test func failEndsTheRunWithTheRunbooksMessage() async throws {
        let record = try await run(runbookSource("""
            step("check", function() fail("cluster is not ACTIVE") end)
            """))
        #expect(record.result.exit == .failed)
        let end = record.events(.runFinished).first
        #expect(end?.reason == "the runbook called fail()")
        #expect(end?.error?.hasSuffix("runbook.lua:8: cluster is not ACTIVE") == true)
    }

    @Test func parallelBranchesAllFinishAndFailuresAreNamed() async throws {
        let record = try await run(runbookSource("""
            local done = {}
            local ok, err = pcall(parallel,
              function() sleep(0.02) done[#done + 1] = "a" return 1 end,
              function() error("branch b broke") end,
              function() sleep(0.01) done[#done + 1] = "c" return 3 end)
            assert(not ok)
            assert(err:find("1 of 3 branches failed", 1, true), err)
            assert(err:find("#2:", 1, true) and err:find("branch b broke", 1, true), err)
            assert(#done == 2)
            local x, y = parallel(function() return "x" end, function() return "y" end)
            assert(x == "x" and y == "y")
            local results, errors = each({ 1, 2, 3 }, function(n) if n == 2 then error("two") end return n * 10 end, { collect = true })
            assert(results[1] == 10 and results[3] == 30 and errors[2]:find("two", 1, true))
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
    }

    @Test func findingsAndLogsAreJournaledAtTheirStep() async throws {
        let record = try await run(runbookSource("""
            step("judge", function()
              log.warn("cpu is high", { broker = 2 })
              finding { severity = "high", summary = "broker 2 CPU at 93%", detail = { broker = 2, cpu = 93 } }
            end)
            print("plain", 1, true)
            """))
        #expect(record.result.exit == .ok)
        #expect(record.result.findings == 1)
        let finding = record.events(.finding).first
        #expect(finding?.severity == "high")
        #expect(finding?.step == 1)
        #expect(finding?.detail == ["broker": 2, "cpu": 93])
        #expect(record.events(.log).map(\.message) == ["cpu is high", "plain\t1\ttrue"])
        #expect(record.events(.log).first?.step == 1)
    }

    @Test func badStepArgumentsAreClearErrors() async throws {
        let cases: [(String, String)] = [
            ("step(42, function() end)", "step: bad argument #1 (name): expected a string"),
            ("step(\"x\", { timout = 1 }, function() end)", "step: bad argument #2 (options): unknown option \"timout\"; options are: backoff, continue_on_error, retries, timeout"),
            ("step(\"x\", { timeout = -1 }, function() end)", "step: timeout: expected a number of seconds from 0.001 to 86400, got -1"),
            ("finding { severity = \"urgent\", summary = \"x\" }", "finding: severity: expected one of \"info\", \"low\", \"medium\", \"high\", \"critical\", got \"urgent\""),
            ("sleep(-1)", "sleep: bad argument #1 (seconds): expected a number of seconds from 0 to 86400, got -1"),
            ("run.params = {}", "run is read-only"),
            ("json.decode('{bad')", "json.decode: malformed JSON"),
        ]
        for (body, expected) in cases {
            let record = try await run(runbookSource(body))
            #expect(record.result.exit == .failed, "\(body)")
            #expect(record.events(.runFinished).first?.error?.contains(expected) == true,
                    "\(body): \(record.events(.runFinished).first?.error ?? "")")
        }
    }

    @Test func jsonRoundTripsAndTheRunTableIsFilled() async throws {
        let record = try await run(runbookSource("""
            local text = json.encode({ b = { 1, 2 }, a = "x", n = 1.5 })
            assert(text == '{"a":"x","b":[1,2],"n":1.5}', text)
            local back = json.decode(text)
            assert(back.b[2] == 2 and back.a == "x")
            assert(run.dry_run == false and run.params.target == "orders" and run.runbook.name == "test.runbook")
            assert(type(run.id) == "string" and #run.id > 10)
            """, params: "target = { type = \"string\" }"), arguments: ["target=orders"])
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
    }
}

/// The scheduler once walked every task on every event: 8,000 sleeping branches took 4 s and
/// 100,000 `each` items at concurrency 9,999 did not finish in 25 s. These check that the
/// bookkeeping which replaced the walks (a waiting count, a deadline heap, a pending count per
/// join) still returns every result in order; BENCHMARKS.md has the times.
struct SchedulerScaleTests {
    @Test func tenThousandSleepingBranchesReturnEveryResultInOrder() async throws {
        let record = try await run(runbookSource("""
            step("many", function()
              local fs = {}
              for i = 1, 10000 do fs[i] = function() sleep(0.001) return i * 2 end end
              local results = { parallel(table.unpack(fs)) }
              for i = 1, 10000 do if results[i] ~= i * 2 then error("branch " .. i .. " returned " .. tostring(results[i])) end end
              return #results
            end)
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == 10000)
    }

    @Test func eachOverManyItemsAtHighConcurrencyKeepsOrderAndErrors() async throws {
        let record = try await run(runbookSource("""
            step("many", function()
              local items = {}
              for i = 1, 30000 do items[i] = i end
              local results, errors = each(items, function(i)
                sleep(0.0001)
                if i % 7000 == 0 then error("item " .. i) end
                return -i
              end, { concurrency = 10000, collect = true })
              local failed = 0
              for i = 1, 30000 do
                if i % 7000 == 0 then failed = failed + 1 elseif results[i] ~= -i then error("item " .. i .. " out of order") end
              end
              return failed .. " " .. tostring(errors[7000] ~= nil)
            end)
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == "4 true")
    }

    @Test func stepTimeoutsAmongManyWaitersFireAndTheRestFinish() async throws {
        await untilThisProcessKeepsTime()
        let record = try await run(runbookSource("""
            step("mixed", function()
              local fs = {}
              for i = 1, 2000 do
                fs[i] = function()
                  local ok = step("b" .. i, { timeout = (i % 2 == 0) and 0.05 or 30, continue_on_error = true }, function()
                    sleep((i % 2 == 0) and 30 or 0.01)
                    return true
                  end)
                  return ok == true
                end
              end
              local finished = 0
              for _, ok in ipairs({ parallel(table.unpack(fs)) }) do if ok then finished = finished + 1 end end
              return finished
            end)
            """))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == 1000)
        #expect(record.events(.stepFinished).filter { $0.status == "timed_out" }.count == 1000)
    }
}

/// `fail()` was told from an error by comparing texts in the caller; the run now says which it was.
struct RunFailureKindTests {
    @Test(arguments: [
        ("fail('cluster is not ACTIVE')", RunFailure.failCalled),
        ("error('boom')", RunFailure.error),
        ("local ok = pcall(fail, 'caught') error('then another')", RunFailure.error),
        ("while true do end", RunFailure.limit(.instructions)),
    ])
    func aRunSaysWhyItFailed(body: String, expected: RunFailure) async throws {
        let limits = "limits = { instructions = 1000000 },"
        let record = try await run(runbookSource(body, extra: limits))
        #expect(record.result.failure == expected, "\(String(describing: record.result.failure))")
    }

    @Test func aRunThatPassesHasNoFailure() async throws {
        let record = try await run(runbookSource("step('fine', function() end)"))
        #expect(record.result.status == .ok)
        #expect(record.result.failure == nil)
    }
}
