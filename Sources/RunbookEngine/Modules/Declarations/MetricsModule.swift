import LuaKit
import Probes

extension LuaModule {
    /// `metrics`: the Prometheus text format, scrapes, and statistics over series.
    static let metrics = LuaModule("metrics", doc: """
        The Prometheus text format (what MSK open monitoring serves on 11001 and 11002) and statistics \
        over series `{ {time, value}, ... }`, as `cloudwatch.series` returns them. Everything but `scrape` is pure.
        """, functions: [
        .pure("parse", parameters: [.required("text", .string, "Prometheus text exposition")],
              returns: .list(.record(MetricFamilyRecord.self)),
              doc: "Parses the Prometheus text format into metric families; a malformed line is an error naming its line.",
              example: #"metrics.parse(text)"#) { arguments in
            try PrometheusText(parsing: try arguments.string("text")).families.map(MetricFamilyRecord.init)
        },
        .primitive("scrape", effect: .probe, operation: "Scrape", parameters: [
            .required("url", .string, "An http:// or https:// URL"), timeout,
            .optional("max_bytes", .integer(1...Int64(HTTPPrimitives.maxBodyLimit)), default: .integer(Int64(PrometheusScrape.defaultMaxBytes)),
                      "The most body read; a longer one is an error, found without reading past it"),
        ], returns: .list(.record(MetricFamilyRecord.self)),
           doc: """
            GETs a Prometheus endpoint and parses it as `metrics.parse` does; a failed scrape is an error. \
            The timeout covers the exchange and the parse. The samples count against the run's memory: \
            more than it leaves free ends the run, as running out of memory does.
            """,
           example: #"metrics.scrape("http://b-1.demo:11002/metrics")"#) { arguments, services in
            try HTTPPrimitives.scrape(arguments, transport: services.http)
        },
        statistic("min", "The smallest value", SeriesStatistics.minimum),
        statistic("max", "The largest value", SeriesStatistics.maximum),
        statistic("mean", "The mean value", SeriesStatistics.mean),
        statistic("rate", "The per-second increase of a counter, across counter resets", SeriesStatistics.rate),
        .pure("percentile", parameters: [series, .required("p", .number(0...100), "The percentile, 0 to 100")],
              returns: .optional(.number), doc: "The p-th percentile of the values; nil for an empty series.",
              example: "metrics.percentile(points, 99)") { arguments in
            SeriesStatistics.percentile(try arguments.number("p"), of: try points(arguments))
        },
        .pure("trend", parameters: [series], returns: .optional(.record(TrendRecord.self)),
              doc: "The least-squares line through the series, slope per second; nil with fewer than two points.",
              example: "metrics.trend(points).slope") { arguments in
            SeriesStatistics.trend(of: try points(arguments)).map { TrendRecord(slope: $0.slope, intercept: $0.intercept) }
        },
        .pure("time_to_threshold", parameters: [
            series, .required("threshold", .number(ParameterType.anyNumber), "The level"),
            .optional("direction", .choice(["rising", "falling"]), default: "rising", "Which way the series must cross"),
        ], returns: .optional(.number),
              doc: "Seconds from the last point until the trend reaches the threshold (hours until a disk is full); nil if it never does.",
              example: "metrics.time_to_threshold(disk_used, 85)") { arguments in
            let direction: ThresholdDirection = arguments.optionalString("direction") == "falling" ? .falling : .rising
            return SeriesStatistics.timeToThreshold(try arguments.number("threshold"), crossing: direction, in: try points(arguments))
        },
    ])

    static let series = Parameter.required("series", .list(.table), "`{ {time = t, value = v}, ... }`")

    private static func statistic(_ name: String, _ what: String, _ compute: @escaping @Sendable ([SeriesPoint]) -> Double?) -> ModuleFunction {
        .pure(name, parameters: [series], returns: .optional(.number), doc: "\(what) of the series; nil for an empty series.",
              example: "metrics.\(name)(points)") { arguments in compute(try points(arguments)) }
    }

    /// The series argument as points; each entry needs numeric `time` and `value`.
    private static func points(_ arguments: Arguments) throws -> [SeriesPoint] {
        try arguments.table("series").array.enumerated().map { offset, entry in
            guard let time = entry["time"].doubleValue, let value = entry["value"].doubleValue else {
                throw LuaHostError("bad argument #1 (series): entry \(offset + 1) needs numeric time and value")
            }
            return SeriesPoint(time: time, value: value)
        }
    }
}

/// One metric family, as `metrics.parse` and `metrics.scrape` give it.
struct MetricFamilyRecord: LuaRecord {
    static let recordName = "metrics.Family"
    static let example = MetricFamilyRecord(
        name: "kafka_server_BrokerTopicMetrics_BytesInPerSec", type: "counter", help: "Bytes in",
        samples: [.init(name: "kafka_server_BrokerTopicMetrics_BytesInPerSec", labels: ["topic": "orders"], value: 1024, timestampMs: 1_700_000_000_000)])
    struct Sample: Encodable, Sendable {
        let name: String
        let labels: [String: String]
        let value: Double
        let timestampMs: Int64?
    }
    let name: String
    let type: String
    let help: String?
    let samples: [Sample]
}

extension MetricFamilyRecord {
    init(_ family: MetricFamily) {
        self.init(name: family.name, type: family.type.rawValue, help: family.help, samples: family.samples.map {
            Sample(name: $0.name, labels: $0.labels, value: $0.value, timestampMs: $0.timestampMilliseconds)
        })
    }
}

/// `metrics.trend`'s answer.
struct TrendRecord: LuaRecord {
    static let recordName = "metrics.Trend"
    static let example = TrendRecord(slope: 0.002, intercept: 41.5)
    let slope: Double
    let intercept: Double
}
