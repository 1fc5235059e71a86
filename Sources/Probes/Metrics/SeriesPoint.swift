/// One observation of a time series: a time in seconds and a value.
public struct SeriesPoint: Sendable, Hashable {
    /// The time of the observation in seconds, for example seconds since the Unix epoch.
    public var time: Double
    /// The observed value.
    public var value: Double

    /// Creates a point at `time` seconds with `value`.
    public init(time: Double, value: Double) {
        self.time = time
        self.value = value
    }
}
