-- Hold an MSK cluster against the seed's design decisions. Read-only: every call is a
-- Describe, List or Head, so a live run and a dry run do the same.
return runbook {
  name = "msk.audit",
  version = "1.0.0",
  description = [[Audit an MSK cluster against the seed's design: security groups, subnets, configuration, logging, alarms
Each check ends as passed, as a finding with its code, or as skipped when it does not apply; a table closes the run.
- sg-open-world (high): a broker security group admits 0.0.0.0/0 or ::/0 to 9092, 9094, 9096, 9098,
  2181 or 2182. A rule counts when its protocol is -1 (all traffic) or TCP with a port range holding one.
- sg-not-separated (low): the brokers have one security group, or a broker group admits both broker
  groups (internal traffic) and anything else (CIDR ranges, prefix lists, other groups: clients).
- subnets-az: the client subnets span one Availability Zone (high) or two (medium), or the broker
  count is not a multiple of the zone count (medium).
- config-default (low): the brokers run MSK's default configuration.
  config-revision-behind (info): the custom configuration has a newer revision than the one in use.
- logging-disabled (medium): broker logs go to neither CloudWatch Logs, S3 nor Firehose.
  logging-target-missing (high): the log group or bucket named does not exist. Firehose streams are
  not checked (no Firehose client).
- alarm-missing-cpu, alarm-missing-storage (medium): some broker has no alarm on AWS/Kafka CpuUser or
  KafkaDataLogsDiskUsed with exactly the dimensions Cluster Name and Broker ID. Metric-math alarms
  are not counted.
- alarm-no-action (medium): such an alarm has actions disabled, no SNS alarm action, or none of its
  topics has a confirmed subscription.]],
  params = {
    cluster_arn = { type = "string", required = true, doc = "MSK cluster ARN" },
  },
  limits = { timeout = 300 },

  run = function(p)
    local CLIENT_PORTS = { 9092, 9094, 9096, 9098, 2181, 2182 }
    local rows = {}

    -- One row per check; a failed check is also a finding, a passed one a log line, so the
    -- journal holds every verdict with its code.
    local function verdict(code, severity, problem, detail)
      if problem then
        finding { code = code, severity = severity, summary = problem, detail = detail }
        rows[#rows + 1] = { check = code, status = "finding", severity = severity, detail = problem }
      else
        log.info(code .. ": passed", { check = code, status = "passed", detail = detail })
        rows[#rows + 1] = { check = code, status = "passed", detail = detail or "" }
      end
    end
    local function skipped(code, why)
      log.info(code .. ": skipped, " .. why, { check = code, status = "skipped" })
      rows[#rows + 1] = { check = code, status = "skipped", detail = why }
    end

    local cluster = step("Describe the cluster", function()
      local info = aws.kafka.describe_cluster_v2 { ClusterArn = p.cluster_arn }.clusterInfo
      if not info.provisioned then
        fail(("msk.audit audits provisioned clusters; %s is %s"):format(info.clusterName, tostring(info.clusterType)))
      end
      return info
    end)
    local provisioned = cluster.provisioned
    local group_info = provisioned.brokerNodeGroupInfo

    local brokers = step("List the brokers", function()
      -- KRaft controllers are nodes too, without broker info; kafka.brokers keeps the brokers only.
      local ids = {}
      for _, broker in ipairs(kafka.brokers(p.cluster_arn)) do ids[#ids + 1] = broker.id end
      return ids
    end)

    step("Security groups", function()
      local ids = group_info.securityGroups or {}
      if #ids == 0 then
        skipped("sg-open-world", "the brokers have no security group")
        skipped("sg-not-separated", "the brokers have no security group")
        return
      end
      local groups = aws.ec2.describe_security_groups { GroupIds = ids }.securityGroupInfo or {}
      local broker_group = {}
      for _, id in ipairs(ids) do broker_group[id] = true end

      local function admits(rule, port)
        if rule.ipProtocol == "-1" then return true end
        if rule.ipProtocol ~= "tcp" and rule.ipProtocol ~= "6" then return false end
        return (rule.fromPort or 0) <= port and port <= (rule.toPort or 65535)
      end
      local function world(rule)
        for _, range in ipairs(rule.ipRanges or {}) do
          if range.cidrIp == "0.0.0.0/0" then return range.cidrIp end
        end
        for _, range in ipairs(rule.ipv6Ranges or {}) do
          if range.cidrIpv6 == "::/0" then return range.cidrIpv6 end
        end
      end

      local open, mixed = {}, {}
      for _, group in ipairs(groups) do
        local internal, external = false, false
        for _, rule in ipairs(group.ipPermissions or {}) do
          local source = world(rule)
          if source then
            for _, port in ipairs(CLIENT_PORTS) do
              if admits(rule, port) then open[#open + 1] = ("%s admits %s to %d"):format(group.groupId, source, port) end
            end
          end
          for _, pair in ipairs(rule.groups or {}) do
            if broker_group[pair.groupId] then internal = true else external = true end
          end
          if #(rule.ipRanges or {}) + #(rule.ipv6Ranges or {}) + #(rule.prefixListIds or {}) > 0 then external = true end
        end
        if internal and external then mixed[#mixed + 1] = group.groupId end
      end

      verdict("sg-open-world", "high",
        #open > 0 and ("a broker security group admits the whole internet: %s"):format(table.concat(open, "; ")) or nil,
        #open == 0 and ("%d group(s), none open to 0.0.0.0/0 or ::/0 on a client or ZooKeeper port"):format(#groups) or nil)
      local separation
      if #ids == 1 then
        separation = ("the brokers have one security group (%s), which serves both brokers and clients"):format(ids[1])
      elseif #mixed > 0 then
        separation = ("security group(s) %s admit both broker groups and other sources"):format(table.concat(mixed, ", "))
      end
      verdict("sg-not-separated", "low", separation,
        not separation and ("internal and client traffic in separate groups: %s"):format(table.concat(ids, ", ")) or nil)
    end)

    step("Subnets and Availability Zones", function()
      local subnets = aws.ec2.describe_subnets { SubnetIds = group_info.clientSubnets }.subnetSet or {}
      local zones, names = {}, {}
      for _, subnet in ipairs(subnets) do
        if not zones[subnet.availabilityZone] then
          zones[subnet.availabilityZone] = true
          names[#names + 1] = subnet.availabilityZone
        end
      end
      table.sort(names)
      local count, brokers_configured = #names, provisioned.numberOfBrokerNodes or #brokers
      local problems = {}
      if count < 3 then
        problems[#problems + 1] = ("the client subnets span %d Availability Zone%s (%s), not three")
          :format(count, count == 1 and "" or "s", table.concat(names, ", "))
      end
      if count > 0 and brokers_configured % count ~= 0 then
        problems[#problems + 1] = ("%d brokers do not divide evenly over %d zones"):format(brokers_configured, count)
      end
      verdict("subnets-az", count <= 1 and "high" or "medium",
        #problems > 0 and table.concat(problems, "; ") or nil,
        #problems == 0 and ("%d brokers over %s"):format(brokers_configured, table.concat(names, ", ")) or nil)
    end)

    step("Configuration", function()
      local software = provisioned.currentBrokerSoftwareInfo or {}
      if not software.configurationArn then
        verdict("config-default", "low", "the brokers run MSK's default configuration, not a custom one")
        skipped("config-revision-behind", "no custom configuration")
        return
      end
      verdict("config-default", "low", nil, software.configurationArn)
      local latest = aws.kafka.describe_configuration { Arn = software.configurationArn }.latestRevision.revision
      local used = software.configurationRevision
      verdict("config-revision-behind", "info",
        latest > used and ("the brokers use revision %d of their configuration; revision %d is the latest"):format(used, latest) or nil,
        latest <= used and ("revision %d, the latest"):format(used) or nil)
    end)

    step("Broker logs", function()
      local logs = (provisioned.loggingInfo or {}).brokerLogs or {}
      local cw, s3, firehose = logs.cloudWatchLogs or {}, logs.s3 or {}, logs.firehose or {}
      if not (cw.enabled or s3.enabled or firehose.enabled) then
        verdict("logging-disabled", "medium", "broker logs go to neither CloudWatch Logs, S3 nor Firehose")
        skipped("logging-target-missing", "no log target")
        return
      end
      local targets = {}
      if cw.enabled then targets[#targets + 1] = "log group " .. tostring(cw.logGroup) end
      if s3.enabled then targets[#targets + 1] = "bucket " .. tostring(s3.bucket) end
      if firehose.enabled then targets[#targets + 1] = "Firehose stream " .. tostring(firehose.deliveryStream) .. " (not checked)" end
      verdict("logging-disabled", "medium", nil, table.concat(targets, ", "))

      local missing = {}
      if cw.enabled then
        local found = false
        local groups = aws.logs.describe_log_groups { logGroupNamePrefix = cw.logGroup, paginate = true }.logGroups
        for _, group in ipairs(groups or {}) do found = found or group.logGroupName == cw.logGroup end
        if not found then missing[#missing + 1] = "log group " .. tostring(cw.logGroup) end
      end
      if s3.enabled then
        local ok, err = pcall(aws.s3.head_bucket, { Bucket = s3.bucket })
        -- Only "not found" is a verdict; a denied or failed call says nothing about the bucket.
        if not ok and not tostring(err):find("(HTTP 404", 1, true) then error(err, 0) end
        if not ok then missing[#missing + 1] = "bucket " .. tostring(s3.bucket) end
      end
      verdict("logging-target-missing", "high",
        #missing > 0 and ("broker logs go to a missing %s"):format(table.concat(missing, " and a missing ")) or nil,
        #missing == 0 and "every CloudWatch Logs and S3 target exists" or nil)
    end)

    step("Alarms", function()
      local metrics = {
        { name = "CpuUser", code = "alarm-missing-cpu" },
        { name = "KafkaDataLogsDiskUsed", code = "alarm-missing-storage" },
      }
      local queries = {}
      for _, metric in ipairs(metrics) do
        for _, broker in ipairs(brokers) do queries[#queries + 1] = { metric = metric, broker = broker } end
      end
      local covering = each(queries, function(pair)
        local answer = aws.cloudwatch.describe_alarms_for_metric {
          Namespace = "AWS/Kafka", MetricName = pair.metric.name,
          Dimensions = { { Name = "Cluster Name", Value = cluster.clusterName }, { Name = "Broker ID", Value = pair.broker } },
        }
        -- CloudWatch matches the dimensions itself; checking them again keeps an alarm on
        -- another broker or cluster from counting if an endpoint does not (moto does not).
        local found = {}
        for _, alarm in ipairs(answer.MetricAlarms or {}) do
          local dims = {}
          for _, d in ipairs(alarm.Dimensions or {}) do dims[d.Name] = d.Value end
          if alarm.Namespace == "AWS/Kafka" and alarm.MetricName == pair.metric.name and #(alarm.Dimensions or {}) == 2
              and dims["Cluster Name"] == cluster.clusterName and dims["Broker ID"] == pair.broker then
            found[#found + 1] = alarm
          end
        end
        return found
      end)

      local alarms, names = {}, {}
      for _, metric in ipairs(metrics) do
        local uncovered = {}
        for i, pair in ipairs(queries) do
          if pair.metric == metric then
            if #covering[i] == 0 then uncovered[#uncovered + 1] = pair.broker end
            for _, alarm in ipairs(covering[i]) do
              if not alarms[alarm.AlarmName] then names[#names + 1] = alarm.AlarmName end
              alarms[alarm.AlarmName] = alarm
            end
          end
        end
        verdict(metric.code, "medium",
          #uncovered > 0 and ("no %s alarm covers broker%s %s"):format(metric.name, #uncovered == 1 and "" or "s", table.concat(uncovered, ", ")) or nil,
          #uncovered == 0 and ("every broker (%d) has a %s alarm"):format(#brokers, metric.name) or nil)
      end

      if #names == 0 then return skipped("alarm-no-action", "no broker alarm") end
      local subscribed = {}
      local function has_subscription(topic)
        if subscribed[topic] == nil then
          local ok, answer = pcall(aws.sns.list_subscriptions_by_topic, { TopicArn = topic, paginate = true })
          if not ok and not tostring(answer):find("NotFound", 1, true) then error(answer, 0) end
          subscribed[topic] = false
          for _, sub in ipairs(ok and answer.Subscriptions or {}) do
            if sub.SubscriptionArn ~= "PendingConfirmation" and sub.SubscriptionArn ~= "Deleted" then subscribed[topic] = true end
          end
        end
        return subscribed[topic]
      end
      table.sort(names)
      local silent = {}
      for _, name in ipairs(names) do
        local alarm, topics, heard = alarms[name], {}, false
        for _, action in ipairs(alarm.AlarmActions or {}) do
          if action:find(":sns:", 1, true) then topics[#topics + 1] = action end
        end
        for _, topic in ipairs(topics) do heard = heard or has_subscription(topic) end
        if alarm.ActionsEnabled == false then
          silent[#silent + 1] = name .. " (actions disabled)"
        elseif #topics == 0 then
          silent[#silent + 1] = name .. " (no SNS action)"
        elseif not heard then
          silent[#silent + 1] = ("%s (no subscription on %s)"):format(name, table.concat(topics, ", "))
        end
      end
      verdict("alarm-no-action", "medium",
        #silent > 0 and ("%d of %d broker alarms reach no one"):format(#silent, #names) or nil,
        #silent > 0 and silent or ("%d alarm(s), each with a subscribed SNS topic"):format(#names))
    end)

    return step("Summary", function()
      local shown = {}
      for _, row in ipairs(rows) do
        shown[#shown + 1] = { row.check, row.status == "finding" and row.severity:upper() or row.status, row.detail }
      end
      summary_table { title = "Audit", columns = { "check", "status", "detail" }, rows = shown }
      return rows
    end)
  end,
}
