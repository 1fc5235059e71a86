-- ZooKeeper status, the MSK runbook's `zookeeper-shell.sh <zk> status`, for every node at
-- once: who is up, who leads, whether there is a quorum, and whether every broker is
-- registered. KRaft clusters have no ZooKeeper, and say so.
return runbook {
  name = "msk.zookeeper-status",
  version = "1.0.0",
  description = [[The health of an MSK cluster's ZooKeeper ensemble
Reads the cluster's ZooKeeper connect strings (plaintext and TLS), probes every node (ruok, srvr, mntr
and a session), judges the quorum (one leader, the rest followers, a majority up) and compares
/brokers/ids with the cluster's brokers. A KRaft cluster is reported as having no ZooKeeper. Changes nothing.]],
  params = {
    cluster_arn  = { type = "string", doc = "MSK cluster ARN (or give cluster_name)" },
    cluster_name = { type = "string", doc = "MSK cluster name, as in an alarm's Cluster Name dimension" },
    tls          = { type = "boolean", default = false, doc = "Use the TLS connect string (port 2182) instead of plaintext (2181)" },
    timeout      = { type = "number", default = 3, doc = "Seconds each probe may take" },
  },
  triggers = {
    { namespace = "AWS/Kafka", metric = "ZooKeeperRequestLatencyMsMean", params = { cluster_name = "dimension:Cluster Name" } },
  },
  -- Read-only: an alarm runs it at most once per cluster every 15 minutes.
  automation = { target = "cluster_name", cooldown = 900 },
  limits = { timeout = 300 },

  run = function(p)
    local arn = p.cluster_arn or step("Find the cluster", function() return kafka.cluster_arn(p.cluster_name) end)

    local cluster = step("Read the ZooKeeper connect strings", function()
      local info = kafka.describe_cluster(arn).clusterInfo
      return {
        name = info.clusterName, state = info.state,
        plain = info.zookeeperConnectString, tls = info.zookeeperConnectStringTls,
        version = info.currentBrokerSoftwareInfo and info.currentBrokerSoftwareInfo.kafkaVersion,
      }
    end)

    if not cluster.plain and not cluster.tls then
      finding {
        code = "zk-not-applicable", severity = "info",
        summary = ("%s runs in KRaft mode (Kafka %s): it has no ZooKeeper; check the controllers with msk.broker-connectivity"):format(
          tostring(cluster.name), tostring(cluster.version)),
      }
      summary_table { title = "ZooKeeper", columns = { "cluster", "kafka", "zookeeper" },
        rows = { { cluster.name, cluster.version, "none (KRaft)" } } }
      return { kraft = true }
    end
    log.info("plaintext: " .. tostring(cluster.plain))
    log.info("TLS: " .. tostring(cluster.tls))
    local connect = p.tls and cluster.tls or cluster.plain or cluster.tls

    local nodes = step("Probe every ZooKeeper node", function()
      return zk.status(connect, { timeout = p.timeout })
    end)

    local up, leaders, followers, rows = 0, 0, 0, {}
    for _, node in ipairs(nodes) do
      if node.up then up = up + 1 end
      if node.mode == "leader" then leaders = leaders + 1 end
      if node.mode == "follower" then followers = followers + 1 end
      if not node.up then
        finding {
          code = "zk-node-down", severity = "high",
          summary = ("ZooKeeper node %s is not serving: %s"):format(node.server, node.summary),
          detail = { server = node.server, reachable = node.reachable, error = node.error },
        }
      end
      rows[#rows + 1] = {
        node = node.server, up = node.up and "yes" or "no", mode = node.mode or "-", version = node.version or "-",
        latency = node.latency_ms and ("%.0f/%.0f ms"):format(node.latency_ms.avg, node.latency_ms.max) or "-",
        znodes = node.znode_count or "-",
      }
    end
    local majority = #nodes // 2 + 1
    local quorum = up >= majority and (leaders == 1 or (#nodes == 1 and up == 1))
    if not quorum then
      finding {
        code = "zk-no-quorum", severity = "critical",
        summary = ("no ZooKeeper quorum: %d of %d nodes up (%d needed), %d leader(s), %d follower(s)"):format(
          up, #nodes, majority, leaders, followers),
        detail = { up = up, nodes = #nodes, leaders = leaders, followers = followers },
      }
    end

    step("Compare /brokers/ids with the cluster's brokers", { continue_on_error = true }, function()
      local registered = {}
      for _, id in ipairs(zk.children(connect, "/brokers/ids", { timeout = p.timeout })) do registered[id] = true end
      for _, broker in ipairs(kafka.brokers(arn)) do
        if not registered[broker.id] then
          finding {
            code = "zk-broker-missing", severity = "high",
            summary = ("broker %s is not registered in ZooKeeper (/brokers/ids): it is down or lost its session"):format(broker.id),
            detail = { broker = broker.id, endpoint = broker.endpoints[1] },
          }
        end
      end
    end)

    summary_table { title = ("ZooKeeper: %s"):format(quorum and "quorum" or "NO QUORUM"),
      columns = { "node", "up", "mode", "version", "latency", "znodes" }, rows = rows }
    return { up = up, nodes = #nodes, quorum = quorum }
  end,
}
