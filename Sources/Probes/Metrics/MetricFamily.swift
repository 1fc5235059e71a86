/// A metric family from Prometheus text exposition: a name, a type, help text and its samples.
///
/// Histogram `_bucket`, `_sum` and `_count` samples and summary `_sum` and `_count` samples are
/// grouped under the family named without the suffix, as declared by its `# TYPE` line.
public struct MetricFamily: Sendable, Hashable {
    /// The family name, for example `http_request_duration_seconds`.
    public var name: String
    /// The declared type, or ``MetricType/untyped`` when there was no `# TYPE` line.
    public var type: MetricType
    /// The unescaped `# HELP` text, or `nil` when there was no `# HELP` line.
    public var help: String?
    /// The samples of the family in exposition order.
    public var samples: [MetricSample]

    /// Creates a family from its parts.
    public init(name: String, type: MetricType = .untyped, help: String? = nil, samples: [MetricSample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.samples = samples
    }
}
