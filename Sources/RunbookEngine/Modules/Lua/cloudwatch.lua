-- cloudwatch helpers, written over the module's primitives (Sources/RunbookEngine/Modules/Declarations/CloudWatchModule.swift).
-- Runs once per Lua state with the module table, the runbook environment and the real globals.
local cloudwatch, env, G = ...
local ipairs, time, sort = G.ipairs, G.os.time, G.table.sort

function cloudwatch.series(query)
  local stat = query.stat or "Average"
  local now = time()
  local answer = cloudwatch.get_metric_statistics {
    namespace = query.namespace, metric = query.metric, dimensions = query.dimensions,
    start_time = query.since or (now - 3600), end_time = query["until"] or now,
    period = query.period or 60, statistics = { stat }, unit = query.unit,
  }
  local points = {}
  for _, datapoint in ipairs(answer.Datapoints or {}) do
    points[#points + 1] = { time = datapoint.Timestamp, value = datapoint[stat] }
  end
  sort(points, function(a, b) return a.time < b.time end)
  return points
end

