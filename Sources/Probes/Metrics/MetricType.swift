/// The type of a metric family as declared by a `# TYPE` line in Prometheus text exposition.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    /// A monotonically increasing value that resets to zero when the process restarts.
    case counter
    /// A value that can go up and down.
    case gauge
    /// Observations counted into cumulative `le` buckets, exposed as `_bucket`, `_sum` and `_count` samples.
    case histogram
    /// Observations summarised as `quantile` samples plus `_sum` and `_count` samples.
    case summary
    /// A family with no `# TYPE` line, or explicitly declared `untyped`.
    case untyped
}
