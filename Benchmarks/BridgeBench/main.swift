import LuaKit
import Glibc
let bombs: [(String, String)] = [
        ("endless loop", "while true do end"),
        ("endless loop in pcall", "pcall(function() while true do end end)"),
        ("pcall loop", "while true do pcall(function() while true do end end) end"),
        ("xpcall with a looping handler", "xpcall(function() error('x') end, function() while true do end end) while true do end"),
        ("string.rep bomb", "local s = string.rep('x', 1 << 30) return #s"),
        ("string.rep bomb in pcall", "pcall(string.rep, 'x', 1 << 30) return 'survived'"),
        ("concatenation bomb", "local s = 'x' while true do s = s .. s end"),
        ("table bomb", "local t = {} for i = 1, 1e9 do t[i] = i end"),
        ("unbounded recursion", "local function f(n) return 1 + f(n + 1) end return f(1)"),
        ("coroutine bomb", "local t = {} while true do t[#t + 1] = coroutine.create(function() end) end"),
        ("nested coroutines", "local function nest() return coroutine.wrap(function() return nest()() end) end return nest()()"),
]
for (name, src) in bombs {
  print("running \(name)\n", terminator: ""); fflush(nil)
  let lua = try LuaState(limits: LuaLimits(memoryBytes: 16 << 20, instructions: 20_000_000, timeout: .seconds(10)))
  let env = try lua.makeSandbox()
  let s = LuaScheduler(state: lua)
  let chunk = try lua.load(src, chunkname: "@b.lua", environment: env)
  let id = try s.spawn(chunk, arguments: [])
  let clock = ContinuousClock(); let t0 = clock.now
  let o = await s.run(until: id)
  print("\(name) \(String(describing: o.error?.kind)) \(String(describing: o.error?.message)) \(clock.now - t0)\n", terminator: ""); fflush(nil)
}
