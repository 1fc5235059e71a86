-- msk.reboot-broker against stubs: every precondition and its refusal code, a dry run's plan,
-- and a live reboot verified by probes.
local arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
local operation_arn = "arn:aws:kafka:us-east-1:123456789012:cluster-operation/demo/abcd-1/op-1"
local hosts = { "b-1.demo", "b-2.demo", "b-3.demo" }

local function cluster(state)
  stub.aws("kafka", "describe_cluster", { ClusterArn = arn },
    { clusterInfo = { clusterArn = arn, clusterName = "demo", state = state } })
end

-- Broker 2 as the probes see it: `reachable`, `registered`, and each partition's ISR.
local function broker_two(reachable, registered, isrs)
  stub.probe("tcp", { host = "b-2.demo", port = 9092 },
    { ok = reachable, host = "b-2.demo", port = 9092, latency_ms = 1, reason = not reachable and "refused" or nil })
  local brokers = { { id = 1, host = hosts[1], port = 9092 }, { id = 3, host = hosts[3], port = 9092 } }
  if registered then table.insert(brokers, 2, { id = 2, host = hosts[2], port = 9092 }) end
  local partitions = {}
  for i, isr in ipairs(isrs or { { 1, 3 } }) do
    partitions[i] = { index = i - 1, leader = isr[1], replicas = { 1, 2, 3 }, isr = isr, offline_replicas = {},
                      under_replicated = #isr < 3, offline = false, error_code = 0 }
  end
  stub.probe("kafka_metadata", nil, {
    answered_by = "b-1.demo:9092", api_version = 8, controller_id = 1, brokers = brokers,
    topics = { { name = "orders", internal = false, error_code = 0, partitions = partitions } },
    summary = { brokers = #brokers, topics = 1, partitions = #partitions, under_replicated_partitions = 0, offline_partitions = 0 },
  })
end

describe("msk.reboot-broker", function()
  before_each(function()
    cluster("ACTIVE")
    stub.aws("kafka", "list_cluster_operations", { ClusterArn = arn }, { clusterOperationInfoList = {
      { operationArn = "arn:old", operationType = "UPDATE_BROKER_STORAGE", operationState = "UPDATE_COMPLETE" },
    } })
    local nodes = {}
    for i, host in ipairs(hosts) do nodes[i] = { brokerNodeInfo = { brokerId = i, endpoints = { host } } } end
    stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = nodes })
    stub.aws("kafka", "get_bootstrap_brokers", { ClusterArn = arn },
      { bootstrapBrokerString = "b-1.demo:9092,b-2.demo:9092,b-3.demo:9092" })
    broker_two(false, false)
  end)

  it("plans the reboot of an unhealthy broker in a dry run and sends nothing", function()
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" }, { dry_run = true })
    assert.are.equal("ok", result.status)
    assert.are.same({}, result.findings)
    assert.are.equal(1, #result.planned)
    assert.are.equal("RebootBroker", result.planned[1].operation)
    for _, call in ipairs(result.calls) do
      assert.are_not.equal("reboot_broker", call.operation)
    end
  end)

  it("reboots the broker, waits for the operation and sees it back", function()
    stub.aws("kafka", "reboot_broker", { ClusterArn = arn, BrokerIds = { "2" } },
      { clusterArn = arn, clusterOperationArn = operation_arn })
    local rebooted = false
    stub.aws("kafka", "describe_cluster_operation", nil, function()
      rebooted = true
      broker_two(true, true)
      return { clusterOperationInfo = { operationArn = operation_arn, operationState = "REBOOT_COMPLETE" } }
    end)
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" })
    assert.are.equal("ok", result.status)
    assert.is_true(rebooted)
    assert.are.same({}, result.planned)
    local back
    for _, s in ipairs(result.steps) do if s.name == "Check the broker is back" then back = s.status end end
    assert.are.equal("ok", back)
  end)

  it("refuses a cluster that is not ACTIVE with precondition-not-active", function()
    cluster("UPDATING")
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" })
    assert.are.equal("failed", result.status)
    assert.are.equal(1, result.exit_code)
    assert.matches("the cluster is UPDATING", result.error)
    assert.are.same({ "precondition-not-active" }, result.codes)
  end)

  it("refuses while another operation is in flight with precondition-operation-in-flight", function()
    stub.aws("kafka", "list_cluster_operations", { ClusterArn = arn }, { clusterOperationInfoList = {
      { operationArn = "arn:busy", operationType = "UPDATE_CONFIG", operationState = "UPDATE_IN_PROGRESS" },
    } })
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" }, { dry_run = true })
    assert.are.equal("failed", result.status)
    assert.matches("operation arn:busy %(UPDATE_CONFIG%) is UPDATE_IN_PROGRESS", result.error)
    assert.are.same({ "precondition-operation-in-flight" }, result.codes)
    assert.are.same({}, result.planned)
  end)

  it("refuses a healthy broker with precondition-broker-healthy unless forced", function()
    broker_two(true, true, { { 1, 2, 3 } })
    local refused = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" }, { dry_run = true })
    assert.are.equal("failed", refused.status)
    assert.are.same({ "precondition-broker-healthy" }, refused.codes)
    assert.are.same({}, refused.planned)

    local forced = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2", force = true }, { dry_run = true })
    assert.are.equal("ok", forced.status)
    assert.are.equal(1, #forced.planned)
  end)

  it("refuses with precondition-would-go-offline when a partition's ISR would drop below min.insync.replicas", function()
    broker_two(false, true, { { 1, 2, 3 }, { 2, 3 } })
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" }, { dry_run = true })
    assert.are.equal("failed", result.status)
    assert.are.same({ "precondition-would-go-offline" }, result.codes)
    assert.matches("leaves 1 partitions below min.insync.replicas=2 %(orders%-1 %(ISR 2%)%)", result.error)
    assert.are.same({}, result.planned)
  end)

  it("refuses a broker the cluster does not have", function()
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "7" }, { dry_run = true })
    assert.are.equal("failed", result.status)
    assert.matches("broker 7 is not in cluster demo", result.error)
  end)

  it("rejects a missing broker_id before it starts", function()
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn })
    assert.are.equal("invalid", result.status)
    assert.are.equal(2, result.exit_code)
  end)
end)
