-- msk.zookeeper-status against stubs: a healthy ensemble, a node down, no quorum, a broker
-- missing from /brokers/ids, and a KRaft cluster that has no ZooKeeper.
local arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
local zk_hosts = { "z-1.demo:2181", "z-2.demo:2181", "z-3.demo:2181" }
local plain = table.concat(zk_hosts, ",")
local tls = plain:gsub("2181", "2182")

local function node(server, mode)
  if mode == nil then
    return { server = server, up = false, reachable = false, session = false, summary = "refused", error = "connection refused" }
  end
  return { server = server, up = true, reachable = true, session = true, ruok = true, serving = true, mode = mode,
           version = "3.8.4", four_letter_words = true, znode_count = 120, summary = mode,
           latency_ms = { min = 0, avg = 1, max = 4 } }
end

-- `modes[i]` is node i's mode (nil when down); `ids` the children of /brokers/ids.
local function ensemble(modes, ids)
  local nodes = {}
  for i, server in ipairs(zk_hosts) do nodes[i] = node(server, modes[i]) end
  stub.probe("zk_status", nil, nodes)
  stub.probe("zk_children", { path = "/brokers/ids" }, ids or { "1", "2", "3" })
end

describe("msk.zookeeper-status", function()
  before_each(function()
    stub.aws("kafka", "describe_cluster", { ClusterArn = arn }, { clusterInfo = {
      clusterArn = arn, clusterName = "demo", state = "ACTIVE", currentBrokerSoftwareInfo = { kafkaVersion = "3.5.1" },
      zookeeperConnectString = plain, zookeeperConnectStringTls = tls,
    } })
    stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = {
      { brokerNodeInfo = { brokerId = 1, endpoints = { "b-1.demo" } } },
      { brokerNodeInfo = { brokerId = 2, endpoints = { "b-2.demo" } } },
      { brokerNodeInfo = { brokerId = 3, endpoints = { "b-3.demo" } } },
    } })
  end)

  it("finds a healthy ensemble with one leader and every broker registered", function()
    ensemble { "follower", "leader", "follower" }
    local result = run_runbook("msk.zookeeper-status", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.same({}, result.findings)
    for _, call in ipairs(result.calls) do
      if call.kind == "zk_status" then assert.are.equal(plain, call.arguments.connect_string) end
    end
  end)

  it("uses the TLS connect string when asked", function()
    ensemble { "follower", "leader", "follower" }
    local result = run_runbook("msk.zookeeper-status", { cluster_arn = arn, tls = true })
    assert.are.equal("ok", result.status)
    for _, call in ipairs(result.calls) do
      if call.kind == "zk_status" then assert.are.equal(tls, call.arguments.connect_string) end
    end
  end)

  it("reports a node that is down as zk-node-down while a quorum stands", function()
    ensemble { "follower", "leader", nil }
    local result = run_runbook("msk.zookeeper-status", { cluster_arn = arn })
    assert.are.same({ "zk-node-down" }, result.codes)
    assert.matches("z%-3%.demo:2181", result.findings[1].summary)
  end)

  it("reports zk-no-quorum when a majority is down", function()
    ensemble { "follower", nil, nil }
    local result = run_runbook("msk.zookeeper-status", { cluster_arn = arn })
    assert.are.same({ "zk-no-quorum", "zk-node-down", "zk-node-down" }, result.codes)
  end)

  it("reports zk-no-quorum when every node is up but none leads", function()
    ensemble { "follower", "follower", "follower" }
    local result = run_runbook("msk.zookeeper-status", { cluster_arn = arn })
    assert.are.same({ "zk-no-quorum" }, result.codes)
    assert.are.equal("critical", result.findings[1].severity)
  end)

  it("reports a broker missing from /brokers/ids as zk-broker-missing", function()
    ensemble({ "follower", "leader", "follower" }, { "1", "3" })
    local result = run_runbook("msk.zookeeper-status", { cluster_arn = arn })
    assert.are.same({ "zk-broker-missing" }, result.codes)
    assert.matches("broker 2 is not registered", result.findings[1].summary)
  end)

  it("reports a KRaft cluster as zk-not-applicable and probes nothing", function()
    stub.aws("kafka", "describe_cluster", { ClusterArn = arn }, { clusterInfo = {
      clusterArn = arn, clusterName = "demo-kraft", state = "ACTIVE", currentBrokerSoftwareInfo = { kafkaVersion = "3.7.x.kraft" },
    } })
    local result = run_runbook("msk.zookeeper-status", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.same({ "zk-not-applicable" }, result.codes)
    assert.are.equal("info", result.findings[1].severity)
    for _, call in ipairs(result.calls) do assert.is_nil(call.kind) end
  end)
end)
