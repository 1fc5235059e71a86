-- High CPU on an MSK cluster: which brokers, how high, for how long, whether the load is
-- skewed, and whether partition leadership explains it. Read-only.
return runbook {
  name = "msk.high-cpu",
  version = "1.1.0",
  description = [[Find the brokers of an MSK cluster whose CPU is high, and say why and what to do
Reads each broker's AWS/Kafka CpuUser and CpuSystem over a window, finds the hot brokers against a
threshold and the skew across brokers, and asks Kafka for its metadata to see whether partition
leadership is unbalanced. Ends with a table per broker and the next steps. Changes nothing.]],
  params = {
    cluster_arn  = { type = "string", doc = "MSK cluster ARN (or give cluster_name)" },
    cluster_name = { type = "string", doc = "MSK cluster name, as in the alarm's Cluster Name dimension" },
    threshold    = { type = "number", default = 60, doc = "CpuUser + CpuSystem percent that counts as high (AWS advises staying under 60)" },
    minutes      = { type = "integer", default = 60, doc = "How far back to look" },
    skew         = { type = "number", default = 20, doc = "Points of CPU between the busiest and the idlest broker that count as skew" },
    imbalance    = { type = "number", default = 1.5, doc = "A broker leading this many times its fair share of partitions is a finding" },
    timeout      = { type = "number", default = 3, doc = "Seconds the Kafka metadata probe may take" },
  },
  triggers = {
    { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster_name = "dimension:Cluster Name" } },
  },
  -- Read-only: an alarm runs it at most once per cluster every 15 minutes.
  automation = { target = "cluster_name", cooldown = 900 },
  limits = { timeout = 300 },

  run = function(p)
    local arn = p.cluster_arn or step("Find the cluster", function() return kafka.cluster_arn(p.cluster_name) end)

    local cluster = step("Describe the cluster", function()
      return kafka.describe_cluster(arn).clusterInfo
    end)
    if cluster.state ~= "ACTIVE" then
      finding { severity = "medium", summary = "the cluster is " .. tostring(cluster.state) .. ", not ACTIVE" }
    end

    local brokers = step("List the brokers", function() return kafka.brokers(arn) end)

    local cpu = step("Read CpuUser and CpuSystem per broker", { retries = 1 }, function()
      return each(brokers, function(broker)
        local function series(metric)
          return cloudwatch.series {
            namespace = "AWS/Kafka", metric = metric, stat = "Maximum", period = 300,
            dimensions = { ["Cluster Name"] = cluster.clusterName, ["Broker ID"] = broker.id },
            since = os.time() - p.minutes * 60,
          }
        end
        local user, system = series("CpuUser"), series("CpuSystem")
        -- CPU in use at each time both metrics report.
        local system_at, total = {}, {}
        for _, point in ipairs(system) do system_at[point.time] = point.value end
        for _, point in ipairs(user) do
          total[#total + 1] = { time = point.time, value = point.value + (system_at[point.time] or 0) }
        end
        local high = 0
        for _, point in ipairs(total) do if point.value >= p.threshold then high = high + 1 end end
        return {
          broker = broker.id, samples = #total, high_samples = high,
          peak = metrics.max(total), mean = metrics.mean(total),
          user = metrics.mean(user), system = metrics.mean(system),
        }
      end)
    end)

    local metadata = step("Ask Kafka who leads which partitions", { continue_on_error = true }, function()
      local strings = kafka.get_bootstrap_brokers(arn)
      local plain = strings.bootstrapBrokerString or strings.BootstrapBrokerString
      local tls = strings.bootstrapBrokerStringTls or strings.BootstrapBrokerStringTls
      if not plain and not tls then
        log.warn("no plaintext or TLS listener; partition leadership needs one (SASL is out of scope)")
        return nil
      end
      return kafka_wire.metadata { bootstrap = plain or tls, tls = plain == nil, timeout = p.timeout }
    end)

    local leaders, partitions = {}, 0
    if metadata then
      for _, topic in ipairs(metadata.topics) do
        for _, partition in ipairs(topic.partitions) do
          if partition.leader >= 0 then
            partitions = partitions + 1
            local id = tostring(partition.leader)
            leaders[id] = (leaders[id] or 0) + 1
          end
        end
      end
    end

    step("Judge", function()
      local hot, busiest, idlest = 0, nil, nil
      for _, c in ipairs(cpu) do
        if c.samples == 0 then
          finding { severity = "low", summary = ("broker %s has no CPU data in the last %d minutes"):format(c.broker, p.minutes) }
        else
          if not busiest or c.mean > busiest.mean then busiest = c end
          if not idlest or c.mean < idlest.mean then idlest = c end
          if c.peak >= p.threshold then
            hot = hot + 1
            finding {
              code = "cpu-high", severity = c.peak >= 90 and "high" or "medium",
              summary = ("broker %s's CPU peaked at %.0f%% (%d of %d samples at or over %g%%; user %.0f%%, system %.0f%% on average)"):format(
                c.broker, c.peak, c.high_samples, c.samples, p.threshold, c.user or 0, c.system or 0),
              detail = c,
            }
          end
        end
      end
      if busiest and idlest and busiest ~= idlest and busiest.mean - idlest.mean >= p.skew then
        finding {
          code = "cpu-skew", severity = "medium",
          summary = ("CPU is skewed: broker %s averages %.0f%%, broker %s %.0f%%"):format(busiest.broker, busiest.mean, idlest.broker, idlest.mean),
          detail = { busiest = busiest.broker, idlest = idlest.broker, difference = busiest.mean - idlest.mean },
        }
      end
      local fair = partitions / math.max(#brokers, 1)
      for _, broker in ipairs(brokers) do
        local led = leaders[broker.id] or 0
        if partitions >= #brokers and led > fair * p.imbalance then
          finding {
            code = "leader-imbalance", severity = "medium",
            summary = ("broker %s leads %d of %d partitions, %.1f times its fair share of %.1f"):format(broker.id, led, partitions, led / fair, fair),
            detail = { broker = broker.id, leads = led, partitions = partitions, fair_share = fair },
          }
        end
      end

      local rows = {}
      for _, c in ipairs(cpu) do
        rows[#rows + 1] = {
          broker = c.broker, mean = c.mean and ("%.0f%%"):format(c.mean) or "-", peak = c.peak and ("%.0f%%"):format(c.peak) or "-",
          user = c.user and ("%.0f%%"):format(c.user) or "-", system = c.system and ("%.0f%%"):format(c.system) or "-",
          leads = metadata and (leaders[c.broker] or 0) or "-",
          verdict = c.samples == 0 and "no data" or (c.peak >= p.threshold and "hot" or "ok"),
        }
      end
      summary_table { title = "CPU per broker", columns = { "broker", "mean", "peak", "user", "system", "leads", "verdict" }, rows = rows }

      if hot > 0 then
        log.warn("next steps: if leadership is unbalanced, run a preferred-leader election (kafka-leader-election.sh "
          .. "--election-type PREFERRED --all-topic-partitions); if the load is even and high, scale up the broker type or "
          .. "add brokers and reassign partitions; look for a burst of producer connections (ConnectionCreationRate) or "
          .. "small batches (linger.ms, batch.size); keep CPU under 60% before any change that restarts brokers")
      else
        log.info(("no broker at or over %g%% CPU"):format(p.threshold))
      end
      return hot
    end)
  end,
}
