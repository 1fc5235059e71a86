import Probes
import Testing

struct PrometheusTextTests {
    /// A hand-written excerpt in the shape node_exporter serves on :9100/metrics.
    static let nodeExporterExcerpt = #"""
        # HELP go_gc_duration_seconds A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.
        # TYPE go_gc_duration_seconds summary
        go_gc_duration_seconds{quantile="0"} 2.7713e-05
        go_gc_duration_seconds{quantile="0.25"} 4.4542e-05
        go_gc_duration_seconds{quantile="0.5"} 5.9833e-05
        go_gc_duration_seconds{quantile="0.75"} 8.1084e-05
        go_gc_duration_seconds{quantile="1"} 0.000714583
        go_gc_duration_seconds_sum 0.412399415
        go_gc_duration_seconds_count 5013
        # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
        # TYPE node_cpu_seconds_total counter
        node_cpu_seconds_total{cpu="0",mode="idle"} 2.54663528e+06
        node_cpu_seconds_total{cpu="0",mode="iowait"} 1234.56
        node_cpu_seconds_total{cpu="0",mode="system"} 15372.11
        node_cpu_seconds_total{cpu="1",mode="idle"} 2.5478741e+06
        node_cpu_seconds_total{cpu="1",mode="system"} 15010.4
        # HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
        # TYPE node_filesystem_avail_bytes gauge
        node_filesystem_avail_bytes{device="/dev/nvme0n1p1",fstype="ext4",mountpoint="/"} 4.2156470272e+10
        node_filesystem_avail_bytes{device="/dev/nvme1n1",fstype="xfs",mountpoint="/kafka/data"} 1.073741824e+12
        node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 8.17459456e+08
        # HELP node_load1 1m load average.
        # TYPE node_load1 gauge
        node_load1 0.42
        # HELP node_disk_io_time_seconds_total Total seconds spent doing I/Os.
        # TYPE node_disk_io_time_seconds_total counter
        node_disk_io_time_seconds_total{device="nvme1n1"} 98123.456
        # HELP http_request_duration_seconds Histogram of latencies for HTTP requests to /metrics.
        # TYPE http_request_duration_seconds histogram
        http_request_duration_seconds_bucket{handler="/metrics",le="0.005"} 120
        http_request_duration_seconds_bucket{handler="/metrics",le="0.01"} 180
        http_request_duration_seconds_bucket{handler="/metrics",le="0.1"} 199
        http_request_duration_seconds_bucket{handler="/metrics",le="1"} 200
        http_request_duration_seconds_bucket{handler="/metrics",le="+Inf"} 201
        http_request_duration_seconds_sum{handler="/metrics"} 1.9876
        http_request_duration_seconds_count{handler="/metrics"} 201
        # HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.
        # TYPE promhttp_metric_handler_requests_total counter
        promhttp_metric_handler_requests_total{code="200"} 4711
        promhttp_metric_handler_requests_total{code="500"} 0
        promhttp_metric_handler_requests_total{code="503"} 0

        """#

    /// Returns the parse error's description, or `nil` when the body parses.
    private func parseErrorDescription(_ body: String, deadline: ContinuousClock.Instant? = nil) -> String? {
        do throws(ProbeError) {
            _ = try PrometheusText(parsing: body, deadline: deadline)
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: - Realistic input

    @Test func nodeExporterExcerptYieldsFamiliesInOrderWithTypesAndHelp() throws {
        let text = try PrometheusText(parsing: Self.nodeExporterExcerpt)
        #expect(text.families.map(\.name) == [
            "go_gc_duration_seconds",
            "node_cpu_seconds_total",
            "node_filesystem_avail_bytes",
            "node_load1",
            "node_disk_io_time_seconds_total",
            "http_request_duration_seconds",
            "promhttp_metric_handler_requests_total",
        ])
        #expect(text.families.map(\.type) == [.summary, .counter, .gauge, .gauge, .counter, .histogram, .counter])
        #expect(text.families.map(\.samples.count) == [7, 5, 3, 1, 1, 7, 3])
        #expect(text.family(named: "node_cpu_seconds_total")?.help == "Seconds the CPUs spent in each mode.")
        #expect(text.family(named: "node_load1")?.samples == [MetricSample(name: "node_load1", value: 0.42)])
    }

    @Test func filesystemGaugeIsFoundByMountpointLabel() throws {
        let text = try PrometheusText(parsing: Self.nodeExporterExcerpt)
        #expect(text.value(of: "node_filesystem_avail_bytes", matching: ["mountpoint": "/kafka/data"]) == 1.073741824e12)
        #expect(text.value(of: "node_filesystem_avail_bytes", matching: ["mountpoint": "/"]) == 42_156_470_272)
        let root = text.samples(named: "node_filesystem_avail_bytes", matching: ["mountpoint": "/"])
        #expect(root.first?.labels == ["device": "/dev/nvme0n1p1", "fstype": "ext4", "mountpoint": "/"])
    }

    @Test func labelSubsetLookupMatchesAllRequestedLabelsAndReturnsFirstMatch() throws {
        let text = try PrometheusText(parsing: Self.nodeExporterExcerpt)
        #expect(text.value(of: "node_cpu_seconds_total", matching: ["cpu": "1", "mode": "system"]) == 15010.4)
        // Only "mode" given: cpu="0" idle comes first in the exposition.
        #expect(text.value(of: "node_cpu_seconds_total", matching: ["mode": "idle"]) == 2.54663528e6)
        #expect(text.samples(named: "node_cpu_seconds_total", matching: ["mode": "idle"]).count == 2)
        #expect(text.samples(named: "node_cpu_seconds_total").count == 5)
        #expect(text.value(of: "node_cpu_seconds_total", matching: ["mode": "steal"]) == nil)
        #expect(text.value(of: "node_cpu_seconds_total", matching: ["cpu": "0", "mode": "idle", "extra": "x"]) == nil)
        #expect(text.value(of: "node_memory_MemAvailable_bytes") == nil)
    }

    @Test func histogramBucketsSumAndCountAreGroupedUnderTheFamily() throws {
        let text = try PrometheusText(parsing: Self.nodeExporterExcerpt)
        let family = try #require(text.family(named: "http_request_duration_seconds"))
        #expect(family.type == .histogram)
        #expect(family.samples.map(\.name) == Array(repeating: "http_request_duration_seconds_bucket", count: 5) + [
            "http_request_duration_seconds_sum", "http_request_duration_seconds_count",
        ])
        #expect(family.samples.compactMap { $0.labels["le"] } == ["0.005", "0.01", "0.1", "1", "+Inf"])
        #expect(text.value(of: "http_request_duration_seconds_bucket", matching: ["le": "+Inf"]) == 201)
        #expect(text.value(of: "http_request_duration_seconds_sum") == 1.9876)
        #expect(text.family(named: "http_request_duration_seconds_bucket") == nil)
    }

    @Test func summaryQuantilesSumAndCountAreGroupedUnderTheFamily() throws {
        let text = try PrometheusText(parsing: Self.nodeExporterExcerpt)
        let family = try #require(text.family(named: "go_gc_duration_seconds"))
        #expect(family.type == .summary)
        #expect(family.samples.compactMap { $0.labels["quantile"] } == ["0", "0.25", "0.5", "0.75", "1"])
        #expect(text.value(of: "go_gc_duration_seconds", matching: ["quantile": "0.5"]) == 5.9833e-05)
        #expect(text.value(of: "go_gc_duration_seconds_count") == 5013)
        #expect(text.value(of: "go_gc_duration_seconds_sum") == 0.412399415)
        #expect(text.family(named: "go_gc_duration_seconds_count") == nil)
    }

    // MARK: - Families and comments

    @Test func samplesWithoutTypeLineFormUntypedFamilies() throws {
        let text = try PrometheusText(parsing: "kafka_server_up 1\nrequests_sum 3\nrequests_count 2\n")
        #expect(text.families.map(\.name) == ["kafka_server_up", "requests_sum", "requests_count"])
        #expect(text.families.allSatisfy { $0.type == .untyped && $0.help == nil })
    }

    @Test func explicitUntypedTypeAndHelpWithoutSamplesAreKept() throws {
        let text = try PrometheusText(parsing: "# TYPE jmx_scrape_error untyped\n# HELP empty_family Nothing yet.\n")
        #expect(text.families == [
            MetricFamily(name: "jmx_scrape_error", type: .untyped),
            MetricFamily(name: "empty_family", help: "Nothing yet."),
        ])
    }

    @Test func blankLinesAndOrdinaryCommentsAreIgnored() throws {
        let body = "\n\n# just a comment\n#\n   \n# HELPFUL not a help line\n\t\nup 1\n\n# TYPEWRITER x\n"
        let text = try PrometheusText(parsing: body)
        #expect(text.families == [MetricFamily(name: "up", samples: [MetricSample(name: "up", value: 1)])])
    }

    @Test func emptyBodyHasNoFamilies() throws {
        #expect(try PrometheusText(parsing: "").families.isEmpty)
    }

    @Test func helpAndTypeMayComeInEitherOrderAndTolerateExtraBlanks() throws {
        let text = try PrometheusText(parsing: "#  TYPE\tbytes_total   counter  \n#HELP  bytes_total   Bytes in.\nbytes_total 5\n")
        #expect(text.families == [
            MetricFamily(name: "bytes_total", type: .counter, help: "Bytes in.", samples: [
                MetricSample(name: "bytes_total", value: 5),
            ]),
        ])
    }

    // MARK: - Escapes

    @Test func helpTextUnescapesBackslashAndNewline() throws {
        let text = try PrometheusText(parsing: #"# HELP paths Windows C:\\kafka\\logs\nsecond line"# + "\npaths 1\n")
        #expect(text.family(named: "paths")?.help == "Windows C:\\kafka\\logs\nsecond line")
    }

    @Test func helpTextKeepsQuotesAndBracesLiterally() throws {
        let text = try PrometheusText(parsing: #"# HELP odd Says "hi" {x="y"}"# + "\n")
        #expect(text.family(named: "odd")?.help == #"Says "hi" {x="y"}"#)
    }

    @Test func labelValueUnescapesBackslashQuoteAndNewline() throws {
        let text = try PrometheusText(parsing: #"m{path="C:\\tmp",msg="say \"hi\"",multi="a\nb"} 1"#)
        #expect(text.samples(named: "m").first?.labels == [
            "path": "C:\\tmp",
            "msg": "say \"hi\"",
            "multi": "a\nb",
        ])
    }

    @Test func labelValueKeepsUnescapedSeparatorsAndUnicode() throws {
        let text = try PrometheusText(parsing: #"m{a="x,y}=z",b="héllo ☃",c=""} 2"#)
        #expect(text.samples(named: "m").first?.labels == ["a": "x,y}=z", "b": "héllo ☃", "c": ""])
    }

    // MARK: - Label sets and whitespace

    @Test func emptyLabelSetAndTrailingCommaAreAccepted() throws {
        let text = try PrometheusText(parsing: "a{} 1\nb{x=\"1\",} 2\nc{ } 3\n")
        #expect(text.samples(named: "a").first == MetricSample(name: "a", value: 1))
        #expect(text.samples(named: "b").first == MetricSample(name: "b", labels: ["x": "1"], value: 2))
        #expect(text.samples(named: "c").first == MetricSample(name: "c", value: 3))
    }

    @Test func labelOrderDoesNotMatter() throws {
        let text = try PrometheusText(parsing: "m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 1\n")
        let samples = text.samples(named: "m")
        #expect(samples.count == 2)
        #expect(samples.first == samples.last)
    }

    @Test func blanksAndTabsAroundTokensAreTolerated() throws {
        let body = "  \tm { a = \"1\" ,\tb=\"2\" , }\t 7   1700000000000  \n\tn\t\t8\n"
        let text = try PrometheusText(parsing: body)
        #expect(text.samples(named: "m") == [
            MetricSample(name: "m", labels: ["a": "1", "b": "2"], value: 7, timestampMilliseconds: 1_700_000_000_000),
        ])
        #expect(text.samples(named: "n") == [MetricSample(name: "n", value: 8)])
    }

    @Test func labelSetMayTouchTheValue() throws {
        let text = try PrometheusText(parsing: "m{a=\"1\"}9\n")
        #expect(text.value(of: "m", matching: ["a": "1"]) == 9)
    }

    @Test func crlfLineEndingsAreAccepted() throws {
        let body = "# HELP up Whether the target is up.\r\n# TYPE up gauge\r\nup{job=\"kafka\"} 1\r\nother 2 1700000000000\r\n"
        let text = try PrometheusText(parsing: body)
        #expect(text.families == [
            MetricFamily(name: "up", type: .gauge, help: "Whether the target is up.", samples: [
                MetricSample(name: "up", labels: ["job": "kafka"], value: 1),
            ]),
            MetricFamily(name: "other", samples: [
                MetricSample(name: "other", value: 2, timestampMilliseconds: 1_700_000_000_000),
            ]),
        ])
    }

    @Test func crlfLineEndingsKeepLineNumbersInErrors() {
        #expect(parseErrorDescription("a 1\r\nb 2\r\nc{x} 3\r\n") == #"line 3: expected '=' after label name "x", found "}""#)
    }

    // MARK: - Values and timestamps

    @Test func specialFloatValuesParse() throws {
        let text = try PrometheusText(parsing: "a NaN\nb +Inf\nc -Inf\nd 1.5e3\ne -0.25\nf Inf\ng 1E-2\nh .5\n")
        #expect(text.value(of: "a")?.isNaN == true)
        #expect(text.value(of: "b") == .infinity)
        #expect(text.value(of: "c") == -.infinity)
        #expect(text.value(of: "d") == 1500)
        #expect(text.value(of: "e") == -0.25)
        #expect(text.value(of: "f") == .infinity)
        #expect(text.value(of: "g") == 0.01)
        #expect(text.value(of: "h") == 0.5)
    }

    @Test func timestampsAreMillisecondsAndOptional() throws {
        let text = try PrometheusText(parsing: "a 1 1700000000123\nb 2\nc 3 -5\n")
        #expect(text.samples(named: "a").first?.timestampMilliseconds == 1_700_000_000_123)
        #expect(text.samples(named: "b").first?.timestampMilliseconds == nil)
        #expect(text.samples(named: "c").first?.timestampMilliseconds == -5)
    }

    // MARK: - Malformed lines

    /// Lines 1-3 are valid, so every error below must report line 4.
    static let validPrefix = "# HELP ok A fine metric.\n# TYPE ok gauge\nok 1\n"

    static let malformedLines: [(line: String, problem: String)] = [
        (#"up{job "node"} 1"#, #"expected '=' after label name "job", found "\"""#),
        (#"up{job=node} 1"#, #"expected '"' to open the value of label "job", found "n""#),
        (#"up{job="node} 1"#, #"expected '"' to close the value of label "job", found end of line"#),
        (#"up{job="no\tde"} 1"#, #"invalid escape sequence '\t' in the value of label "job" (expected \\, \" or \n)"#),
        (#"up{job="x\"#, #"unterminated escape sequence at end of the value of label "job""#),
        (#"up{job="node" instance="a"} 1"#, #"expected ',' or '}' after the value of label "job", found "i""#),
        (#"up{job="a",job="b"} 1"#, #"duplicate label "job" on metric "up""#),
        (#"up{,} 1"#, #"expected label name or '}' in labels of metric "up", found ",""#),
        (#"up{1abc="x"} 1"#, #"expected label name or '}' in labels of metric "up", found "1""#),
        (#"up{job="x""#, #"expected ',' or '}' after the value of label "job", found end of line"#),
        (#"up"#, #"expected sample value after metric "up""#),
        (#"up{job="x"}"#, #"expected sample value after metric "up""#),
        (#"up one"#, #"invalid sample value "one" for metric "up" (expected a float, NaN, +Inf or -Inf)"#),
        (#"up 0x10"#, #"invalid sample value "0x10" for metric "up" (expected a float, NaN, +Inf or -Inf)"#),
        // 1e999 was once read as +Inf while 0x1p4 was refused; both are malformed, as in Prometheus.
        (#"up 0x1p4"#, #"invalid sample value "0x1p4" for metric "up" (expected a float, NaN, +Inf or -Inf)"#),
        (#"up 1e999"#, #"invalid sample value "1e999" for metric "up" (expected a float, NaN, +Inf or -Inf)"#),
        (#"up -1e999"#, #"invalid sample value "-1e999" for metric "up" (expected a float, NaN, +Inf or -Inf)"#),
        (#"up 1 12.5"#, #"invalid timestamp "12.5" for metric "up" (expected integer milliseconds)"#),
        (#"up 1 1700000000000 extra"#, #"unexpected "extra" after timestamp of metric "up""#),
        (#"9up 1"#, #"expected metric name at start of sample, found "9""#),
        (#"{job="x"} 1"#, #"expected metric name at start of sample, found "{""#),
        (#"up-time 1"#, #"expected whitespace or '{' after metric name "up", found "-""#),
        (#"# TYPE up"#, #"expected metric type after '# TYPE up'"#),
        (#"# TYPE up countr"#, #"unknown metric type "countr" for "up" (expected counter, gauge, histogram, summary or untyped)"#),
        (#"# TYPE up Gauge"#, #"unknown metric type "Gauge" for "up" (expected counter, gauge, histogram, summary or untyped)"#),
        (#"# TYPE up gauge extra"#, #"unexpected "extra" after metric type in '# TYPE up' line"#),
        (#"# TYPE up-time gauge"#, #"expected whitespace after metric name "up" in '# TYPE' line, found "-""#),
        (#"# HELP"#, #"expected metric name after '# HELP', found end of line"#),
        (#"# HELP up bad \t escape"#, #"invalid escape sequence '\t' in '# HELP' text for "up" (expected \\ or \n)"#),
        (#"# HELP up dangling \"#, #"unterminated escape sequence at end of '# HELP' text for "up""#),
        (#"# HELP ok again"#, #"second '# HELP' line for metric "ok""#),
        (#"# TYPE ok counter"#, #"second '# TYPE' line for metric "ok""#),
    ]

    @Test(arguments: malformedLines)
    func malformedLineThrowsNamingLineNumberAndExpectation(line: String, problem: String) {
        #expect(parseErrorDescription(Self.validPrefix + line + "\nafter 1\n") == "line 4: " + problem)
    }

    /// Parsing counts against a scrape's timeout: a million-series scrape on `timeout = 2` once
    /// took 5.2 s.
    @Test func parsingStopsAtItsDeadline() {
        let body = String(repeating: "a 1\n", count: 10_000)
        #expect(parseErrorDescription(body, deadline: .now) == "line 4096: parsing did not finish within the timeout")
        #expect((try? PrometheusText(parsing: body, deadline: .now + .seconds(60)))?.families.first?.samples.count == 10_000)
    }

    /// Past `maximumSamples` the parse stops with an error that says so, before holding them all.
    @Test func parsingStopsPastTheSampleLimit() {
        let body = String(repeating: "a 1\n", count: 100)
        #expect(throws: ProbeError.self) { try PrometheusText(parsing: body, maximumSamples: 99) }
        #expect((try? PrometheusText(parsing: body, maximumSamples: 100)) != nil)
        do throws(ProbeError) {
            _ = try PrometheusText(parsing: body, maximumSamples: 10)
            Issue.record("no error past the sample limit")
        } catch {
            #expect(error.sampleLimit == 10)
        }
    }

    @Test func typeLineAfterItsSamplesIsRejected() {
        #expect(parseErrorDescription("late 1\n# TYPE late gauge\n")
            == #"line 2: '# TYPE' line for "late" must come before its samples (first seen as "late")"#)
        #expect(parseErrorDescription("h_bucket{le=\"1\"} 1\n\n# TYPE h histogram\n")
            == #"line 3: '# TYPE' line for "h" must come before its samples (first seen as "h_bucket")"#)
    }

    @Test func histogramBucketWithoutValidLeLabelIsRejected() {
        #expect(parseErrorDescription("# TYPE h histogram\nh_bucket{x=\"1\"} 1\n")
            == #"line 2: expected "le" label on histogram bucket sample "h_bucket""#)
        #expect(parseErrorDescription("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"abc\"} 1\n")
            == #"line 3: invalid "le" label value "abc" on histogram bucket sample "h_bucket" (expected a float)"#)
    }

    @Test func histogramSampleWithoutSuffixIsRejected() {
        #expect(parseErrorDescription("# TYPE h histogram\nh 1\n")
            == #"line 2: expected "_bucket", "_sum" or "_count" suffix on sample of histogram "h""#)
    }

    @Test func summarySampleWithoutQuantileLabelIsRejected() {
        #expect(parseErrorDescription("# TYPE s summary\ns_sum 1\ns{q=\"0.5\"} 1\n")
            == #"line 3: expected "quantile" label on summary quantile sample "s""#)
    }
}
