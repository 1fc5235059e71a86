-- What a call into a declared function costs, per call, against a C function of Lua's own.
return runbook {
  name = "bench.calls", version = "1.0.0", description = "The cost of a call through the module registry",
  limits = { instructions = 1000000000000 },
  run = function()
    local n, series = 1000000, { { time = 1, value = 3 }, { time = 2, value = 1 }, { time = 3, value = 2 } }
    local t = os.clock(); for _ = 1, n do local _ = string.len("x") end; local c = os.clock() - t
    t = os.clock(); for _ = 1, n do local _ = json.encode(1) end; local j = os.clock() - t
    t = os.clock(); for _ = 1, n do local _ = metrics.percentile(series, 50) end; local m = os.clock() - t
    log.info(("C string.len %.0f ns, json.encode(1) %.0f ns, metrics.percentile(3 points, 50) %.0f ns"):format(
      c * 1e9 / n, j * 1e9 / n, m * 1e9 / n))
  end,
}
