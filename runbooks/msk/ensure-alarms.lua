-- Put right what msk.audit reports as alarm-missing-cpu and alarm-missing-storage. The alarms
-- have names made from the cluster, broker and metric, so a second run finds them and sends nothing.
return runbook {
  name = "msk.ensure-alarms",
  version = "1.0.0",
  description = [[Create the missing CpuUser and KafkaDataLogsDiskUsed alarms of each broker of an MSK cluster
Each broker gets two alarms on AWS/Kafka with the dimensions Cluster Name and Broker ID, named
"MSK <cluster> broker <id> CpuUser" and "MSK <cluster> broker <id> KafkaDataLogsDiskUsed", alarming
on the Average at or over the threshold for 3 periods in a row, with topic_arn as the alarm action.
An alarm of that name that already matches is left alone; one that differs (threshold, period,
topic, ...) is put again with these settings. Alarms of other names are neither counted nor touched:
this runbook owns the alarms it names. A second run changes nothing and says so. A dry run plans
the exact PutMetricAlarm requests and sends none.]],
  params = {
    cluster_arn    = { type = "string", required = true, doc = "MSK cluster ARN" },
    topic_arn      = { type = "string", required = true, doc = "The SNS topic the alarms notify" },
    cpu_threshold  = { type = "number", default = 60, doc = "CpuUser percent that alarms" },
    disk_threshold = { type = "number", default = 80, doc = "KafkaDataLogsDiskUsed percent that alarms" },
    period         = { type = "integer", default = 300, doc = "Seconds per evaluation period (60 or a multiple of it)" },
  },
  limits = { timeout = 300 },

  run = function(p)
    if p.period < 60 or p.period % 60 ~= 0 then fail("period must be 60 seconds or a multiple of 60") end

    local cluster = step("Describe the cluster", function()
      return aws.kafka.describe_cluster_v2 { ClusterArn = p.cluster_arn }.clusterInfo
    end)

    local brokers = step("List the brokers", function()
      -- KRaft controllers are nodes too, without broker info; kafka.brokers keeps the brokers only.
      local ids = {}
      for _, broker in ipairs(kafka.brokers(p.cluster_arn)) do ids[#ids + 1] = broker.id end
      if #ids == 0 then fail("cluster " .. cluster.clusterName .. " has no brokers") end
      return ids
    end)

    step("Check the topic exists", function()
      aws.sns.get_topic_attributes { TopicArn = p.topic_arn }
    end)

    local prefix = ("MSK %s broker "):format(cluster.clusterName)
    local wanted = {}
    for _, broker in ipairs(brokers) do
      for _, metric in ipairs({ { "CpuUser", p.cpu_threshold }, { "KafkaDataLogsDiskUsed", p.disk_threshold } }) do
        wanted[#wanted + 1] = {
          AlarmName = ("%s%s %s"):format(prefix, broker, metric[1]),
          AlarmDescription = ("%s of broker %s of MSK cluster %s, put by msk.ensure-alarms"):format(metric[1], broker, cluster.clusterName),
          ActionsEnabled = true,
          AlarmActions = { p.topic_arn },
          Namespace = "AWS/Kafka",
          MetricName = metric[1],
          Dimensions = { { Name = "Cluster Name", Value = cluster.clusterName }, { Name = "Broker ID", Value = broker } },
          Statistic = "Average",
          Period = p.period,
          EvaluationPeriods = 3,
          Threshold = metric[2],
          ComparisonOperator = "GreaterThanOrEqualToThreshold",
          TreatMissingData = "missing",
        }
      end
    end

    local existing = step("Read the alarms this runbook names", function()
      local found = {}
      local answer = aws.cloudwatch.describe_alarms { AlarmNamePrefix = prefix, AlarmTypes = { "MetricAlarm" }, paginate = true }
      for _, alarm in ipairs(answer.MetricAlarms or {}) do found[alarm.AlarmName] = alarm end
      return found
    end)

    -- The members a put sets, compared with what CloudWatch holds; any difference means a put.
    local function differences(want, have)
      if not have then return { "missing" } end
      local diff = {}
      for _, member in ipairs({ "Namespace", "MetricName", "Statistic", "Period", "EvaluationPeriods", "Threshold",
                                "ComparisonOperator", "TreatMissingData", "ActionsEnabled", "AlarmDescription" }) do
        if want[member] ~= have[member] then diff[#diff + 1] = member end
      end
      local actions = have.AlarmActions or {}
      if #actions ~= 1 or actions[1] ~= p.topic_arn then diff[#diff + 1] = "AlarmActions" end
      local dims = {}
      for _, d in ipairs(have.Dimensions or {}) do dims[d.Name] = d.Value end
      if #(have.Dimensions or {}) ~= 2 or dims["Cluster Name"] ~= want.Dimensions[1].Value
          or dims["Broker ID"] ~= want.Dimensions[2].Value then
        diff[#diff + 1] = "Dimensions"
      end
      return diff
    end

    return step("Put the missing alarms", function()
      local put, unchanged, rows = {}, 0, {}
      for _, alarm in ipairs(wanted) do
        local diff = differences(alarm, existing[alarm.AlarmName])
        if #diff == 0 then
          unchanged = unchanged + 1
          rows[#rows + 1] = { alarm.AlarmName, alarm.Threshold, "unchanged" }
        else
          local answer = aws.cloudwatch.put_metric_alarm(alarm)
          local action = answer.planned and "would put" or "put"
          log.info(("%s %s (%s)"):format(action, alarm.AlarmName, table.concat(diff, ", ")))
          put[#put + 1] = { alarm = alarm.AlarmName, why = table.concat(diff, ", ") }
          rows[#rows + 1] = { alarm.AlarmName, alarm.Threshold, ("%s (%s)"):format(action, table.concat(diff, ", ")) }
        end
      end
      if #put == 0 then
        log.info(("nothing to change: all %d alarms exist as wanted"):format(unchanged))
      end
      summary_table { title = "Alarms", columns = { "alarm", "threshold", "action" }, rows = rows }
      return { put = put, unchanged = unchanged, planned = run.dry_run }
    end)
  end,
}
