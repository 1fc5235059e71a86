import Probes
import Testing

struct SeriesStatisticsTests {
    /// Builds points one `step` seconds apart starting at `start`.
    private func series(_ values: [Double], start: Double = 0, step: Double = 1) -> [SeriesPoint] {
        values.enumerated().map { SeriesPoint(time: start + Double($0.offset) * step, value: $0.element) }
    }

    private func isClose(_ actual: Double?, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
        guard let actual else { return false }
        return abs(actual - expected) <= tolerance * max(1, abs(expected))
    }

    // Values 3, 1, 4, 1, 5, 9, 2, 6; sorted: 1, 1, 2, 3, 4, 5, 6, 9 (n = 8).
    private var sample: [SeriesPoint] { series([3, 1, 4, 1, 5, 9, 2, 6]) }

    // MARK: - Min, max, mean

    @Test func minimumMaximumAndMeanMatchHandComputedValues() {
        #expect(SeriesStatistics.minimum(of: sample) == 1)
        #expect(SeriesStatistics.maximum(of: sample) == 9)
        // (3 + 1 + 4 + 1 + 5 + 9 + 2 + 6) / 8 = 31 / 8 = 3.875
        #expect(SeriesStatistics.mean(of: sample) == 3.875)
    }

    @Test func emptySeriesGivesNilForEveryStatistic() {
        #expect(SeriesStatistics.minimum(of: []) == nil)
        #expect(SeriesStatistics.maximum(of: []) == nil)
        #expect(SeriesStatistics.mean(of: []) == nil)
        #expect(SeriesStatistics.percentile(50, of: []) == nil)
        #expect(SeriesStatistics.rate(of: []) == nil)
        #expect(SeriesStatistics.trend(of: []) == nil)
        #expect(SeriesStatistics.timeToThreshold(1, crossing: .rising, in: []) == nil)
    }

    @Test func nanValuesAndNonFiniteTimesAreIgnored() {
        let points = series([2, .nan, 4]) + [SeriesPoint(time: .infinity, value: 100), SeriesPoint(time: .nan, value: -100)]
        #expect(SeriesStatistics.minimum(of: points) == 2)
        #expect(SeriesStatistics.maximum(of: points) == 4)
        // (2 + 4) / 2 = 3
        #expect(SeriesStatistics.mean(of: points) == 3)
        #expect(SeriesStatistics.mean(of: [SeriesPoint(time: 0, value: .nan)]) == nil)
    }

    // MARK: - Percentile

    @Test func percentileInterpolatesLinearlyBetweenClosestRanks() {
        // Sorted 1, 1, 2, 3, 4, 5, 6, 9; rank r = p / 100 × 7.
        #expect(SeriesStatistics.percentile(0, of: sample) == 1)  // r = 0 → v[0]
        #expect(SeriesStatistics.percentile(100, of: sample) == 9)  // r = 7 → v[7]
        #expect(isClose(SeriesStatistics.percentile(50, of: sample), 3.5))  // r = 3.5 → 3 + 0.5 × (4 - 3)
        #expect(isClose(SeriesStatistics.percentile(25, of: sample), 1.75))  // r = 1.75 → 1 + 0.75 × (2 - 1)
        #expect(isClose(SeriesStatistics.percentile(90, of: sample), 6.9))  // r = 6.3 → 6 + 0.3 × (9 - 6)
    }

    @Test func percentileOfSinglePointIsThatValue() {
        #expect(SeriesStatistics.percentile(95, of: [SeriesPoint(time: 5, value: 42)]) == 42)
    }

    @Test func percentileOutsideZeroToHundredIsNil() {
        #expect(SeriesStatistics.percentile(-1, of: sample) == nil)
        #expect(SeriesStatistics.percentile(100.5, of: sample) == nil)
        #expect(SeriesStatistics.percentile(.nan, of: sample) == nil)
    }

    // MARK: - Rate

    @Test func rateIsIncreasePerSecondBetweenFirstAndLastPoint() {
        // (220 - 100) / (120 - 0) = 1.0 per second
        #expect(SeriesStatistics.rate(of: series([100, 160, 220], step: 60)) == 1)
    }

    @Test func rateTreatsADropAsACounterResetAndAddsTheNewValue() {
        // 100 → 150: +50; 150 → 20: reset, +20; 20 → 80: +60. Total 130 over 90 s = 1.444… per second.
        // A naive (last - first) / duration would give (80 - 100) / 90 < 0.
        let points = series([100, 150, 20, 80], step: 30)
        #expect(isClose(SeriesStatistics.rate(of: points), 130.0 / 90.0))
    }

    @Test func rateOrdersPointsByTimeBeforeLookingForResets() {
        // Same as above, shuffled: sorted by time it is 100, 150, 20, 80.
        let points = [
            SeriesPoint(time: 60, value: 20),
            SeriesPoint(time: 0, value: 100),
            SeriesPoint(time: 90, value: 80),
            SeriesPoint(time: 30, value: 150),
        ]
        #expect(isClose(SeriesStatistics.rate(of: points), 130.0 / 90.0))
    }

    @Test func rateNeedsTwoPointsAtDifferentTimes() {
        #expect(SeriesStatistics.rate(of: [SeriesPoint(time: 0, value: 5)]) == nil)
        #expect(SeriesStatistics.rate(of: [SeriesPoint(time: 7, value: 5), SeriesPoint(time: 7, value: 9)]) == nil)
    }

    // MARK: - Trend

    @Test func trendOfPerfectLineRecoversSlopeAndIntercept() {
        // value = 2 × time + 1 at times 0, 1, 2
        #expect(SeriesStatistics.trend(of: series([1, 3, 5])) == LinearTrend(slope: 2, intercept: 1))
    }

    @Test func trendIsLeastSquaresFitOfNoisyPoints() throws {
        // Points (0, 0), (1, 1), (2, 1), (3, 3): mean time 1.5, mean value 1.25.
        // Σ(dt × dv) = (-1.5)(-1.25) + (-0.5)(-0.25) + (0.5)(-0.25) + (1.5)(1.75) = 1.875 + 0.125 - 0.125 + 2.625 = 4.5
        // Σ(dt²) = 2.25 + 0.25 + 0.25 + 2.25 = 5 → slope = 4.5 / 5 = 0.9; intercept = 1.25 - 0.9 × 1.5 = -0.1
        let trend = try #require(SeriesStatistics.trend(of: series([0, 1, 1, 3])))
        #expect(isClose(trend.slope, 0.9))
        #expect(isClose(trend.intercept, -0.1))
        #expect(isClose(trend.value(at: 10), 8.9))  // 0.9 × 10 - 0.1
    }

    @Test func trendNeedsTwoDistinctTimes() {
        #expect(SeriesStatistics.trend(of: [SeriesPoint(time: 1, value: 1)]) == nil)
        #expect(SeriesStatistics.trend(of: [SeriesPoint(time: 1, value: 1), SeriesPoint(time: 1, value: 2)]) == nil)
    }

    // MARK: - Time to threshold

    /// Disk usage 45 %, 46 %, … 50 % sampled hourly at realistic Unix times: 1 % per hour.
    private var diskUsage: [SeriesPoint] {
        series([45, 46, 47, 48, 49, 50], start: 1_700_000_000, step: 3600)
    }

    @Test func diskGrowingOnePercentPerHourReaches85PercentIn35Hours() {
        // (85 - 50) % ÷ 1 %/h = 35 h = 126 000 s after the last point.
        let seconds = SeriesStatistics.timeToThreshold(85, crossing: .rising, in: diskUsage)
        #expect(isClose(seconds, 35 * 3600, tolerance: 1e-6))
    }

    @Test func fallingFreeSpaceReachesLowerLimit() {
        // Free GB 100, 98, 96, 94, 92, 90 hourly: -2 GB/h. (90 - 10) ÷ 2 = 40 h.
        let free = series([100, 98, 96, 94, 92, 90], start: 1_700_000_000, step: 3600)
        let seconds = SeriesStatistics.timeToThreshold(10, crossing: .falling, in: free)
        #expect(isClose(seconds, 40 * 3600, tolerance: 1e-6))
    }

    @Test func thresholdAlreadyPassedGivesZero() {
        // Last value 50 ≥ 40.
        #expect(SeriesStatistics.timeToThreshold(40, crossing: .rising, in: diskUsage) == 0)
        // Over the limit while shrinking: still already past.
        let shrinking = series([95, 93, 91], step: 3600)
        #expect(SeriesStatistics.timeToThreshold(85, crossing: .rising, in: shrinking) == 0)
        // Lower limit: 90 ≤ 95.
        #expect(SeriesStatistics.timeToThreshold(95, crossing: .falling, in: series([100, 98, 96, 94, 92, 90])) == 0)
    }

    @Test func trendMovingAwayOrFlatNeverReachesThreshold() {
        let shrinking = series([60, 55, 50], step: 3600)
        #expect(SeriesStatistics.timeToThreshold(85, crossing: .rising, in: shrinking) == nil)
        let flat = series([50, 50, 50], step: 3600)
        #expect(SeriesStatistics.timeToThreshold(85, crossing: .rising, in: flat) == nil)
        #expect(SeriesStatistics.timeToThreshold(10, crossing: .falling, in: diskUsage) == nil)
    }

    @Test func timeToThresholdNeedsATrendAndAFiniteThreshold() {
        #expect(SeriesStatistics.timeToThreshold(85, crossing: .rising, in: [SeriesPoint(time: 0, value: 50)]) == nil)
        #expect(SeriesStatistics.timeToThreshold(.infinity, crossing: .rising, in: diskUsage) == nil)
        #expect(SeriesStatistics.timeToThreshold(.nan, crossing: .rising, in: diskUsage) == nil)
    }
}
