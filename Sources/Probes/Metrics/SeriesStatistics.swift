/// Summary statistics, counter rates and linear trends over a time series of ``SeriesPoint``s.
///
/// Every function ignores points whose time is not finite or whose value is NaN, accepts points in
/// any order (they are ordered by time where order matters), and returns `nil` instead of trapping
/// when too few usable points remain.
public enum SeriesStatistics {
    /// Returns the smallest value, or `nil` when there are no usable points.
    public static func minimum(of series: [SeriesPoint]) -> Double? {
        usableValues(series).min()
    }

    /// Returns the largest value, or `nil` when there are no usable points.
    public static func maximum(of series: [SeriesPoint]) -> Double? {
        usableValues(series).max()
    }

    /// Returns the arithmetic mean of the values, or `nil` when there are no usable points.
    public static func mean(of series: [SeriesPoint]) -> Double? {
        let values = usableValues(series)
        guard !values.isEmpty else { return nil }
        return values.reduce(0, +) / Double(values.count)
    }

    /// Returns the `p`th percentile of the values, interpolating linearly between closest ranks.
    ///
    /// The values are sorted ascending as `v[0] ... v[n-1]`; the fractional rank is
    /// `r = p / 100 × (n - 1)`, and the result is `v[⌊r⌋] + (r - ⌊r⌋) × (v[⌊r⌋ + 1] - v[⌊r⌋])`.
    /// This is the "inclusive" definition used by NumPy's default `percentile` and by spreadsheet
    /// `PERCENTILE.INC`: percentile 0 is the minimum, 100 the maximum and 50 the median.
    ///
    /// - Parameter p: The percentile, from 0 through 100.
    /// - Returns: `nil` when there are no usable points or `p` is outside 0...100 or NaN.
    public static func percentile(_ p: Double, of series: [SeriesPoint]) -> Double? {
        guard p >= 0, p <= 100 else { return nil }
        let values = usableValues(series).sorted()
        guard let first = values.first else { return nil }
        guard values.count > 1 else { return first }
        let rank = p / 100 * Double(values.count - 1)
        let lower = min(Int(rank.rounded(.down)), values.count - 1)
        let upper = min(lower + 1, values.count - 1)
        let fraction = rank - Double(lower)
        if fraction == 0 || values[lower] == values[upper] {
            return values[lower]
        }
        return values[lower] + fraction * (values[upper] - values[lower])
    }

    /// Returns the per-second increase of a counter between the first and last points.
    ///
    /// Counter resets are handled the way Prometheus `rate` handles them: whenever a value is lower
    /// than the one before it, the counter is taken to have restarted from zero, so the new value
    /// itself is the increase for that step. Unlike Prometheus, the result is not extrapolated to
    /// the edges of a query window: it is the total increase divided by the time from the first to
    /// the last point.
    ///
    /// - Returns: `nil` with fewer than two usable points or when they all share one time.
    public static func rate(of series: [SeriesPoint]) -> Double? {
        let points = usablePointsByTime(series)
        guard let first = points.first, let last = points.last, last.time > first.time else { return nil }
        var increase = 0.0
        for (previous, current) in zip(points, points.dropFirst()) {
            increase += current.value < previous.value ? current.value : current.value - previous.value
        }
        return increase / (last.time - first.time)
    }

    /// Returns the ordinary least-squares line through the points (value against time in seconds).
    ///
    /// - Returns: `nil` with fewer than two usable points, when they all share one time, or when
    ///   infinite values make the fit undefined.
    public static func trend(of series: [SeriesPoint]) -> LinearTrend? {
        let points = usablePoints(series)
        guard points.count >= 2 else { return nil }
        let count = Double(points.count)
        let meanTime = points.reduce(0) { $0 + $1.time } / count
        let meanValue = points.reduce(0) { $0 + $1.value } / count
        var sumSquaredTime = 0.0
        var sumProduct = 0.0
        for point in points {
            let dt = point.time - meanTime
            sumSquaredTime += dt * dt
            sumProduct += dt * (point.value - meanValue)
        }
        guard sumSquaredTime > 0 else { return nil }
        let slope = sumProduct / sumSquaredTime
        let intercept = meanValue - slope * meanTime
        guard slope.isFinite, intercept.isFinite else { return nil }
        return LinearTrend(slope: slope, intercept: intercept)
    }

    /// Returns the seconds from the last point until the least-squares ``trend(of:)`` reaches
    /// `threshold`, for example how long until a disk is full.
    ///
    /// - `0` when the threshold is already reached: the last observed value (or the trend at the
    ///   last point's time) is at or beyond it in `direction`.
    /// - `nil` when the trend never reaches it: it is flat or moving away from the threshold, or
    ///   there are too few points for ``trend(of:)``, or `threshold` is NaN or infinite.
    ///
    /// - Parameters:
    ///   - threshold: The limit, in the same unit as the values.
    ///   - direction: ``ThresholdDirection/rising`` when the threshold is an upper limit (usage
    ///     percent), ``ThresholdDirection/falling`` when it is a lower limit (free bytes).
    ///   - series: The observations.
    public static func timeToThreshold(
        _ threshold: Double,
        crossing direction: ThresholdDirection,
        in series: [SeriesPoint]
    ) -> Double? {
        guard threshold.isFinite,
              let trend = trend(of: series),
              let last = usablePointsByTime(series).last
        else { return nil }
        let projected = trend.value(at: last.time)
        switch direction {
        case .rising:
            if last.value >= threshold || projected >= threshold { return 0 }
            guard trend.slope > 0 else { return nil }
        case .falling:
            if last.value <= threshold || projected <= threshold { return 0 }
            guard trend.slope < 0 else { return nil }
        }
        let seconds = (threshold - projected) / trend.slope
        return seconds.isFinite ? seconds : nil
    }

    // MARK: - Helpers

    private static func usablePoints(_ series: [SeriesPoint]) -> [SeriesPoint] {
        series.filter { $0.time.isFinite && !$0.value.isNaN }
    }

    private static func usableValues(_ series: [SeriesPoint]) -> [Double] {
        usablePoints(series).map(\.value)
    }

    /// Usable points ordered by time; points with equal times keep their input order.
    private static func usablePointsByTime(_ series: [SeriesPoint]) -> [SeriesPoint] {
        usablePoints(series)
            .enumerated()
            .sorted { $0.element.time != $1.element.time ? $0.element.time < $1.element.time : $0.offset < $1.offset }
            .map(\.element)
    }
}
