/// A straight line `value = slope × time + intercept` fitted to a time series.
public struct LinearTrend: Sendable, Hashable {
    /// The change in value per second.
    public var slope: Double
    /// The value of the line at time zero.
    public var intercept: Double

    /// Creates a line with the given slope (per second) and intercept (value at time zero).
    public init(slope: Double, intercept: Double) {
        self.slope = slope
        self.intercept = intercept
    }

    /// Returns the value of the line at `time` seconds.
    public func value(at time: Double) -> Double {
        slope * time + intercept
    }
}
