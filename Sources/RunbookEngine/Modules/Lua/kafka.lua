-- kafka helpers, written over the module's primitives (Sources/RunbookEngine/Modules/Declarations/KafkaModule.swift).
-- Runs once per Lua state with the module table, the runbook environment and the real globals.
local kafka, env, G = ...
local type, error, ipairs, tostring, min = G.type, G.error, G.ipairs, G.tostring, G.math.min
local list_nodes, describe_operation, sleep, clock = kafka.list_nodes, kafka.describe_cluster_operation, env.sleep, G.os.time

-- Every broker of a cluster, one entry per node: id, endpoints, subnet, address, instance type.
function kafka.brokers(cluster_arn)
  local brokers, token = {}, nil
  repeat
    local page = list_nodes(cluster_arn, { next_token = token })
    for _, node in ipairs(page.nodeInfoList or {}) do
      local info = node.brokerNodeInfo
      if info then
        local endpoints = info.endpoints or {}
        -- MSK's endpoints are host names; a stand-in whose brokers are local peers names host:port.
        local host, port = (endpoints[1] or ""):match("^(.-):(%d+)$")
        brokers[#brokers + 1] = {
          id = info.brokerId and tostring(G.math.tointeger(info.brokerId) or info.brokerId),
          endpoints = endpoints, host = host or endpoints[1], port = port and G.tonumber(port),
          subnet = info.clientSubnet, address = info.clientVpcIpAddress,
          instance_type = node.instanceType, node_arn = node.nodeARN,
        }
      end
    end
    token = page.nextToken
  until token == nil
  G.table.sort(brokers, function(a, b) return (G.tonumber(a.id) or 0) < (G.tonumber(b.id) or 0) end)
  return brokers
end

-- The ARN of the cluster named `name` (an alarm's Cluster Name dimension), from ListClustersV2,
-- every page: names are unique in an account and region, so one exact match or an error.
function kafka.cluster_arn(name)
  if type(name) ~= "string" or name == "" then error("give cluster_arn or cluster_name", 2) end
  local token
  repeat
    local page = kafka.list_clusters_v2 { name_filter = name, next_token = token }
    for _, cluster in ipairs(page.clusterInfoList or {}) do
      if cluster.clusterName == name then return cluster.clusterArn end
    end
    token = page.nextToken
  until token == nil
  error("kafka.cluster_arn: no MSK cluster named " .. name .. " in this account and region", 2)
end

-- Polls DescribeClusterOperation until the operation ends; returns its final info.
-- A planned operation (a dry run's reboot) returns at once.
function kafka.wait_for_operation(operation, options)
  options = options or {}
  if type(operation) == "table" then
    if operation.planned then return { planned = true, operationState = "PLANNED" } end
    operation = operation.clusterOperationArn
  end
  if type(operation) ~= "string" then error("kafka.wait_for_operation: expected an operation ARN", 2) end
  local deadline = clock() + (options.timeout or 1800)
  local delay = options.interval or 5
  while true do
    local info = describe_operation(operation).clusterOperationInfo or {}
    local state = info.operationState or ""
    if state:find("COMPLETE$") or state:find("FAILED$") or state == "FAILED" then return info end
    if clock() + delay > deadline then
      error(("kafka.wait_for_operation: %s still %s after %ss"):format(operation, state, options.timeout or 1800), 2)
    end
    sleep(delay)
    delay = min(delay * 2, options.max_interval or 60)
  end
end
