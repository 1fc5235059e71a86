-- Reboot one MSK broker, only when it is safe to: the cluster ACTIVE, no operation in
-- flight, the broker known. Then wait for the operation and check the cluster again.
return runbook {
  name = "msk.reboot-broker",
  version = "1.0.0",
  description = [[Reboot one broker of an MSK cluster and wait until the cluster is ACTIVE again
Refuses unless the cluster is ACTIVE with no operation in flight. A dry run plans the RebootBroker call.]],
  params = {
    cluster_arn = { type = "string", required = true, doc = "MSK cluster ARN" },
    broker_id   = { type = "string", required = true, doc = "The broker to reboot (1, 2, ...)" },
    wait        = { type = "integer", default = 1800, doc = "Seconds to wait for the reboot" },
  },
  limits = { timeout = 3600 },

  run = function(p)
    local cluster = step("Check the cluster is ACTIVE and idle", function()
      local info = kafka.describe_cluster(p.cluster_arn).clusterInfo
      if info.state ~= "ACTIVE" then fail("the cluster is " .. tostring(info.state) .. "; MSK reboots brokers of ACTIVE clusters only") end
      return info
    end)

    step("Check no operation is in flight", function()
      local operations = kafka.list_cluster_operations(p.cluster_arn, { max_results = 10 })
      for _, op in ipairs(operations.clusterOperationInfoList or {}) do
        local state = op.operationState or ""
        if not (state:find("COMPLETE$") or state:find("FAILED$")) then
          fail(("operation %s (%s) is %s; wait for it first"):format(op.operationArn, op.operationType, state))
        end
      end
    end)

    step("Check the broker exists", function()
      for _, broker in ipairs(kafka.brokers(p.cluster_arn)) do
        if broker.id == p.broker_id then return broker.endpoints[1] end
      end
      fail(("broker %s is not in cluster %s"):format(p.broker_id, cluster.clusterName))
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
  end,
}
