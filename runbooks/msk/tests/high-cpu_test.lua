-- msk.high-cpu against stubs: no network, every call answered here.
local arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
local hosts = { "b-1.demo.kafka.us-east-1.amazonaws.com", "b-2.demo.kafka.us-east-1.amazonaws.com",
                "b-3.demo.kafka.us-east-1.amazonaws.com" }

-- CpuUser and CpuSystem per broker: `cpu[id] = { user, system }` percent at each datapoint.
local function stub_cpu(cpu)
  stub.aws("cloudwatch", "get_metric_statistics", function(input)
    return input.MetricName == "CpuUser" or input.MetricName == "CpuSystem"
  end, function(input)
    local id
    for _, dimension in ipairs(input.Dimensions) do
      if dimension.Name == "Broker ID" then id = dimension.Value end
    end
    local value = cpu[id] and cpu[id][input.MetricName == "CpuUser" and 1 or 2]
    if value == nil then return { Datapoints = {} } end
    return { Datapoints = {
      { Timestamp = 1700000000, Maximum = value },
      { Timestamp = 1700000300, Maximum = value },
    } }
  end)
end

-- Kafka's metadata: `leaders[i]` partitions led by broker i.
local function stub_leaders(leaders)
  local partitions = {}
  for id, count in ipairs(leaders) do
    for _ = 1, count do
      partitions[#partitions + 1] = { index = #partitions, leader = id, replicas = { 1, 2, 3 }, isr = { 1, 2, 3 },
                                      offline_replicas = {}, under_replicated = false, offline = false, error_code = 0 }
    end
  end
  stub.probe("kafka_metadata", nil, {
    answered_by = hosts[1] .. ":9092", api_version = 8, controller_id = 1,
    brokers = { { id = 1, host = hosts[1], port = 9092 }, { id = 2, host = hosts[2], port = 9092 }, { id = 3, host = hosts[3], port = 9092 } },
    topics = { { name = "orders", internal = false, error_code = 0, partitions = partitions } },
    summary = { brokers = 3, topics = 1, partitions = #partitions, under_replicated_partitions = 0, offline_partitions = 0 },
  })
end

describe("msk.high-cpu", function()
  before_each(function()
    stub.aws("kafka", "describe_cluster", { ClusterArn = arn },
      { clusterInfo = { clusterArn = arn, clusterName = "demo", state = "ACTIVE" } })
    local nodes = {}
    for i, host in ipairs(hosts) do nodes[i] = { brokerNodeInfo = { brokerId = i, endpoints = { host } } } end
    stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = nodes })
    stub.aws("kafka", "get_bootstrap_brokers", { ClusterArn = arn },
      { bootstrapBrokerString = hosts[1] .. ":9092," .. hosts[2] .. ":9092," .. hosts[3] .. ":9092" })
    stub_leaders { 4, 4, 4 }
  end)

  it("finds nothing on a healthy cluster", function()
    stub_cpu { ["1"] = { 20, 5 }, ["2"] = { 25, 5 }, ["3"] = { 22, 4 } }
    local result = run_runbook("msk.high-cpu", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.equal(0, result.exit_code)
    assert.are.same({}, result.findings)
    assert.are.same({ "Describe the cluster", "List the brokers", "Read CpuUser and CpuSystem per broker",
                      "Ask Kafka who leads which partitions", "Judge" },
      (function() local names = {} for i, s in ipairs(result.steps) do names[i] = s.name end return names end)())
  end)

  it("reports a hot broker as cpu-high, counting user and system CPU", function()
    stub_cpu { ["1"] = { 20, 5 }, ["2"] = { 80, 15 }, ["3"] = { 45, 20 } }
    local result = run_runbook("msk.high-cpu", { cluster_arn = arn, threshold = 60, skew = 100 })
    assert.are.equal("ok", result.status)
    assert.are.same({ "cpu-high", "cpu-high" }, result.codes)
    assert.matches("broker 2's CPU peaked at 95%%", result.findings[1].summary)
    assert.are.equal("high", result.findings[1].severity)
    assert.are.equal("medium", result.findings[2].severity)
  end)

  it("reports CPU skewed across brokers as cpu-skew", function()
    stub_cpu { ["1"] = { 10, 2 }, ["2"] = { 45, 5 }, ["3"] = { 12, 2 } }
    local result = run_runbook("msk.high-cpu", { cluster_arn = arn, skew = 20 })
    assert.are.same({ "cpu-skew" }, result.codes)
    assert.matches("broker 2 averages 50%%, broker 1 12%%", result.findings[1].summary)
  end)

  it("reports a broker leading too many partitions as leader-imbalance", function()
    stub_cpu { ["1"] = { 20, 5 }, ["2"] = { 25, 5 }, ["3"] = { 22, 4 } }
    stub_leaders { 10, 1, 1 }
    local result = run_runbook("msk.high-cpu", { cluster_arn = arn })
    assert.are.same({ "leader-imbalance" }, result.codes)
    assert.matches("broker 1 leads 10 of 12 partitions", result.findings[1].summary)
  end)

  it("goes on without leadership when Kafka does not answer", function()
    stub_cpu { ["1"] = { 20, 5 }, ["2"] = { 25, 5 }, ["3"] = { 22, 4 } }
    stub.probe("kafka_metadata", nil, { error = { message = "no bootstrap broker answered" } })
    local result = run_runbook("msk.high-cpu", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.same({}, result.findings)
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
