/// One sample line of Prometheus text exposition: a name, a label set, a value and an optional timestamp.
///
/// Equality compares values with IEEE semantics, so two samples whose value is NaN are never equal.
public struct MetricSample: Sendable, Hashable {
    /// The sample name as written, for example `http_request_duration_seconds_bucket`.
    public var name: String
    /// The labels of the sample; order in the exposition is not significant.
    public var labels: [String: String]
    /// The sample value, which may be NaN, `+Inf` or `-Inf`.
    public var value: Double
    /// The optional timestamp in milliseconds since the Unix epoch.
    public var timestampMilliseconds: Int64?

    /// Creates a sample from its parts.
    public init(name: String, labels: [String: String] = [:], value: Double, timestampMilliseconds: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// Returns whether every label in `subset` is present on this sample with the same value.
    public func hasLabels(_ subset: [String: String]) -> Bool {
        subset.allSatisfy { labels[$0.key] == $0.value }
    }
}
