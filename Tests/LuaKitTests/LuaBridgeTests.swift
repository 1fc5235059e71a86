import LuaKit
import Testing

@Suite(.serialized)
struct LuaBridgeTests {
    @Test func valuesRoundTripThroughLua() throws {
        let lua = try LuaState()
        let env = try lua.makeSandbox()
        let value: LuaValue = [
            "name": "orders", "count": 3, "ratio": 0.5, "ok": true,
            "brokers": [1, 2, 3], "nested": ["deep": ["x": "y"]],
        ]
        try lua.set("input", value, in: env)
        let chunk = try lua.load("return input, #input.brokers, input.nested.deep.x", chunkname: "=t", environment: env)
        let results = try lua.callForValues(chunk)
        #expect(results == [value, 3, "y"])
    }

    @Test func integersAndFloatsStayDistinct() throws {
        let lua = try LuaState()
        let env = try lua.makeSandbox()
        let chunk = try lua.load("return 1, 1.0, 2^53, -0.5, math.maxinteger", chunkname: "=t", environment: env)
        #expect(try lua.callForValues(chunk) == [.integer(1), .number(1.0), .number(9007199254740992), .number(-0.5), .integer(Int64.max)])
    }

    @Test func cyclicTableIsAConversionError() throws {
        let lua = try LuaState()
        let env = try lua.makeSandbox()
        let chunk = try lua.load("local t = {} t.self = t return t", chunkname: "=t", environment: env)
        #expect(throws: LuaError.self) { try lua.callForValues(chunk) }
    }

    @Test func hostFunctionErrorsCarryTheRunbookLine() async throws {
        let fail = LuaHostFunction("explode") { _ in throw LuaHostError("boom") }
        let harness = try LuaHarness(functions: [fail])
        let outcome = try await harness.run("local x = 1\nexplode()\n")
        #expect(outcome.error?.message == "snippet.lua:2: explode: boom")
    }

    @Test func tenThousandErrorsThroughSwiftLeakNothing() async throws {
        Canary.live = 0
        let fail = LuaHostFunction("fail") { _ in
            let canary = Canary()
            let names = [String](repeating: "leak?", count: 4)
            throw LuaHostError("\(names.count) \(ObjectIdentifier(canary).hashValue != 0)")
        }
        let harness = try LuaHarness(functions: [fail])
        let outcome = try await harness.run("""
            local caught = 0
            for i = 1, 10000 do
              local ok, err = pcall(fail)
              if not ok and err:find("fail: 4 true", 1, true) then caught = caught + 1 end
            end
            return caught
            """)
        #expect(outcome.error == nil)
        #expect(outcome.values == [10000])
        #expect(Canary.live == 0)
    }

    @Test func yieldsInsidePcallResumeWithTheRightValues() async throws {
        let fetch = LuaHostFunction("fetch") { call in
            let n = try call.number(1, "n")
            return .suspend(.work {
                try await Task.sleep(nanoseconds: 1_000_000)
                return [.number(n * 10), "done"]
            })
        }
        let failLater = LuaHostFunction("fail_later") { _ in
            .suspend(.work {
                try await Task.sleep(nanoseconds: 1_000_000)
                throw LuaHostError("late failure")
            })
        }
        let harness = try LuaHarness(functions: [fetch, failLater])
        let outcome = try await harness.run("""
            local ok, a, b = pcall(fetch, 4)
            local ok2, err = pcall(fail_later)
            local ok3, c = pcall(function() return pcall(function() return fetch(7) end) end)
            return ok, a, b, ok2, err, ok3, c
            """)
        #expect(outcome.error == nil)
        #expect(outcome.values == [true, 40.0, "done", false, "snippet.lua:2: fail_later: late failure", true, true])
    }

    /// A result too deep to push once left the values pushed before the failure on the stack:
    /// `pcall` said true and got 401 values of leftovers.
    @Test func aResultThatCannotBePushedFailsTheCallWithNothingLeftOver() async throws {
        let deep = LuaHostFunction("deep") { _ in
            .suspend(.work {
                var value: LuaValue = 1
                for _ in 0..<300 { value = .table(LuaTable(fields: ["a": value])) }
                return ["first", 2, value]
            })
        }
        let harness = try LuaHarness(functions: [deep])
        let outcome = try await harness.run("""
            local results = table.pack(pcall(deep))
            return results.n, results[1], results[2]
            """)
        #expect(outcome.error == nil)
        #expect(outcome.values.prefix(2) == [2, false])
        #expect(outcome.values.last?.stringValue?.contains("deep: value is nested more than") == true, "\(outcome.values)")
    }

    /// A host function's answer was pushed with the memory cap lifted, so no answer was too big.
    /// Now it is held against what the limit leaves free, on both return paths, and past it the
    /// run stops for memory, naming the function, whatever `pcall` does.
    @Test(arguments: [false, true])
    func anAnswerLargerThanTheMemoryLeftStopsTheRunNamingTheFunction(suspending: Bool) async throws {
        let big = LuaValue.table(LuaTable(array: (0..<200_000).map { .string("row \($0) of an answer too big to hold") }))
        let answer = LuaHostFunction("answer") { _ in suspending ? .suspend(.work { [big] }) : .values([big]) }
        let harness = try LuaHarness(limits: LuaLimits(memoryBytes: 4 << 20), functions: [answer])
        let outcome = try await harness.run("local ok, err = pcall(answer) return ok, err")
        #expect(outcome.error?.kind == .stopped(.memory), "\(outcome)")
        #expect(outcome.error?.message.contains("answer: the answer (about ") == true, "\(outcome.error?.message ?? "")")
        #expect(outcome.error?.message.contains("leaves free") == true)
    }

    @Test func suspendingWhereLuaCannotYieldIsAClearError() async throws {
        let wait = LuaHostFunction("wait") { _ in .suspend(.work { [] }) }
        let harness = try LuaHarness(functions: [wait])
        let sorted = try await harness.run("table.sort({3, 1, 2}, function(a, b) wait() return a < b end)")
        #expect(sorted.error?.message.contains("cannot wait inside a metamethod") == true)
        let wrapped = try await harness.run("return coroutine.wrap(function() wait() end)()")
        #expect(wrapped.error?.message.contains("cannot wait inside a coroutine made with coroutine.create") == true)
    }

    @Test func tasksWaitConcurrentlyAndJoinWithTheirResults() async throws {
        let sleep = LuaHostFunction("sleep") { call in
            let seconds = try call.number(1, "seconds")
            return .suspend(.work {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return []
            })
        }
        let spawn = LuaHostFunction("spawn") { call in
            let id = try call.state.scheduler!.spawn(from: call, functionAt: 1)
            return .values([.integer(Int64(id.rawValue))])
        }
        let join = LuaHostFunction("join") { call in
            let ids = try call.optionalTable(1, "ids").array.compactMap(\.intValue).map { LuaTaskID(rawValue: Int($0)) }
            return .suspend(.join(ids))
        }
        let harness = try LuaHarness(functions: [sleep, spawn, join])
        let outcome = try await harness.run("""
            local events = {}
            local ids = {}
            for i = 1, 3 do
              ids[i] = spawn(function()
                events[#events + 1] = "start"
                sleep(0.02)
                events[#events + 1] = "end"
                if i == 2 then error("branch 2 failed") end
                return i * 100, "extra"
              end)
            end
            local results = join(ids)
            return table.concat(events, ","), results
            """)
        #expect(outcome.error == nil)
        #expect(outcome.values.first == "start,start,start,end,end,end")
        let results = outcome.values.last ?? .nil
        #expect(results[1] == [true, 100, "extra"])
        #expect(results[2][1] == false)
        #expect(results[2][2].stringValue?.hasSuffix("branch 2 failed") == true)
        #expect(results[3] == [true, 300, "extra"])
    }
}
