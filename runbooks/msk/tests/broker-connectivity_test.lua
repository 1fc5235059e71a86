-- msk.broker-connectivity against stubs: a healthy cluster, then each finding the runbook
-- promises (cluster-not-active, broker-unreachable, tls-verify-failed, tls-cert-expiring,
-- broker-not-registered, under-replicated, offline-partitions).
local arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
local hosts = { "b-1.demo.kafka.us-east-1.amazonaws.com", "b-2.demo.kafka.us-east-1.amazonaws.com",
                "b-3.demo.kafka.us-east-1.amazonaws.com" }

local function joined(port)
  local parts = {}
  for i, host in ipairs(hosts) do parts[i] = host .. ":" .. port end
  return table.concat(parts, ",")
end

-- The world: `w.state`, `w.down[i]` (TCP refused), `w.unverified[i]`, `w.days[i]`, `w.registered`
-- (broker ids Kafka lists), `w.urp`, `w.offline`.
local function world(w)
  w = w or {}
  stub.aws("kafka", "describe_cluster", { ClusterArn = arn }, { clusterInfo = {
    clusterArn = arn, clusterName = "demo", state = w.state or "ACTIVE", numberOfBrokerNodes = 3,
    brokerNodeGroupInfo = { instanceType = "kafka.m5.large", clientSubnets = { "subnet-1", "subnet-2", "subnet-3" },
                            securityGroups = { "sg-1" } },
  } })
  stub.aws("kafka", "get_bootstrap_brokers", { ClusterArn = arn },
    { bootstrapBrokerString = joined(9092), bootstrapBrokerStringTls = joined(9094) })
  local nodes = {}
  for i, host in ipairs(hosts) do nodes[i] = { brokerNodeInfo = { brokerId = i, endpoints = { host } } } end
  stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = nodes })
  for i, host in ipairs(hosts) do
    for _, port in ipairs { 9092, 9094 } do
      if (w.down or {})[i] then
        stub.probe("tcp", { host = host, port = port }, { ok = false, host = host, port = port, latency_ms = 1, reason = "refused" })
      else
        stub.probe("tcp", { host = host, port = port }, { ok = true, host = host, port = port, latency_ms = 1 })
      end
    end
    local unverified = (w.unverified or {})[i]
    stub.probe("tls", { host = host, port = 9094 }, {
      ok = true, host = host, port = 9094, latency_ms = 3, verified = not unverified,
      verification = unverified and "self-signed certificate" or nil,
      certificate = { days_left = (w.days or {})[i] or 300, not_after = "2027-09-01T00:00:00Z", not_before = "2026-01-01T00:00:00Z",
                      subject = "CN=*.demo", issuer = "CN=Amazon", dns_names = {}, ip_addresses = {} },
    })
  end
  local registered = {}
  for _, id in ipairs(w.registered or { 1, 2, 3 }) do
    registered[#registered + 1] = { id = id, host = hosts[id], port = 9092 }
  end
  stub.probe("kafka_metadata", nil, {
    answered_by = hosts[1] .. ":9092", api_version = 8, controller_id = 1, brokers = registered, topics = {},
    summary = { brokers = #registered, topics = 4, partitions = 24,
                under_replicated_partitions = w.urp or 0, offline_partitions = w.offline or 0 },
  })
end

describe("msk.broker-connectivity", function()
  it("finds nothing wrong with a healthy cluster", function()
    world()
    local result = run_runbook("msk.broker-connectivity", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.same({}, result.findings)
    local kinds = {}
    for _, call in ipairs(result.calls) do if call.kind then kinds[call.kind] = (kinds[call.kind] or 0) + 1 end end
    assert.are.same({ tcp = 6, tls = 3, kafka_metadata = 1 }, kinds)
  end)

  it("says a cluster that is not ACTIVE is cluster-not-active", function()
    world { state = "HEALING" }
    local result = run_runbook("msk.broker-connectivity", { cluster_arn = arn })
    assert.are.same({ "cluster-not-active" }, result.codes)
    assert.matches("the cluster is HEALING", result.findings[1].summary)
  end)

  it("reports a broker that refuses as broker-unreachable, and skips its TLS", function()
    world { down = { [3] = true }, registered = { 1, 2 } }
    local result = run_runbook("msk.broker-connectivity", { cluster_arn = arn })
    assert.are.same({ "broker-not-registered", "broker-unreachable" }, result.codes)
    for _, call in ipairs(result.calls) do
      if call.kind == "tls" then assert.are_not.equal(hosts[3], call.arguments.host) end
    end
  end)

  it("reports a certificate that does not verify as tls-verify-failed", function()
    world { unverified = { [1] = true } }
    local result = run_runbook("msk.broker-connectivity", { cluster_arn = arn })
    assert.are.same({ "tls-verify-failed" }, result.codes)
    assert.matches("self%-signed certificate", result.findings[1].summary)
  end)

  it("reports a certificate near its end as tls-cert-expiring, high under a week", function()
    world { days = { [2] = 20, [3] = 3 } }
    local result = run_runbook("msk.broker-connectivity", { cluster_arn = arn })
    assert.are.same({ "tls-cert-expiring", "tls-cert-expiring" }, result.codes)
    local severities = {}
    for _, f in ipairs(result.findings) do severities[#severities + 1] = f.severity end
    table.sort(severities)
    assert.are.same({ "high", "medium" }, severities)
  end)

  it("reports a reachable broker Kafka does not list as broker-not-registered", function()
    world { registered = { 1, 3 } }
    local result = run_runbook("msk.broker-connectivity", { cluster_arn = arn })
    assert.are.same({ "broker-not-registered" }, result.codes)
    assert.matches("broker 2 is not in Kafka's metadata", result.findings[1].summary)
  end)

  it("reports under-replicated and offline partitions from the metadata", function()
    world { urp = 5, offline = 2 }
    local result = run_runbook("msk.broker-connectivity", { cluster_arn = arn })
    assert.are.same({ "offline-partitions", "under-replicated" }, result.codes)
    for _, f in ipairs(result.findings) do
      if f.code == "offline-partitions" then assert.are.equal("critical", f.severity) end
    end
  end)

  it("goes on without Kafka's view when no broker answers the metadata request", function()
    world()
    stub.probe("kafka_metadata", nil, { error = { message = "no bootstrap broker answered" } })
    local result = run_runbook("msk.broker-connectivity", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.same({}, result.findings)
  end)
end)
