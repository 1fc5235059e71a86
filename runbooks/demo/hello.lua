-- A tour of the runbook API that needs no cloud: steps, retries, parallel work,
-- findings and the read-only `run` table. `runbook run demo.hello --dry-run` shows
-- the same steps as a live run.
return runbook {
  name = "demo.hello",
  version = "1.0.0",
  description = "Check a pretend service's replicas in parallel and report what looks wrong",
  params = {
    target   = { type = "string", required = true, doc = "What to check" },
    replicas = { type = "integer", default = 3, doc = "How many replicas to look at" },
    slow_ms  = { type = "number", default = 50, doc = "Pretend latency of each check, in ms" },
  },
  limits = { timeout = 60 },

  run = function(p)
    log.info("checking " .. p.target .. (run.dry_run and " (dry run)" or ""))

    local replicas = step("List replicas", function()
      local list = {}
      for i = 1, p.replicas do list[i] = string.format("%s-%d", p.target, i) end
      return list
    end)

    local lag = step("Measure replica lag", { timeout = 10 }, function()
      return each(replicas, function(name, i)
        sleep(p.slow_ms / 1000)           -- all replicas wait at once, not one after another
        return (i * 37) % 100             -- a made-up lag in ms
      end, { concurrency = 8 })
    end)

    local attempts = 0
    step("Wait for a quorum", { retries = 2, backoff = 0.05 }, function()
      attempts = attempts + 1
      if attempts < 2 then error("quorum not reached yet") end
    end)

    step("Judge", function()
      for i, ms in ipairs(lag) do
        if ms > 60 then
          finding { severity = "medium", summary = replicas[i] .. " lags by " .. ms .. " ms",
                    detail = { replica = replicas[i], lag_ms = ms, threshold_ms = 60 } }
        end
      end
    end)
  end,
}
