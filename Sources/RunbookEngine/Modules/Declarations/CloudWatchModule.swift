import AWSKit
import LuaKit

extension LuaModule {
    /// `cloudwatch`: Amazon CloudWatch metrics and alarms.
    static let cloudWatch = LuaModule("cloudwatch", doc: """
        Amazon CloudWatch, over the generated `aws.cloudwatch` operations: the same requests, dry-run classes \
        and journal. Argument keys are boto3's snake_case names of the model's members (`alarm_name` → \
        `AlarmName`, `ok_actions` → `OKActions`), or the members' own names; `metric` is \
        `MetricName` (or `Metric` when a table); `dimensions` may be a map, `{["Cluster Name"] = "demo", ["Broker ID"] = "1"}` \
        (MSK's dimension names have spaces); times are epoch seconds (`os.time()`). Results keep the wire member names \
        (`Datapoints[1].Maximum`).
        """, awsService: .cloudWatch, functions: [
        operation("GetMetricStatistics", "GetMetricStatistics: datapoints of one metric.",
                  #"cloudwatch.get_metric_statistics { namespace = "AWS/Kafka", metric = "CpuUser", dimensions = { ["Cluster Name"] = "demo" }, start_time = os.time() - 3600, end_time = os.time(), period = 60, statistics = { "Maximum" } }"#),
        operation("GetMetricData", "GetMetricData: several metrics or metric math at once.",
                  #"cloudwatch.get_metric_data { metric_data_queries = queries, start_time = t0, end_time = t1 }"#),
        operation("ListMetrics", "ListMetrics: the metrics of a namespace.", #"cloudwatch.list_metrics { namespace = "AWS/Kafka" }"#),
        operation("DescribeAlarms", "DescribeAlarms: alarms by name, prefix or state.",
                  #"cloudwatch.describe_alarms { alarm_name_prefix = "msk-" }"#),
        operation("DescribeAlarmsForMetric", "DescribeAlarmsForMetric: the alarms on one metric.",
                  #"cloudwatch.describe_alarms_for_metric { namespace = "AWS/Kafka", metric = "CpuUser" }"#),
        operation("PutMetricAlarm", "PutMetricAlarm: creates or replaces an alarm.",
                  #"cloudwatch.put_metric_alarm { alarm_name = "msk-demo-cpu", namespace = "AWS/Kafka", metric = "CpuUser", threshold = 60 }"#),
        operation("SetAlarmState", "SetAlarmState: sets an alarm's state until its next evaluation.",
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

    /// An operation of the `cloudwatch` model taking its input as one table; `metric` names the
    /// metric (`MetricName`) wherever the shape has that member, and `Metric` elsewhere.
    private static func operation(_ operation: String, _ doc: String, _ example: String) -> ModuleFunction {
        .aws(operation, client: "cloudwatch", parameters: [
            .optional("request", .table, "The request's members in snake_case"),
        ], renames: ["metric": "MetricName"], doc: doc, example: example)
    }
}

/// One point of a series.
struct SeriesPointRecord: LuaRecord {
    static let recordName = "cloudwatch.Point"
    static let example = SeriesPointRecord(time: 1_700_000_000, value: 42.5)
    let time: Double
    let value: Double
}
