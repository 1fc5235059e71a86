-- High CPU on an MSK cluster: which brokers, how high, for how long. Read-only.
return runbook {
  name = "msk.high-cpu",
  version = "1.0.0",
  description = [[Find the brokers of an MSK cluster whose CpuUser is high, and say which
Reads the cluster, its brokers and each broker's AWS/Kafka CpuUser; changes nothing.]],
  params = {
    cluster_arn  = { type = "string", doc = "MSK cluster ARN (or give cluster_name)" },
    cluster_name = { type = "string", doc = "MSK cluster name, as in the alarm's Cluster Name dimension" },
    threshold    = { type = "number", default = 60, doc = "CpuUser percent that counts as high" },
    minutes      = { type = "integer", default = 60, doc = "How far back to look" },
  },
  triggers = {
    { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster_name = "dimension:Cluster Name" } },
  },
  limits = { timeout = 300 },

  run = function(p)
    local arn = p.cluster_arn
    if not arn then
      if not p.cluster_name then fail("give cluster_arn or cluster_name") end
      arn = step("Find the cluster", function()
        local found = kafka.list_clusters_v2 { name_filter = p.cluster_name }
        for _, cluster in ipairs(found.clusterInfoList or {}) do
          if cluster.clusterName == p.cluster_name then return cluster.clusterArn end
        end
        fail("no MSK cluster named " .. p.cluster_name)
      end)
    end

    local cluster = step("Describe the cluster", function()
      return kafka.describe_cluster(arn).clusterInfo
    end)
    if cluster.state ~= "ACTIVE" then
      finding { severity = "medium", summary = "the cluster is " .. tostring(cluster.state) .. ", not ACTIVE" }
    end

    local brokers = step("List the brokers", function() return kafka.brokers(arn) end)

    local cpu = step("Read CpuUser per broker", { retries = 1 }, function()
      return each(brokers, function(broker)
        local points = cloudwatch.series {
          namespace = "AWS/Kafka", metric = "CpuUser", stat = "Maximum", period = 300,
          dimensions = { ["Cluster Name"] = cluster.clusterName, ["Broker ID"] = broker.id },
          since = os.time() - p.minutes * 60,
        }
        local peak, high = 0, 0
        for _, point in ipairs(points) do
          if point.value > peak then peak = point.value end
          if point.value >= p.threshold then high = high + 1 end
        end
        return { broker = broker.id, peak = peak, samples = #points, high_samples = high,
                 latest = points[#points] and points[#points].value }
      end)
    end)

    step("Judge", function()
      local hot = 0
      for _, c in ipairs(cpu) do
        if c.samples == 0 then
          finding { severity = "low", summary = ("broker %s has no CpuUser data in the last %d minutes"):format(c.broker, p.minutes) }
        elseif c.peak >= p.threshold then
          hot = hot + 1
          finding {
            severity = c.peak >= 90 and "high" or "medium",
            summary = ("broker %s CpuUser peaked at %.0f%% (%d of %d samples over %g%%)"):format(c.broker, c.peak, c.high_samples, c.samples, p.threshold),
            detail = c,
          }
        end
      end
      if hot == 0 then log.info("no broker over " .. p.threshold .. "% CpuUser") end
      return hot
    end)
  end,
}
