import LuaKit
import Probes

/// `metrics` (the Prometheus text format and statistics over series) and `msk` (its
/// connection strings): pure functions with no I/O, so no primitive class and nothing to
/// plan in a dry run.
enum MetricsBindings {
    static func metrics() -> [LuaHostFunction] {
        [
            LuaHostFunction("metrics.parse") { call in
                let text = try call.string(1, "text")
                let parsed = try PrometheusText(parsing: text)
                return .values([.table(LuaTable(array: parsed.families.map(familyValue)))])
            },
            statistic("metrics.min") { SeriesStatistics.minimum(of: $0) },
            statistic("metrics.max") { SeriesStatistics.maximum(of: $0) },
            statistic("metrics.mean") { SeriesStatistics.mean(of: $0) },
            statistic("metrics.rate") { SeriesStatistics.rate(of: $0) },
            LuaHostFunction("metrics.percentile") { call in
                let series = try points(call, 1)
                let p = try call.number(2, "p")
                guard (0...100).contains(p) else { throw LuaHostError("bad argument #2 (p): expected 0 to 100, got \(p)") }
                return .values([SeriesStatistics.percentile(p, of: series).map(LuaValue.number) ?? .nil])
            },
            LuaHostFunction("metrics.trend") { call in
                guard let trend = SeriesStatistics.trend(of: try points(call, 1)) else { return .values([.nil]) }
                return .values([["slope": .number(trend.slope), "intercept": .number(trend.intercept)]])
            },
            LuaHostFunction("metrics.time_to_threshold") { call in
                let series = try points(call, 1)
                let threshold = try call.number(2, "threshold")
                let direction: ThresholdDirection
                switch try call.value(3) {
                case .nil, .string("rising"): direction = .rising
                case .string("falling"): direction = .falling
                case let other: throw LuaHostError("bad argument #3 (direction): expected \"rising\" or \"falling\", got \(other)")
                }
                let seconds = SeriesStatistics.timeToThreshold(threshold, crossing: direction, in: series)
                return .values([seconds.map(LuaValue.number) ?? .nil])
            },
        ]
    }

    static func msk() -> [LuaHostFunction] {
        [
            LuaHostFunction("msk.bootstrap_brokers") { call in
                let hosts = try ConnectionStrings.bootstrapBrokers(try call.string(1, "brokers"))
                return .values([.table(LuaTable(array: hosts.map(hostValue)))])
            },
            LuaHostFunction("msk.zookeeper") { call in
                let connect = try ConnectionStrings.zooKeeper(try call.string(1, "connect_string"))
                var value: LuaTable = LuaTable(fields: ["hosts": .table(LuaTable(array: connect.hosts.map(hostValue)))])
                if let chroot = connect.chroot { value.fields["chroot"] = .string(chroot) }
                return .values([.table(value)])
            },
        ]
    }

    private static func statistic(_ name: String, _ compute: @escaping ([SeriesPoint]) -> Double?) -> LuaHostFunction {
        LuaHostFunction(name) { call in .values([compute(try points(call, 1)).map(LuaValue.number) ?? .nil]) }
    }

    /// A series as `cloudwatch.series` returns it: `{ {time = t, value = v}, ... }`.
    private static func points(_ call: LuaCall, _ index: Int) throws -> [SeriesPoint] {
        guard case .table(let table) = try call.value(index) else { throw call.badArgument(index, "series", "a list of {time, value}") }
        return try table.array.enumerated().map { offset, entry in
            guard let time = entry["time"].doubleValue, let value = entry["value"].doubleValue else {
                throw LuaHostError("bad argument #\(index) (series): entry \(offset + 1) needs numeric time and value")
            }
            return SeriesPoint(time: time, value: value)
        }
    }

    private static func hostValue(_ host: HostPort) -> LuaValue {
        ["host": .string(host.host), "port": .integer(Int64(host.port))]
    }

    static func familyValue(_ family: MetricFamily) -> LuaValue {
        var value = LuaTable(fields: ["name": .string(family.name), "type": .string(family.type.rawValue)])
        if let help = family.help { value.fields["help"] = .string(help) }
        value.fields["samples"] = .table(LuaTable(array: family.samples.map { sample in
            var entry = LuaTable(fields: ["name": .string(sample.name), "value": .number(sample.value)])
            entry.fields["labels"] = .table(LuaTable(fields: Dictionary(uniqueKeysWithValues: sample.labels.map { (LuaValue.string($0.key), LuaValue.string($0.value)) })))
            if let time = sample.timestampMilliseconds { entry.fields["timestamp_ms"] = .integer(time) }
            return .table(entry)
        }))
        return .table(value)
    }
}
