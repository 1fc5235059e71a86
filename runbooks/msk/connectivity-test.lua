-- The MSK runbook's connectivity test (`nc -zv <broker> 9094`), for every broker at once:
-- TCP, and TLS on the TLS ports, with a table a person can paste into the incident.
return runbook {
  name = "msk.connectivity-test",
  version = "1.0.0",
  description = [[Can this host reach every broker of an MSK cluster on one port?
Probes each broker's endpoint with TCP and, on the TLS ports (9094, 9096, 9098), a TLS handshake that
reports the certificate. Reads the cluster and its brokers; changes nothing.
The probes test this host's network path to the brokers, not a client's: run it from the client's subnet
(or one with the same security groups and routes) to test what the client sees.]],
  params = {
    cluster_arn  = { type = "string", doc = "MSK cluster ARN (or give cluster_name)" },
    cluster_name = { type = "string", doc = "MSK cluster name, as in an alarm's Cluster Name dimension" },
    port         = { type = "integer", default = 9094, doc = "The port to test: 9092 plaintext, 9094 TLS, 9096 SASL/SCRAM, 9098 IAM" },
    timeout      = { type = "number", default = 3, doc = "Seconds each probe may take" },
  },
  limits = { timeout = 300 },

  run = function(p)
    local arn = p.cluster_arn or step("Find the cluster", function() return kafka.cluster_arn(p.cluster_name) end)
    local brokers = step("List the brokers", function() return kafka.brokers(arn) end)
    if #brokers == 0 then fail("the cluster has no brokers listed") end
    local tls_ports = { [9094] = true, [9096] = true, [9098] = true }

    local results = step("Probe every broker", function()
      return each(brokers, function(broker)
        -- A broker whose endpoint names its port (a stand-in's local peer) is probed there.
        local host, port = broker.host or broker.address, broker.port or p.port
        local tcp = probe.tcp { host = host, port = port, timeout = p.timeout }
        local tls = tcp.ok and tls_ports[port] and probe.tls { host = host, port = port, timeout = p.timeout } or nil
        return { broker = broker.id, host = host, port = port, tcp = tcp, tls = tls }
      end)
    end)

    local rows, unreachable = {}, 0
    for _, r in ipairs(results) do
      local tls = "-"
      if r.tls then
        tls = r.tls.ok and (r.tls.verified and "verified" or "not verified: " .. tostring(r.tls.verification))
          or ("failed: " .. tostring(r.tls.reason))
        if r.tls.certificate then tls = tls .. (" (%d days left)"):format(r.tls.certificate.days_left) end
      end
      if not r.tcp.ok then
        unreachable = unreachable + 1
        finding {
          code = "broker-unreachable", severity = "high",
          summary = ("broker %s (%s) is unreachable on port %d: %s"):format(r.broker, r.host, r.port, tostring(r.tcp.reason)),
          detail = { error = r.tcp.error, reason = r.tcp.reason },
        }
      end
      rows[#rows + 1] = {
        broker = r.broker, host = r.host, port = r.port,
        tcp = r.tcp.ok and ("open (%.0f ms)"):format(r.tcp.latency_ms) or tostring(r.tcp.reason),
        tls = tls,
      }
    end
    local own_ports = brokers[1].port ~= nil
    summary_table { title = own_ports and "Connectivity on each broker's port" or ("Connectivity on port %d"):format(p.port),
      columns = { "broker", "host", "port", "tcp", "tls" }, rows = rows }
    if unreachable > 0 then
      log.warn(("%d of %d brokers unreachable: check the security groups' inbound rules for the port from this host, "
        .. "the route from its subnet, and the brokers' state in the console"):format(unreachable, #results))
    end
    return { brokers = #results, unreachable = unreachable }
  end,
}
