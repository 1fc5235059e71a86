-- msk.high-cpu against stubs: no network, every call answered here.
local arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"

-- CpuUser per broker: each broker's datapoints at `cpu[id]` percent.
local function stub_cpu(cpu)
  stub.aws("cloudwatch", "get_metric_statistics", function(input)
    for _, dimension in ipairs(input.Dimensions or {}) do
      if dimension.Name == "Broker ID" then return cpu[dimension.Value] ~= nil end
    end
    return false
  end, function(input)
    local id
    for _, dimension in ipairs(input.Dimensions) do
      if dimension.Name == "Broker ID" then id = dimension.Value end
    end
    return { Datapoints = {
      { Timestamp = 1700000000, Maximum = cpu[id] },
      { Timestamp = 1700000300, Maximum = cpu[id] },
    } }
  end)
end

describe("msk.high-cpu", function()
  before_each(function()
    stub.aws("kafka", "describe_cluster", { ClusterArn = arn },
      { clusterInfo = { clusterArn = arn, clusterName = "demo", state = "ACTIVE" } })
    stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = {
      { brokerNodeInfo = { brokerId = 1, endpoints = { "b-1.demo.kafka.us-east-1.amazonaws.com" } } },
      { brokerNodeInfo = { brokerId = 2, endpoints = { "b-2.demo.kafka.us-east-1.amazonaws.com" } } },
    } })
  end)

  it("finds nothing on a healthy cluster", function()
    stub_cpu { ["1"] = 20, ["2"] = 25 }
    local result = run_runbook("msk.high-cpu", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.equal(0, result.exit_code)
    assert.are.same({}, result.findings)
    assert.are.same({ "Describe the cluster", "List the brokers", "Read CpuUser per broker", "Judge" },
      (function() local names = {} for i, s in ipairs(result.steps) do names[i] = s.name end return names end)())
  end)

  it("reports a hot broker as a high finding", function()
    stub_cpu { ["1"] = 20, ["2"] = 95 }
    local result = run_runbook("msk.high-cpu", { cluster_arn = arn, threshold = 60 })
    assert.are.equal("ok", result.status)
    assert.are.equal(1, #result.findings)
    assert.are.equal("high", result.findings[1].severity)
    assert.matches("broker 2 CpuUser peaked at 95%%", result.findings[1].summary)
  end)

  it("fails with the AWS error when the cluster does not exist", function()
    stub.aws("kafka", "describe_cluster", { ClusterArn = arn },
      { error = { code = "NotFoundException", message = "Cluster not found", status = 404 } })
    local result = run_runbook("msk.high-cpu", { cluster_arn = arn })
    assert.are.equal("failed", result.status)
    assert.are.equal(1, result.exit_code)
    assert.matches("kafka.DescribeCluster: NotFoundException: Cluster not found %(HTTP 404%)", result.error)
  end)

  it("refuses to start without a cluster", function()
    local result = run_runbook("msk.high-cpu", {})
    assert.are.equal("failed", result.status)
    assert.matches("give cluster_arn or cluster_name", result.error)
    assert.are.same({}, result.calls)
  end)
end)
