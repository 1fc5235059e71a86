import AWSKit
import Foundation
import LuaKit

extension LuaModule {
    /// `cloudwatch`: Amazon CloudWatch metrics and alarms.
    static let cloudWatch = LuaModule("cloudwatch", doc: """
        Amazon CloudWatch. Argument keys become the wire's PascalCase (`alarm_name` → `AlarmName`); `metric` is \
        `MetricName` (or `Metric` when a table); `dimensions` may be a map, `{["Cluster Name"] = "demo", ["Broker ID"] = "1"}` \
        (MSK's dimension names have spaces); times are epoch seconds (`os.time()`). Results keep the wire member names \
        (`Datapoints[1].Maximum`).
        """, awsService: .cloudWatch, functions: [
        operation("get_metric_statistics", .read, "GetMetricStatistics: datapoints of one metric.",
                  #"cloudwatch.get_metric_statistics { namespace = "AWS/Kafka", metric = "CpuUser", dimensions = { ["Cluster Name"] = "demo" }, start_time = os.time() - 3600, end_time = os.time(), period = 60, statistics = { "Maximum" } }"#),
        operation("get_metric_data", .read, "GetMetricData: several metrics or metric math at once.",
                  #"cloudwatch.get_metric_data { metric_data_queries = queries, start_time = t0, end_time = t1 }"#),
        operation("list_metrics", .read, "ListMetrics: the metrics of a namespace.", #"cloudwatch.list_metrics { namespace = "AWS/Kafka" }"#),
        operation("describe_alarms", .read, "DescribeAlarms: alarms by name, prefix or state.",
                  #"cloudwatch.describe_alarms { alarm_name_prefix = "msk-" }"#),
        operation("describe_alarms_for_metric", .read, "DescribeAlarmsForMetric: the alarms on one metric.",
                  #"cloudwatch.describe_alarms_for_metric { namespace = "AWS/Kafka", metric = "CpuUser" }"#),
        operation("put_metric_alarm", .mutate, "PutMetricAlarm: creates or replaces an alarm.",
                  #"cloudwatch.put_metric_alarm { alarm_name = "msk-demo-cpu", namespace = "AWS/Kafka", metric = "CpuUser", threshold = 60 }"#),
        operation("set_alarm_state", .mutate, "SetAlarmState: sets an alarm's state until its next evaluation.",
                  #"cloudwatch.set_alarm_state { alarm_name = "msk-demo-cpu", state_value = "OK", state_reason = "test" }"#),
        .lua("series", effect: .read, parameters: [
            .required("query", .options([
                .required("namespace", .string, "`AWS/Kafka`"), .required("metric", .string, "`CpuUser`"),
                .optional("dimensions", .map(.value), "`{[\"Cluster Name\"] = \"demo\"}`"),
                .optional("stat", .string, default: "Average", "`Average`, `Maximum`, `Minimum`, `Sum`, `SampleCount`"),
                .optional("period", .integer(1...86_400), default: 60, "Seconds per point"),
                .optional("since", .number(0...1e11), "Epoch seconds; default an hour ago"),
                .optional("until", .number(0...1e11), "Epoch seconds; default now"),
                .optional("unit", .string, "The unit to ask for"),
            ]), "Which metric"),
        ], returns: .list(.record(SeriesPointRecord.self)),
             doc: "GetMetricStatistics as a series `{ {time, value}, ... }` sorted by time, for the `metrics` statistics.",
             example: #"local cpu = cloudwatch.series { namespace = "AWS/Kafka", metric = "CpuUser", dimensions = { ["Cluster Name"] = "demo" } }"#),
    ], source: String(decoding: PackageResources.cloudwatch_lua, as: UTF8.self))

    private static func operation(_ name: String, _ effect: Effect, _ doc: String, _ example: String) -> ModuleFunction {
        .aws(name, service: .cloudWatch, effect: effect, parameters: [
            .optional("request", .table, "The request's members in snake_case"),
        ], doc: doc, example: example) { arguments in
            let body = try wireCloudWatch(arguments.table("request"))
            return CloudWatchAPI.request(pascalCase(name), jsonBody: Array(try encodeJSON(body).utf8))
        }
    }
}

/// One point of a series.
struct SeriesPointRecord: LuaRecord {
    static let recordName = "cloudwatch.Point"
    static let example = SeriesPointRecord(time: 1_700_000_000, value: 42.5)
    let time: Double
    let value: Double
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
///
/// A guess: it undoes boto3's name (``BotocoreName``) for every kafka and cloudwatch operation
/// but CloudWatch's `GetOTelEnrichment`, `StartOTelEnrichment` and `StopOTelEnrichment`, which
/// no module names (AWSOperationNameTests). Generated operations look their name up in the model.
func pascalCase(_ name: String) -> String {
    name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
}
