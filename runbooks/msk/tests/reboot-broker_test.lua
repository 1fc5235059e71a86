-- msk.reboot-broker against stubs: its preconditions, a dry run's plan and a live reboot.
local arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
local operation_arn = "arn:aws:kafka:us-east-1:123456789012:cluster-operation/demo/abcd-1/op-1"

local function cluster(state)
  stub.aws("kafka", "describe_cluster", { ClusterArn = arn },
    { clusterInfo = { clusterArn = arn, clusterName = "demo", state = state } })
end

describe("msk.reboot-broker", function()
  before_each(function()
    cluster("ACTIVE")
    stub.aws("kafka", "list_cluster_operations", { ClusterArn = arn }, { clusterOperationInfoList = {
      { operationArn = "arn:old", operationType = "UPDATE_BROKER_STORAGE", operationState = "UPDATE_COMPLETE" },
    } })
    stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = {
      { brokerNodeInfo = { brokerId = 1, endpoints = { "b-1.demo" } } },
      { brokerNodeInfo = { brokerId = 2, endpoints = { "b-2.demo" } } },
    } })
  end)

  it("plans the reboot in a dry run and sends nothing", function()
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" }, { dry_run = true })
    assert.are.equal("ok", result.status)
    assert.are.equal(1, #result.planned)
    assert.are.equal("RebootBroker", result.planned[1].operation)
    for _, call in ipairs(result.calls) do
      assert.are_not.equal("reboot_broker", call.operation)
    end
  end)

  it("reboots the broker and waits for the operation", function()
    stub.aws("kafka", "reboot_broker", { ClusterArn = arn, BrokerIds = { "2" } },
      { clusterArn = arn, clusterOperationArn = operation_arn })
    stub.aws("kafka", "describe_cluster_operation", nil,
      { clusterOperationInfo = { operationArn = operation_arn, operationState = "REBOOT_COMPLETE" } })
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" })
    assert.are.equal("ok", result.status)
    assert.are.same({}, result.planned)
    assert.are.equal("reboot_broker", result.calls[4].operation)
  end)

  it("refuses a cluster that is not ACTIVE", function()
    cluster("UPDATING")
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" })
    assert.are.equal("failed", result.status)
    assert.are.equal(1, result.exit_code)
    assert.matches("the cluster is UPDATING", result.error)
    assert.are.equal("failed", result.steps[1].status)
  end)

  it("refuses while another operation is in flight", function()
    stub.aws("kafka", "list_cluster_operations", { ClusterArn = arn }, { clusterOperationInfoList = {
      { operationArn = "arn:busy", operationType = "UPDATE_CONFIG", operationState = "UPDATE_IN_PROGRESS" },
    } })
    local result = run_runbook("msk.reboot-broker", { cluster_arn = arn, broker_id = "2" }, { dry_run = true })
    assert.are.equal("failed", result.status)
    assert.matches("operation arn:busy %(UPDATE_CONFIG%) is UPDATE_IN_PROGRESS", result.error)
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
