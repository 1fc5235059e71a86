-- `make bench`: pattern-heavy Lua over about 5.6 MB of log-like text. Run by
-- .build/release/pattern-bench, it times the engine's matcher (CLuaShim/pattern.c) against
-- Lua's own on the same tasks in one state, under the same limits hook; run by plain
-- `lua5.4 Benchmarks/patterns.lua`, it times Lua's own only.
local stock = stock_patterns and stock_patterns() or string
local ours = string
local rounds = 5

local levels = { "INFO", "WARN", "ERROR", "DEBUG" }
local lines = {}
for i = 1, 40000 do
  lines[i] = string.format(
    '2026-12-02T11:%02d:%02d.%03dZ %s [broker-%d] topic=orders-%d partition=%d offset=%d latency_ms=%d.%d msg="request from 10.0.%d.%d took long"',
    i % 60, (i * 7) % 60, i % 1000, levels[i % 4 + 1], i % 6, i % 13, i % 32, i * 17, i % 900, i % 10, i % 256, (i * 3) % 256)
end
local text = table.concat(lines, "\n")

-- Each task takes the four functions, so both matchers run the very same code.
local tasks = {
  { "gmatch lines, match fields", function(s)
      local n = 0
      for line in s.gmatch(text, "[^\n]+") do
        local level, _, ms = s.match(line, "^%S+ (%u+) %[broker%-(%d+)%].-latency_ms=([%d.]+)")
        if level == "ERROR" and tonumber(ms) > 500 then n = n + 1 end
      end
      return n
    end },
  { "gsub addresses to a mask", function(s) local _, n = s.gsub(text, "%d+%.%d+%.%d+%.%d+", "x.x.x.x") return n end },
  { "gsub with a function", function(s)
      local _, n = s.gsub(text, "offset=(%d+)", function(d) return "offset=" .. #d end)
      return n
    end },
  { "find every ERROR line", function(s)
      local n, at = 0, 1
      while true do
        local _, e = s.find(text, "ERROR %[broker%-%d%]", at)
        if not e then return n end
        n, at = n + 1, e + 1
      end
    end },
  { "gmatch key=value", function(s)
      local n = 0
      for _ in s.gmatch(text, "(%a+)=(%w+)") do n = n + 1 end
      return n
    end },
  { "plain find", function(s)
      local n, at = 0, 1
      while true do
        local _, e = s.find(text, "partition=31 ", at, true)
        if not e then return n end
        n, at = n + 1, e
      end
    end },
}

local function best(task, s)
  local fastest, result = math.huge, nil
  for _ = 1, rounds do
    local start = os.clock()
    result = task(s)
    fastest = math.min(fastest, os.clock() - start)
  end
  return fastest, result
end

local report = { string.format("%d bytes of text, best of %d rounds, ms", #text, rounds) }
local function row(...) report[#report + 1] = string.format("%-28s %10s %10s %8s", ...) end
row("task", "lua's own", "engine's", "ratio")
local totalStock, totalOurs = 0, 0
for _, task in ipairs(tasks) do
  local tStock, rStock = best(task[2], stock)
  local tOurs, rOurs
  if stock_patterns then tOurs, rOurs = best(task[2], ours) end
  assert(not stock_patterns or rStock == rOurs, task[1] .. ": the matchers disagree")
  totalStock, totalOurs = totalStock + tStock, totalOurs + (tOurs or 0)
  row(task[1], string.format("%.1f", tStock * 1000), tOurs and string.format("%.1f", tOurs * 1000) or "-",
    tOurs and string.format("%.2fx", tOurs / tStock) or "-")
end
row("total", string.format("%.1f", totalStock * 1000), stock_patterns and string.format("%.1f", totalOurs * 1000) or "-",
  stock_patterns and string.format("%.2fx", totalOurs / totalStock) or "-")
report = table.concat(report, "\n")
if not stock_patterns then print(report) end
return report
