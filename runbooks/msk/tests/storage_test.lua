-- msk.storage against stubs: flat disks, a high disk, a disk filling fast, and the six-hour
-- rule MSK puts on storage updates.
local arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"

local function advice(result)
  for _, f in ipairs(result.findings) do if f.code == nil then return f.summary end end
end

-- KafkaDataLogsDiskUsed per broker: `disks[id] = { now = percent, per_hour = points }` over the last hour.
local function stub_disks(disks)
  stub.aws("cloudwatch", "get_metric_statistics", function(input)
    return input.MetricName == "KafkaDataLogsDiskUsed"
  end, function(input)
    local id
    for _, dimension in ipairs(input.Dimensions) do
      if dimension.Name == "Broker ID" then id = dimension.Value end
    end
    local disk, points, now = disks[id], {}, os.time()
    for i = 0, 12 do
      local age = (12 - i) * 300
      points[#points + 1] = { Timestamp = now - age, Maximum = disk.now - disk.per_hour * age / 3600 }
    end
    return { Datapoints = points }
  end)
end

local function operations(list)
  stub.aws("kafka", "list_cluster_operations", { ClusterArn = arn }, { clusterOperationInfoList = list })
end

describe("msk.storage", function()
  before_each(function()
    stub.aws("kafka", "describe_cluster", { ClusterArn = arn }, { clusterInfo = {
      clusterArn = arn, clusterName = "demo", state = "ACTIVE",
      brokerNodeGroupInfo = { storageInfo = { ebsStorageInfo = { volumeSize = 1000 } } },
    } })
    stub.aws("kafka", "list_nodes", { ClusterArn = arn }, { nodeInfoList = {
      { brokerNodeInfo = { brokerId = 1, endpoints = { "b-1.demo" } } },
      { brokerNodeInfo = { brokerId = 2, endpoints = { "b-2.demo" } } },
    } })
    operations {}
  end)

  it("finds nothing when the disks are low and flat", function()
    stub_disks { ["1"] = { now = 40, per_hour = 0 }, ["2"] = { now = 42, per_hour = 0 } }
    local result = run_runbook("msk.storage", { cluster_arn = arn })
    assert.are.equal("ok", result.status)
    assert.are.same({}, result.findings)
  end)

  it("reports a disk over the threshold as disk-high, and how big to grow", function()
    stub_disks { ["1"] = { now = 40, per_hour = 0 }, ["2"] = { now = 84, per_hour = 0 } }
    local result = run_runbook("msk.storage", { cluster_arn = arn })
    assert.are.same({ "disk-high" }, result.codes)
    assert.matches("broker 2's data disk is 84%.0%% used", result.findings[1].summary)
    assert.matches("from 1000 GiB to at least 1400 GiB", advice(result))
    assert.matches("allowed now", advice(result))
  end)

  it("reports a disk that fills within the horizon as disk-full-soon", function()
    stub_disks { ["1"] = { now = 70, per_hour = 2 }, ["2"] = { now = 41, per_hour = 0 } }
    local result = run_runbook("msk.storage", { cluster_arn = arn, horizon = 48 })
    assert.are.same({ "disk-full-soon" }, result.codes)
    assert.matches("full in about 15%.0 hours", result.findings[1].summary)
  end)

  it("says when the next expansion is allowed after a recent storage update", function()
    stub_disks { ["1"] = { now = 91, per_hour = 1 }, ["2"] = { now = 41, per_hour = 0 } }
    local updated = os.time() - 2 * 3600
    operations { { operationArn = "arn:op", operationType = "UPDATE_BROKER_STORAGE", operationState = "UPDATE_COMPLETE",
                   creationTime = updated - 600, endTime = updated } }
    local result = run_runbook("msk.storage", { cluster_arn = arn })
    assert.are.same({ "disk-full-soon", "disk-high" }, result.codes)
    local allowed = os.date("!%Y-%m-%d %H:%M", updated + 6 * 3600)
    assert.matches("allowed after " .. (allowed:gsub("%-", "%%-")) .. " UTC", advice(result))
  end)
end)
