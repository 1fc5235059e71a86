-- Reboot one MSK broker, only when it is safe to: the cluster ACTIVE, no operation in flight,
-- the broker really unhealthy, and no partition left below min.insync.replicas by the reboot.
-- Then wait for the operation and check by probes that the broker is back.
return runbook {
  name = "msk.reboot-broker",
  version = "1.1.0",
  description = [[Reboot one broker of an MSK cluster, after checking it is safe, and verify it recovers
Refuses unless the cluster is ACTIVE with no operation in flight, the broker is unhealthy by probes (TCP
and Kafka metadata) and no partition's in-sync replicas would drop below min.insync.replicas; `force`
skips the last two. Each refusal is a failure with a finding code. A dry run plans the RebootBroker call.]],
  params = {
    cluster_arn = { type = "string", required = true, doc = "MSK cluster ARN" },
    broker_id   = { type = "string", required = true, doc = "The broker to reboot (1, 2, ...); MSK reboots one at a time" },
    wait        = { type = "integer", default = 1800, doc = "Seconds to wait for the reboot" },
    force       = { type = "boolean", default = false, doc = "Reboot even a healthy broker, or one whose reboot takes partitions below min.insync.replicas" },
    min_insync_replicas = { type = "integer", default = 2, doc = "The cluster's min.insync.replicas (MSK's default for three-AZ clusters is 2)" },
    timeout     = { type = "number", default = 3, doc = "Seconds each probe may take" },
  },
  limits = { timeout = 3600 },

  run = function(p)
    local function refuse(code, message, detail)
      finding { code = code, severity = "high", summary = "refused: " .. message, detail = detail }
      fail(message)
    end

    local cluster = step("Check the cluster is ACTIVE", function()
      local info = kafka.describe_cluster(p.cluster_arn).clusterInfo
      if info.state ~= "ACTIVE" then
        refuse("precondition-not-active", ("the cluster is %s; MSK reboots brokers of ACTIVE clusters only"):format(tostring(info.state)),
          { state = info.state })
      end
      return info
    end)

    step("Check no operation is in flight", function()
      local operations = kafka.list_cluster_operations(p.cluster_arn, { max_results = 10 })
      for _, op in ipairs(operations.clusterOperationInfoList or {}) do
        local state = op.operationState or ""
        if not (state:find("COMPLETE$") or state:find("FAILED$")) then
          refuse("precondition-operation-in-flight", ("operation %s (%s) is %s; wait for it first"):format(
            tostring(op.operationArn), tostring(op.operationType), state), { operation = op.operationArn, state = state })
        end
      end
    end)

    local broker = step("Check the broker exists", function()
      for _, b in ipairs(kafka.brokers(p.cluster_arn)) do
        if b.id == p.broker_id then return b end
      end
      fail(("broker %s is not in cluster %s"):format(p.broker_id, tostring(cluster.clusterName)))
    end)

    -- How the broker and the cluster look now: the broker's port, and Kafka's metadata from any broker.
    local strings = step("Get the bootstrap brokers", function() return kafka.get_bootstrap_brokers(p.cluster_arn) end)
    local plain = strings.bootstrapBrokerString or strings.BootstrapBrokerString
    local tls = strings.bootstrapBrokerStringTls or strings.BootstrapBrokerStringTls
    local bootstrap = plain or tls
    local port = broker.port or (plain and 9092 or 9094)
    if bootstrap and not broker.port then
      for _, hp in ipairs(msk.bootstrap_brokers(bootstrap)) do
        if hp.host == broker.host then port = hp.port end
      end
    end
    local function health()
      local tcp = probe.tcp { host = broker.host, port = port, timeout = p.timeout }
      -- No broker answering is an answer here (the cluster's view is then unknown), not an error.
      local metadata
      if bootstrap then
        local ok, answer = pcall(kafka_wire.metadata, { bootstrap = bootstrap, tls = plain == nil, timeout = p.timeout })
        if ok then metadata = answer else log.warn("no Kafka metadata: " .. tostring(answer)) end
      end
      local registered = false
      for _, b in ipairs(metadata and metadata.brokers or {}) do
        if tostring(b.id) == p.broker_id then registered = true end
      end
      return { reachable = tcp.ok, reason = tcp.reason, registered = registered, metadata = metadata }
    end

    local before = step("Check the broker is unhealthy", function()
      local h = health()
      log.info(("broker %s: port %d %s, %s in Kafka's metadata"):format(p.broker_id, port,
        h.reachable and "open" or "unreachable (" .. tostring(h.reason) .. ")", h.registered and "registered" or "missing"))
      if h.reachable and h.registered and not p.force then
        refuse("precondition-broker-healthy", ("broker %s answers on port %d and is registered; pass force=true to reboot it anyway"):format(p.broker_id, port),
          { port = port })
      end
      return h
    end)

    step("Check no partition goes below min.insync.replicas", function()
      if not before.metadata then
        log.warn("no metadata (no plaintext or TLS listener answered); cannot check in-sync replicas")
        return
      end
      local id, at_risk = tonumber(p.broker_id), {}
      for _, topic in ipairs(before.metadata.topics) do
        for _, partition in ipairs(topic.partitions) do
          local in_isr = false
          for _, replica in ipairs(partition.isr) do if replica == id then in_isr = true end end
          if in_isr and #partition.isr - 1 < p.min_insync_replicas then
            at_risk[#at_risk + 1] = ("%s-%d (ISR %d)"):format(topic.name, partition.index, #partition.isr)
          end
        end
      end
      if #at_risk > 0 and not p.force then
        refuse("precondition-would-go-offline", ("rebooting broker %s leaves %d partitions below min.insync.replicas=%d (%s); "
          .. "producers with acks=all would fail. Pass force=true to reboot anyway"):format(p.broker_id, #at_risk, p.min_insync_replicas,
          table.concat(at_risk, ", ", 1, math.min(#at_risk, 5))), { partitions = at_risk })
      end
      return #at_risk
    end)

    local operation = step("Reboot broker " .. p.broker_id, function()
      return kafka.reboot_broker(p.cluster_arn, { p.broker_id })
    end)

    local final = step("Wait for the reboot", { timeout = p.wait + 60 }, function()
      return kafka.wait_for_operation(operation, { timeout = p.wait, interval = 1 })
    end)
    if final.operationState and final.operationState:find("FAILED") then
      fail("the reboot failed: " .. tostring(final.errorInfo and final.errorInfo.errorString))
    end

    step("Check the cluster is ACTIVE again", { retries = 5, backoff = 2 }, function()
      if run.dry_run then return "skipped in a dry run" end
      local state = kafka.describe_cluster(p.cluster_arn).clusterInfo.state
      if state ~= "ACTIVE" then error("the cluster is still " .. tostring(state)) end
      return state
    end)

    local after = step("Check the broker is back", { retries = 5, backoff = 2 }, function()
      if run.dry_run then return { skipped = true } end
      local h = health()
      if not (h.reachable and h.registered) then error(("broker %s is not back yet: port %d %s, %s"):format(p.broker_id, port,
        h.reachable and "open" or "unreachable", h.registered and "registered" or "not registered")) end
      return h
    end)
    summary_table { title = "Reboot of broker " .. p.broker_id, columns = { "check", "before", "after" }, rows = {
      { "port " .. port, before.reachable and "open" or "unreachable", after.skipped and "(dry run)" or (after.reachable and "open" or "unreachable") },
      { "registered", before.registered and "yes" or "no", after.skipped and "(dry run)" or (after.registered and "yes" or "no") },
      { "operation", "-", tostring(final.operationState) },
    } }
  end,
}
