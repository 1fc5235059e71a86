// The engine's pattern matcher (CLuaShim/pattern.c, which the limits can stop) against Lua's
// own, on the pattern-heavy Lua of Benchmarks/patterns.lua. Both run in one sandboxed state
// under the same limits hook, so only the matcher differs.
import CBenchSupport
import Foundation
@_spi(Benchmark) import LuaKit

let path = CommandLine.arguments.dropFirst().first ?? "Benchmarks/patterns.lua"
let source = try String(contentsOfFile: path, encoding: .utf8)
let lua = try LuaState(limits: LuaLimits(memoryBytes: 0, instructions: 0))
let env = try lua.makeSandbox()
lua.set("stock_patterns", cFunction: cbench_stock_patterns, in: env)
let chunk = try lua.load(source, chunkname: "@patterns.lua", environment: env)
guard case .string(let report)? = try lua.callForValues(chunk).first else { fatalError("patterns.lua returned no report") }
print(report)
