public import AWSKit
public import Foundation
public import HTTPClient
import LuaKit

/// Where AWS calls go and as whom: resolved by the CLI from `--region`, `--profile`,
/// `--endpoint-url`, the environment and the AWS config files.
public struct AWSSettings: Sendable {
    /// The region, when one was found.
    public var region: String?
    /// The base URL of each service (`kafka`, `cloudwatch`), when not the default.
    public var endpoints: [String: URL]
    /// Where credentials come from; called before every attempt, so it should cache.
    public var credentials: @Sendable () async throws -> AWSCredentials
    /// How requests travel; nil for libcurl, started at the first call so runbooks that use
    /// no AWS do not pay for initialising curl and OpenSSL.
    public var transport: (any HTTPTransport)?

    /// Settings with the given parts.
    public init(
        region: String?, endpoints: [String: URL] = [:], transport: (any HTTPTransport)? = nil,
        credentials: @escaping @Sendable () async throws -> AWSCredentials
    ) {
        self.region = region
        self.endpoints = endpoints
        self.transport = transport
        self.credentials = credentials
    }
}

/// The `kafka` and `cloudwatch` Lua modules: snake_case arguments in, the service's
/// JSON (wire member names) out, every call through the dry-run gate.
public enum AWSModules {
    /// Both modules, sharing one retry quota per service.
    public static func modules(_ settings: AWSSettings) -> [PrimitiveModule] {
        let kafka = ServiceCaller(service: KafkaAPI.service, signingName: "kafka", settings: settings)
        let cloudwatch = ServiceCaller(service: CloudWatchAPI.service, signingName: CloudWatchAPI.signingName, settings: settings)
        return [kafkaModule(kafka), cloudWatchModule(cloudwatch)]
    }

    // MARK: kafka

    static func kafkaModule(_ caller: ServiceCaller) -> PrimitiveModule {
        func read(_ name: String, _ build: @escaping @Sendable (Arguments) throws -> AWSOperationRequest) -> Primitive {
            caller.primitive(name, effect: .read, build: build)
        }
        return PrimitiveModule(name: "kafka", primitives: [
            read("describe_cluster") { KafkaAPI.describeCluster(arn: try $0.string(1, "cluster_arn")) },
            read("describe_cluster_v2") { KafkaAPI.describeClusterV2(arn: try $0.string(1, "cluster_arn")) },
            read("list_clusters_v2") { a in
                let o = try a.options(1)
                return KafkaAPI.listClustersV2(nameFilter: try o.string("name_filter"), typeFilter: try o.string("type_filter"),
                                               maxResults: try o.int("max_results"), nextToken: try o.string("next_token"))
            },
            read("list_nodes") { a in
                let o = try a.options(2)
                return KafkaAPI.listNodes(arn: try a.string(1, "cluster_arn"), maxResults: try o.int("max_results"), nextToken: try o.string("next_token"))
            },
            read("get_bootstrap_brokers") { KafkaAPI.getBootstrapBrokers(arn: try $0.string(1, "cluster_arn")) },
            caller.primitive("reboot_broker", effect: .mutate, planned: { request in
                ["clusterArn": .string(request.path.clusterArnFromPath), "clusterOperationArn": "planned"]
            }) { a in
                KafkaAPI.rebootBroker(arn: try a.string(1, "cluster_arn"), brokerIDs: try a.stringList(2, "broker_ids"))
            },
            read("describe_cluster_operation") { KafkaAPI.describeClusterOperation(arn: try $0.string(1, "operation_arn")) },
            read("describe_cluster_operation_v2") { KafkaAPI.describeClusterOperationV2(arn: try $0.string(1, "operation_arn")) },
            read("list_cluster_operations") { a in
                let o = try a.options(2)
                return KafkaAPI.listClusterOperations(arn: try a.string(1, "cluster_arn"), maxResults: try o.int("max_results"), nextToken: try o.string("next_token"))
            },
            read("list_cluster_operations_v2") { a in
                let o = try a.options(2)
                return KafkaAPI.listClusterOperationsV2(arn: try a.string(1, "cluster_arn"), maxResults: try o.int("max_results"), nextToken: try o.string("next_token"))
            },
        ], helpers: kafkaHelpers)
    }

    /// `kafka.brokers` and `kafka.wait_for_operation`, written over the primitives.
    static let kafkaHelpers = #"""
    local kafka, env, G = ...
    local type, error, ipairs, tostring, min = G.type, G.error, G.ipairs, G.tostring, G.math.min
    local list_nodes, describe_operation, sleep, clock = kafka.list_nodes, kafka.describe_cluster_operation, env.sleep, G.os.time

    -- Every broker of a cluster, one entry per node: id, endpoints, subnet, address, instance type.
    function kafka.brokers(cluster_arn)
      local brokers, token = {}, nil
      repeat
        local page = list_nodes(cluster_arn, { next_token = token })
        for _, node in ipairs(page.nodeInfoList or {}) do
          local info = node.brokerNodeInfo
          if info then
            brokers[#brokers + 1] = {
              id = info.brokerId and tostring(G.math.tointeger(info.brokerId) or info.brokerId),
              endpoints = info.endpoints or {}, subnet = info.clientSubnet, address = info.clientVpcIpAddress,
              instance_type = node.instanceType, node_arn = node.nodeARN,
            }
          end
        end
        token = page.nextToken
      until token == nil
      G.table.sort(brokers, function(a, b) return (G.tonumber(a.id) or 0) < (G.tonumber(b.id) or 0) end)
      return brokers
    end

    -- Polls DescribeClusterOperation until the operation ends; returns its final info.
    -- A planned operation (a dry run's reboot) returns at once.
    function kafka.wait_for_operation(operation, options)
      options = options or {}
      if type(operation) == "table" then
        if operation.planned then return { planned = true, operationState = "PLANNED" } end
        operation = operation.clusterOperationArn
      end
      if type(operation) ~= "string" then error("kafka.wait_for_operation: expected an operation ARN", 2) end
      local deadline = clock() + (options.timeout or 1800)
      local delay = options.interval or 5
      while true do
        local info = describe_operation(operation).clusterOperationInfo or {}
        local state = info.operationState or ""
        if state:find("COMPLETE$") or state:find("FAILED$") or state == "FAILED" then return info end
        if clock() + delay > deadline then
          error(("kafka.wait_for_operation: %s still %s after %ss"):format(operation, state, options.timeout or 1800), 2)
        end
        sleep(delay)
        delay = min(delay * 2, options.max_interval or 60)
      end
    end
    """#

    // MARK: cloudwatch

    static func cloudWatchModule(_ caller: ServiceCaller) -> PrimitiveModule {
        let operations: [(String, String, PrimitiveEffect)] = [
            ("get_metric_statistics", "GetMetricStatistics", .read), ("get_metric_data", "GetMetricData", .read),
            ("list_metrics", "ListMetrics", .read), ("describe_alarms", "DescribeAlarms", .read),
            ("describe_alarms_for_metric", "DescribeAlarmsForMetric", .read),
            ("put_metric_alarm", "PutMetricAlarm", .mutate), ("set_alarm_state", "SetAlarmState", .mutate),
        ]
        return PrimitiveModule(name: "cloudwatch", primitives: operations.map { name, operation, effect in
            caller.primitive(name, effect: effect) { arguments in
                let body = try wireCloudWatch(try arguments.options(1).table)
                return CloudWatchAPI.request(operation, jsonBody: Array(try encodeJSON(body).utf8))
            }
        }, helpers: cloudWatchHelpers)
    }

    /// `cloudwatch.series`: one metric's datapoints, sorted by time.
    static let cloudWatchHelpers = #"""
    local cloudwatch, env, G = ...
    local ipairs, time, sort = G.ipairs, G.os.time, G.table.sort

    function cloudwatch.series(query)
      local stat = query.stat or "Average"
      local now = time()
      local answer = cloudwatch.get_metric_statistics {
        namespace = query.namespace, metric = query.metric, dimensions = query.dimensions,
        start_time = query.since or (now - 3600), end_time = query["until"] or now,
        period = query.period or 60, statistics = { stat }, unit = query.unit,
      }
      local points = {}
      for _, datapoint in ipairs(answer.Datapoints or {}) do
        points[#points + 1] = { time = datapoint.Timestamp, value = datapoint[stat] }
      end
      sort(points, function(a, b) return a.time < b.time end)
      return points
    end
    """#
}

/// snake_case keys to CloudWatch's PascalCase wire names; `metric` is `MetricName` when a
/// string and `Metric` when a table; `dimensions` given as a map become `[{Name, Value}]`.
func wireCloudWatch(_ table: LuaTable) throws -> LuaValue {
    var wire = LuaTable(array: try table.array.map { try wireCloudWatchValue($0) })
    for (key, value) in table.fields {
        guard let name = key.stringValue else { throw LuaHostError("argument keys must be strings, got \(key)") }
        switch (name, value) {
        case ("metric", .string): wire.fields["MetricName"] = value
        case ("dimensions", .table(let dimensions)) where dimensions.array.isEmpty:
            wire.fields["Dimensions"] = .table(LuaTable(array: dimensions.fields.sorted { $0.key.description < $1.key.description }.map { key, value in
                ["Name": key, "Value": .string(value.plainText)]
            }))
        default: wire.fields[.string(pascalCase(name))] = try wireCloudWatchValue(value)
        }
    }
    return .table(wire)
}

private func wireCloudWatchValue(_ value: LuaValue) throws -> LuaValue {
    guard case .table(let table) = value else { return value }
    return try wireCloudWatch(table)
}

/// `alarm_name` → `AlarmName`; names already in PascalCase stay as they are.
func pascalCase(_ name: String) -> String {
    name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
}

/// Builds primitives for one service: arguments checked, the exact request built, and a
/// send that retries and reports each attempt.
struct ServiceCaller: Sendable {
    let service: String
    let signingName: String
    let settings: AWSSettings
    let quota = RetryQuota()

    func primitive(
        _ name: String, effect: PrimitiveEffect, planned: @escaping @Sendable (AWSOperationRequest) -> LuaValue = { _ in [:] },
        build: @escaping @Sendable (Arguments) throws -> AWSOperationRequest
    ) -> Primitive {
        let operationName = Self.operationName(name)
        return Primitive(name: name, service: service, operation: operationName, effect: effect) { values in
            let request = try build(Arguments(values: values))
            var shown: LuaValue = ["method": .string(request.method), "path": .string(request.path)]
            if !request.query.isEmpty { shown = shown.setting("query", .string(request.query)) }
            if !request.body.isEmpty {
                shown = shown.setting("body", (try? JSONDecoder().decode(LuaValue.self, from: Data(request.body))) ?? .string(request.bodyText))
            }
            return PreparedCall(request: shown, planned: planned(request)) { reporter in
                let client = try client()
                let response = try await client.send(request) { attempt in
                    reporter.attempt(CallAttempt(
                        number: attempt.number, httpStatus: attempt.status, error: attempt.error, requestID: attempt.requestID,
                        durationMs: milliseconds(attempt.duration), retryAfterMs: attempt.retryAfter.map(milliseconds)))
                }
                let value: LuaValue
                do {
                    value = response.body.isEmpty ? .table(LuaTable()) : try JSONDecoder().decode(LuaValue.self, from: Data(response.body))
                } catch {
                    throw LuaHostError("\(service).\(request.operation): the answer is not valid JSON (request id \(response.requestID ?? "none"))")
                }
                return PrimitiveResult(value, requestID: response.requestID)
            }
        }
    }

    private func client() throws -> AWSServiceClient {
        guard let region = settings.region, !region.isEmpty else {
            throw PrimitiveConfigurationError("no AWS region: set AWS_REGION or a profile region, or pass --region")
        }
        let endpoint = settings.endpoints[service] ?? URL(string: "https://\(signingName).\(region).amazonaws.com")
        guard let endpoint else { throw PrimitiveConfigurationError("no endpoint for \(service) in \(region)") }
        return AWSServiceClient(service: service, signingName: signingName, region: region, endpoint: endpoint,
                                transport: settings.transport ?? CurlTransport.shared, quota: quota, credentials: settings.credentials)
    }

    /// `describe_cluster_v2` → `DescribeClusterV2`.
    static func operationName(_ name: String) -> String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

/// A primitive's Lua arguments, with errors that name the argument.
struct Arguments {
    let values: [LuaValue]

    func value(_ index: Int) -> LuaValue { index <= values.count ? values[index - 1] : .nil }

    func string(_ index: Int, _ name: String) throws -> String {
        guard case .string(let s) = value(index), !s.isEmpty else {
            throw LuaHostError("bad argument #\(index) (\(name)): expected a non-empty string, got \(value(index).typeName)")
        }
        return s
    }

    /// A list of strings; numbers are accepted and written as integers (`1` → `"1"`), one value as a list of one.
    func stringList(_ index: Int, _ name: String) throws -> [String] {
        let items: [LuaValue]
        switch value(index) {
        case .table(let t) where t.fields.isEmpty && !t.array.isEmpty: items = t.array
        case .string, .integer, .number: items = [value(index)]
        default: throw LuaHostError("bad argument #\(index) (\(name)): expected a list of ids, got \(value(index).typeName)")
        }
        return try items.map { item in
            switch item {
            case .string(let s): return s
            case .integer(let i): return String(i)
            case .number(let d) where d == d.rounded(): return String(Int64(d))
            default: throw LuaHostError("bad argument #\(index) (\(name)): \(item) is not an id")
            }
        }
    }

    func options(_ index: Int) throws -> Options {
        switch value(index) {
        case .nil: return Options(table: LuaTable())
        case .table(let t): return Options(table: t)
        default: throw LuaHostError("bad argument #\(index) (options): expected a table, got \(value(index).typeName)")
        }
    }

    struct Options {
        let table: LuaTable

        func string(_ key: String) throws -> String? {
            switch table[.string(key)] {
            case .nil: return nil
            case .string(let s): return s
            case let other: throw LuaHostError("\(key) must be a string, got \(other.typeName)")
            }
        }

        func int(_ key: String) throws -> Int? {
            switch table[.string(key)] {
            case .nil: return nil
            case let value:
                guard let i = value.intValue else { throw LuaHostError("\(key) must be an integer, got \(value)") }
                return Int(i)
            }
        }
    }
}

extension LuaValue {
    fileprivate func setting(_ key: String, _ value: LuaValue) -> LuaValue {
        guard case .table(var table) = self else { return self }
        table.fields[.string(key)] = value
        return .table(table)
    }
}

extension String {
    /// The cluster ARN from a `/v1/clusters/{arn}/...` path, decoded.
    fileprivate var clusterArnFromPath: String {
        let parts = split(separator: "/")
        guard parts.count >= 3 else { return "" }
        return String(parts[2]).removingPercentEncoding ?? String(parts[2])
    }
}

private func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}
