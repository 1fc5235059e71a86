-- Storage, the MSK runbook's KafkaDataLogsDiskUsed check, with what an SRE works out next:
-- how fast each disk fills, when it is full, and whether storage may be expanded now (MSK
-- allows one storage update per broker every six hours).
return runbook {
  name = "msk.storage",
  version = "1.0.0",
  description = [[Which brokers of an MSK cluster are running out of disk, and what to do
Reads KafkaDataLogsDiskUsed per broker over a window, fits the trend and says how many hours until
each disk is full; recommends expanding storage (with the size) or shortening retention, and when the
next expansion is allowed: MSK takes one storage update every six hours. Changes nothing.]],
  params = {
    cluster_arn  = { type = "string", doc = "MSK cluster ARN (or give cluster_name)" },
    cluster_name = { type = "string", doc = "MSK cluster name, as in an alarm's Cluster Name dimension" },
    threshold    = { type = "number", default = 80, doc = "Disk used percent that counts as high" },
    horizon      = { type = "number", default = 48, doc = "Hours: a disk full sooner than this is a finding" },
    hours        = { type = "integer", default = 24, doc = "How far back to read the metric" },
    target       = { type = "number", default = 60, doc = "Disk used percent an expansion should bring the fullest broker down to" },
  },
  triggers = {
    { namespace = "AWS/Kafka", metric = "KafkaDataLogsDiskUsed", params = { cluster_name = "dimension:Cluster Name" } },
  },
  -- Read-only: an alarm runs it at most once per cluster every 15 minutes.
  automation = { target = "cluster_name", cooldown = 900 },
  limits = { timeout = 300 },

  run = function(p)
    local arn = p.cluster_arn or step("Find the cluster", function() return kafka.cluster_arn(p.cluster_name) end)
    local cluster = step("Describe the cluster", function() return kafka.describe_cluster(arn).clusterInfo end)
    local group = cluster.brokerNodeGroupInfo or {}
    local storage = group.storageInfo and group.storageInfo.ebsStorageInfo or {}
    local volume = storage.volumeSize
    local brokers = step("List the brokers", function() return kafka.brokers(arn) end)

    local disks = step("Read KafkaDataLogsDiskUsed per broker", { retries = 1 }, function()
      return each(brokers, function(broker)
        local points = cloudwatch.series {
          namespace = "AWS/Kafka", metric = "KafkaDataLogsDiskUsed", stat = "Maximum", period = 300,
          dimensions = { ["Cluster Name"] = cluster.clusterName, ["Broker ID"] = broker.id },
          since = os.time() - p.hours * 3600,
        }
        local latest = points[#points] and points[#points].value
        local trend = metrics.trend(points)
        local full = latest and latest < 100 and metrics.time_to_threshold(points, 100) or nil
        return { broker = broker.id, samples = #points, latest = latest, slope = trend and trend.slope,
                 hours_to_full = latest and (latest >= 100 and 0 or full and full / 3600) or nil }
      end)
    end)

    local last_update = step("Find the last storage update", { continue_on_error = true }, function()
      local latest
      for _, op in ipairs(kafka.list_cluster_operations(arn, { max_results = 100 }).clusterOperationInfoList or {}) do
        if op.operationType == "UPDATE_BROKER_STORAGE" then
          -- Timestamps arrive as epoch seconds, as every AWS answer's do.
          local at = op.endTime or op.creationTime
          if type(at) == "number" and (not latest or at > latest.at) then latest = { at = at, state = op.operationState, arn = op.operationArn } end
        end
      end
      return latest
    end)

    local rows, worst, high, soon = {}, nil, 0, 0
    for _, d in ipairs(disks) do
      local verdict = "ok"
      if d.samples == 0 then
        verdict = "no data"
        finding { severity = "low", summary = ("broker %s has no KafkaDataLogsDiskUsed data in the last %d hours"):format(d.broker, p.hours) }
      else
        if not worst or d.latest > worst.latest then worst = d end
        if d.latest >= p.threshold then
          high = high + 1
          verdict = "high"
          finding {
            code = "disk-high", severity = d.latest >= 90 and "high" or "medium",
            summary = ("broker %s's data disk is %.1f%% used (threshold %g%%)"):format(d.broker, d.latest, p.threshold),
            detail = d,
          }
        end
        if d.hours_to_full and d.hours_to_full < p.horizon then
          soon = soon + 1
          verdict = verdict == "high" and "high, filling" or "filling"
          finding {
            code = "disk-full-soon", severity = d.hours_to_full < 12 and "critical" or "high",
            summary = ("broker %s's data disk is full in about %.1f hours at the current rate"):format(d.broker, d.hours_to_full),
            detail = d,
          }
        end
      end
      rows[#rows + 1] = {
        broker = d.broker, used = d.latest and ("%.1f%%"):format(d.latest) or "-",
        trend = d.slope and ("%+.2f%%/h"):format(d.slope * 3600) or "-",
        full_in = d.hours_to_full and ("%.1f h"):format(d.hours_to_full) or "-", verdict = verdict,
      }
    end

    if high + soon > 0 then
      step("Recommend", function()
        local now = os.time()
        local next_allowed = last_update and last_update.at + 6 * 3600 or now
        local when = next_allowed <= now and "now"
          or ("after %s UTC, six hours after the last storage update"):format(os.date("!%Y-%m-%d %H:%M", next_allowed))
        local advice = "expand broker storage"
        if volume and worst and worst.latest > 0 then
          advice = ("expand broker storage from %d GiB to at least %d GiB (broker %s to about %g%%)"):format(
            volume, math.ceil(volume * worst.latest / p.target), worst.broker, p.target)
        end
        finding {
          severity = "info",
          summary = ("%s, allowed %s; or shorten retention.ms on the largest topics, or turn on tiered storage"):format(advice, when),
          detail = { volume_gib = volume, allowed_at = next_allowed, last_update = last_update },
        }
        return when
      end)
    end
    summary_table { title = ("Storage (%s GiB per broker)"):format(tostring(volume or "?")),
      columns = { "broker", "used", "trend", "full_in", "verdict" }, rows = rows }
    return { high = high, filling = soon }
  end,
}
