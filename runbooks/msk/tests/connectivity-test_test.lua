-- msk.connectivity-test against stubs: every broker probed on one port, a table, and
-- broker-unreachable for each one that refuses.
local arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
local hosts = { "b-1.demo.kafka.us-east-1.amazonaws.com", "b-2.demo.kafka.us-east-1.amazonaws.com",
                "b-3.demo.kafka.us-east-1.amazonaws.com" }

-- Every broker answers on `port`, except those listed in `down` (refused).
local function network(port, down)
  down = down or {}
  for i, host in ipairs(hosts) do
    if down[i] then
      stub.probe("tcp", { host = host, port = port },
        { ok = false, host = host, port = port, latency_ms = 1, reason = "refused", error = "connection refused" })
    else
      stub.probe("tcp", { host = host, port = port }, { ok = true, host = host, port = port, latency_ms = 2 })
      stub.probe("tls", { host = host, port = port }, { ok = true, host = host, port = port, latency_ms = 5, verified = true,
        certificate = { days_left = 200, not_after = "2027-06-01T00:00:00Z", subject = "CN=*.demo", issuer = "CN=Amazon",
                        not_before = "2026-01-01T00:00:00Z", dns_names = { "*.demo.kafka.us-east-1.amazonaws.com" }, ip_addresses = {} } })
    end
  end
end

describe("msk.connectivity-test", function()
  before_each(function()
    local nodes = {}
    for i, host in ipairs(hosts) do nodes[i] = { brokerNodeInfo = { brokerId = i, endpoints = { host } } } end
    stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = nodes })
  end)

  it("finds every broker reachable over TCP and TLS on 9094", function()
    network(9094)
    local result = run_runbook("msk.connectivity-test", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.same({}, result.findings)
    local tls = 0
    for _, call in ipairs(result.calls) do if call.kind == "tls" then tls = tls + 1 end end
    assert.are.equal(3, tls)
  end)

  it("reports each broker that refuses as broker-unreachable", function()
    network(9094, { [2] = true })
    local result = run_runbook("msk.connectivity-test", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.same({ "broker-unreachable" }, result.codes)
    assert.are.equal("high", result.findings[1].severity)
    assert.matches("broker 2 %(b%-2%.demo[^)]*%) is unreachable on port 9094: refused", result.findings[1].summary)
    local shown = result.tables[1]
    assert.are.equal("Connectivity on port 9094", shown.title)
    assert.are.same({ "broker", "host", "port", "tcp", "tls" }, shown.columns)
    assert.are.same({ "2", hosts[2], "9094", "refused", "-" }, shown.rows[2])
  end)

  it("does no TLS handshake on the plaintext port", function()
    for _, host in ipairs(hosts) do
      stub.probe("tcp", { host = host, port = 9092 }, { ok = true, host = host, port = 9092, latency_ms = 2 })
    end
    local result = run_runbook("msk.connectivity-test", { cluster_arn = arn, port = 9092 })
    assert.are.equal("ok", result.status)
    for _, call in ipairs(result.calls) do assert.are_not.equal("tls", call.kind) end
  end)

  it("probes each broker at the port its endpoint names (a stand-in's local peers)", function()
    stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = {
      { brokerNodeInfo = { brokerId = 1, endpoints = { "127.0.0.1:19092" } } },
      { brokerNodeInfo = { brokerId = 2, endpoints = { "127.0.0.1:19093" } } },
    } })
    stub.probe("tcp", { host = "127.0.0.1", port = 19092 }, { ok = true, host = "127.0.0.1", port = 19092, latency_ms = 1 })
    stub.probe("tcp", { host = "127.0.0.1", port = 19093 }, { ok = false, host = "127.0.0.1", port = 19093, latency_ms = 1, reason = "refused" })
    local result = run_runbook("msk.connectivity-test", { cluster_arn = arn })
    assert.are.same({ "broker-unreachable" }, result.codes)
    assert.matches("broker 2 %(127%.0%.0%.1%) is unreachable on port 19093", result.findings[1].summary)
  end)

  it("finds the cluster by name", function()
    stub.aws("kafka", "list_clusters_v2", nil, { clusterInfoList = {
      { clusterName = "demo-other", clusterArn = "arn:other" }, { clusterName = "demo", clusterArn = arn } } })
    network(9094)
    local result = run_runbook("msk.connectivity-test", { cluster_name = "demo" })
    assert.are.equal("ok", result.status)
    assert.are.equal("list_clusters_v2", result.calls[1].operation)
  end)

  it("fails naming the cluster when no cluster has the name", function()
    stub.aws("kafka", "list_clusters_v2", nil, { clusterInfoList = {} })
    local result = run_runbook("msk.connectivity-test", { cluster_name = "nope" })
    assert.are.equal("failed", result.status)
    assert.matches("no MSK cluster named nope", result.error)
  end)
end)
