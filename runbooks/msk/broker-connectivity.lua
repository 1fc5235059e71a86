-- Broker connection issues, the MSK runbook's first procedure (`aws kafka describe-cluster`,
-- BrokerNodeGroupInfo), done as an SRE would: the cluster's state, every auth mode's bootstrap
-- string, every broker probed by TCP, TLS and Kafka itself, and a verdict per broker.
return runbook {
  name = "msk.broker-connectivity",
  version = "1.0.0",
  description = [[Why clients cannot connect to an MSK cluster, broker by broker
Reads the cluster (state, broker node group, auth modes) and its bootstrap brokers; probes every broker
endpoint on every port the cluster offers with TCP, with TLS on the TLS ports (certificate checked, days
left) and with a Kafka metadata request (registered brokers, controller, under-replicated and offline
partitions). Ends with a verdict per broker. Changes nothing.
The probes test this host's network path to the brokers, not a client's: run it from the client's subnet
(or one with the same security groups and routes) to test what the client sees.]],
  params = {
    cluster_arn  = { type = "string", doc = "MSK cluster ARN (or give cluster_name)" },
    cluster_name = { type = "string", doc = "MSK cluster name, as in an alarm's Cluster Name dimension" },
    cert_days    = { type = "integer", default = 30, doc = "A certificate with fewer days left than this is a finding" },
    timeout      = { type = "number", default = 3, doc = "Seconds each probe may take" },
    ca_file      = { type = "string", doc = "PEM file of CAs to trust for the brokers' TLS (default: the system store)" },
  },
  triggers = {
    { namespace = "AWS/Kafka", metric = "OfflinePartitionsCount", params = { cluster_name = "dimension:Cluster Name" } },
  },
  -- Read-only: an alarm runs it at most once per cluster every 15 minutes.
  automation = { target = "cluster_name", cooldown = 900 },
  limits = { timeout = 600 },

  run = function(p)
    local arn = p.cluster_arn or step("Find the cluster", function() return kafka.cluster_arn(p.cluster_name) end)

    local cluster = step("Describe the cluster", function()
      local info = kafka.describe_cluster(arn).clusterInfo
      local group = info.brokerNodeGroupInfo or {}
      log.info(("%s is %s: %s brokers of %s in %d subnets, security groups %s"):format(
        info.clusterName, tostring(info.state), tostring(info.numberOfBrokerNodes), tostring(group.instanceType),
        #(group.clientSubnets or {}), table.concat(group.securityGroups or {}, ", ")))
      return info
    end)
    if cluster.state ~= "ACTIVE" then
      finding {
        code = "cluster-not-active", severity = cluster.state == "FAILED" and "critical" or "medium",
        summary = ("the cluster is %s, not ACTIVE: clients may be refused until it is"):format(tostring(cluster.state)),
        detail = { state = cluster.state, activeOperationArn = cluster.activeOperationArn },
      }
    end

    -- Every auth mode the cluster offers, as GetBootstrapBrokers names them, with the port it listens on.
    local modes = step("Get the bootstrap brokers", function()
      local answer = kafka.get_bootstrap_brokers(arn)
      local found = {}
      for _, mode in ipairs {
        { key = "BootstrapBrokerString", name = "plaintext", tls = false },
        { key = "BootstrapBrokerStringTls", name = "TLS", tls = true },
        { key = "BootstrapBrokerStringSaslScram", name = "SASL/SCRAM", tls = true },
        { key = "BootstrapBrokerStringSaslIam", name = "IAM", tls = true },
        { key = "BootstrapBrokerStringPublicTls", name = "public TLS", tls = true },
        { key = "BootstrapBrokerStringPublicSaslScram", name = "public SASL/SCRAM", tls = true },
        { key = "BootstrapBrokerStringPublicSaslIam", name = "public IAM", tls = true },
      } do
        local text = answer[mode.key] or answer[mode.key:sub(1, 1):lower() .. mode.key:sub(2)]
        if text and text ~= "" then
          mode.bootstrap = text
          mode.hosts = msk.bootstrap_brokers(text)
          found[#found + 1] = mode
        end
      end
      if #found == 0 then fail("GetBootstrapBrokers returned no bootstrap string") end
      return found
    end)

    local brokers = step("List the brokers", function() return kafka.brokers(arn) end)

    -- One probe per broker and port: every mode's entry for that broker's endpoint.
    local targets = {}
    for _, mode in ipairs(modes) do
      for _, hp in ipairs(mode.hosts) do
        targets[#targets + 1] = { host = hp.host, port = hp.port, mode = mode.name, tls = mode.tls }
      end
    end
    local probed = step("Probe every broker endpoint", function()
      return each(targets, function(t)
        local tcp = probe.tcp { host = t.host, port = t.port, timeout = p.timeout }
        local tls
        if tcp.ok and t.tls then tls = probe.tls { host = t.host, port = t.port, timeout = p.timeout, ca_file = p.ca_file } end
        return { host = t.host, port = t.port, mode = t.mode, tcp = tcp, tls = tls }
      end)
    end)

    -- Kafka's own view, over the first mode this engine can speak (plaintext or TLS; SASL is out of scope).
    local metadata = step("Ask Kafka for its metadata", { continue_on_error = true }, function()
      for _, mode in ipairs(modes) do
        if mode.name == "plaintext" or mode.name == "TLS" then
          local tls = mode.tls and (p.ca_file and { ca_file = p.ca_file } or true) or nil
          return kafka_wire.metadata { bootstrap = mode.bootstrap, tls = tls, timeout = p.timeout }
        end
      end
      log.warn("the cluster offers only SASL listeners; Kafka metadata needs a plaintext or TLS listener")
      return nil
    end)

    local registered = {}
    if metadata then
      for _, b in ipairs(metadata.brokers) do registered[tostring(b.id)] = b end
      local s = metadata.summary
      log.info(("Kafka answered from %s: %d brokers registered, controller %d, %d topics, %d partitions"):format(
        metadata.answered_by, s.brokers, metadata.controller_id, s.topics, s.partitions))
      if s.under_replicated_partitions > 0 then
        finding {
          code = "under-replicated", severity = "medium",
          summary = ("%d partitions are under-replicated"):format(s.under_replicated_partitions),
          detail = { under_replicated_partitions = s.under_replicated_partitions, partitions = s.partitions },
        }
      end
      if s.offline_partitions > 0 then
        finding {
          code = "offline-partitions", severity = "critical",
          summary = ("%d partitions are offline: no leader can serve them"):format(s.offline_partitions),
          detail = { offline_partitions = s.offline_partitions, partitions = s.partitions },
        }
      end
    end

    -- The verdict per broker: a probed endpoint belongs to the broker on its host (and its port,
    -- when the broker's endpoint names one, as a stand-in's local peers do).
    local rows, healthy = {}, 0
    for _, broker in ipairs(brokers) do
      local problems, ports, unreachable = {}, {}, nil
      for _, r in ipairs(probed) do
        if r.host == broker.host and (broker.port == nil or r.port == broker.port) then
          local state
          if not r.tcp.ok then
            state = "unreachable"
            unreachable = unreachable or r
            problems[#problems + 1] = ("%s port %d unreachable (%s)"):format(r.mode, r.port, tostring(r.tcp.reason))
          elseif r.tls and not r.tls.ok then
            state = "TLS " .. tostring(r.tls.reason)
            problems[#problems + 1] = ("%s port %d TLS handshake failed (%s)"):format(r.mode, r.port, tostring(r.tls.reason))
          elseif r.tls and not r.tls.verified then
            state = "TLS not verified"
            problems[#problems + 1] = ("%s port %d certificate not verified"):format(r.mode, r.port)
            finding {
              code = "tls-verify-failed", severity = "high",
              summary = ("broker %s's certificate on port %d does not verify: %s"):format(broker.id, r.port, tostring(r.tls.verification)),
              detail = { host = r.host, port = r.port, verification = r.tls.verification,
                         subject = r.tls.certificate and r.tls.certificate.subject },
            }
          else
            state = r.tls and ("ok, TLS %dd"):format(r.tls.certificate and r.tls.certificate.days_left or 0) or "ok"
          end
          local cert = r.tls and r.tls.certificate
          if cert and cert.days_left < p.cert_days then
            finding {
              code = "tls-cert-expiring", severity = cert.days_left < 7 and "high" or "medium",
              summary = ("broker %s's certificate on port %d expires in %d days (%s)"):format(broker.id, r.port, cert.days_left, cert.not_after),
              detail = { host = r.host, port = r.port, not_after = cert.not_after, days_left = cert.days_left },
            }
          end
          ports[#ports + 1] = ("%d %s"):format(r.port, state)
        end
      end
      if metadata and not registered[broker.id] then
        problems[#problems + 1] = "not registered with the cluster"
        finding {
          code = "broker-not-registered", severity = "high",
          summary = ("broker %s is not in Kafka's metadata: it is down or has left the cluster"):format(broker.id),
          detail = { broker = broker.id, registered = #metadata.brokers },
        }
      end
      if unreachable then
        finding {
          code = "broker-unreachable", severity = "high",
          summary = ("broker %s (%s) is unreachable on port %d: %s"):format(broker.id, unreachable.host, unreachable.port, tostring(unreachable.tcp.reason)),
          detail = { error = unreachable.tcp.error, reason = unreachable.tcp.reason },
        }
      end
      local verdict = #problems == 0 and "healthy" or table.concat(problems, "; ")
      if #problems == 0 then healthy = healthy + 1 end
      rows[#rows + 1] = {
        broker = broker.id, endpoint = broker.host or "", ports = table.concat(ports, ", "),
        kafka = metadata and (registered[broker.id] and (metadata.controller_id == tonumber(broker.id) and "controller" or "registered") or "missing") or "unknown",
        verdict = verdict,
      }
    end
    summary_table { title = "Verdict per broker", columns = { "broker", "endpoint", "ports", "kafka", "verdict" }, rows = rows }
    return { brokers = #brokers, healthy = healthy }
  end,
}
