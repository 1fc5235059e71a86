/// Which way a series must move to reach a threshold in ``SeriesStatistics/timeToThreshold(_:crossing:in:)``.
public enum ThresholdDirection: Sendable, Hashable {
    /// The threshold is an upper limit, reached when the value is at or above it (for example disk usage).
    case rising
    /// The threshold is a lower limit, reached when the value is at or below it (for example free bytes).
    case falling
}
