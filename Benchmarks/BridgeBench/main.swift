// The cost of one call through LuaKit's bridge (Swift host function behind the C
// trampoline), against a C function registered with Lua directly, in one process.
import CBenchSupport
@_spi(Benchmark) import LuaKit

let calls = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 10_000_000
let rounds = 5

let lua = try LuaState(limits: LuaLimits(memoryBytes: 0, instructions: 0))
let env = try lua.makeSandbox()
lua.set("swift_noop", LuaHostFunction("swift_noop") { _ in .none }, in: env)
lua.set("c_noop", cFunction: cbench_noop, in: env)

@MainActor func measure(_ body: String) throws -> Double {
    let chunk = try lua.load("local f = \(body) for i = 1, \(calls) do f() end", chunkname: "=bench", environment: env)
    var best = Double.infinity
    for _ in 0..<rounds {
        let clock = ContinuousClock()
        let start = clock.now
        _ = try lua.call(chunk)
        let elapsed = clock.now - start
        let (seconds, attoseconds) = elapsed.components
        best = min(best, (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(calls))
    }
    return best
}

let empty = try measure("function() end")
let c = try measure("c_noop")
let swift = try measure("swift_noop")
func format(_ x: Double) -> String { String(Double(Int(x * 100)) / 100) }
print("calls per case: \(calls), best of \(rounds) rounds (ns per loop iteration)")
print("Lua function no-op : \(format(empty)) ns")
print("C function no-op   : \(format(c)) ns")
print("Swift primitive    : \(format(swift)) ns")
print("ratio Swift/C      : \(format(swift / c))x")
